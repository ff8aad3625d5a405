import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One DocumentClient per process and configuration, from the environment: TABLE_NAME, and
 * DYNAMODB_ENDPOINT when not talking to AWS (DynamoDB Local). On Lambda the configuration never
 * changes; a test process that starts a second local stack gets a client for the new endpoint.
 */
let client: DynamoDBDocumentClient | undefined;
let clientEndpoint: string | undefined;

export function documentClient(): DynamoDBDocumentClient {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!client || clientEndpoint !== endpoint) {
    clientEndpoint = endpoint;
    const base = new DynamoDBClient({
      ...(endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: 5,
    });
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set');
  return name;
}
