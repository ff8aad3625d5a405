import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * One Step Functions client per process and configuration, from the environment: SFN_ENDPOINT when
 * not talking to AWS (the local Step Functions endpoint), like functions/store/client.ts for DynamoDB.
 */
let client: SFNClient | undefined;
let clientEndpoint: string | undefined;

export function sfnClient(): SFNClient {
  const endpoint = process.env.SFN_ENDPOINT;
  if (!client || clientEndpoint !== endpoint) {
    clientEndpoint = endpoint;
    client = new SFNClient({
      ...(endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: 5,
    });
  }
  return client;
}
