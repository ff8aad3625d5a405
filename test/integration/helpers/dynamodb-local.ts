import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynamoDbLocal as startEngine, type DynamoDbLocal } from '../../../local/dynamodb';

/**
 * DynamoDB Local for integration tests: the same launcher `npm start` uses (local/dynamodb), in
 * memory, on a free port of 127.0.0.1.
 */
export { localClient };

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localClient(endpoint), { marshallOptions: { removeUndefinedValues: true } });
}

export function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  return startEngine({ inMemory: true });
}

/** The table as CDK and `npm start` create it. */
export const createTable = ensureTable;
