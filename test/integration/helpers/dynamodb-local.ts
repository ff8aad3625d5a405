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

/**
 * A Store on its own table of a fresh DynamoDB Local, configured the way the handlers read their
 * environment; `stop` closes the client and the engine. For repository tests (test/integration/store).
 */
export async function startStore(table: string): Promise<{ store: import('../../../functions/store').Store; endpoint: string; stop(): Promise<void> }> {
  const engine = await startDynamoDbLocal();
  await createTable(engine.endpoint, table);
  Object.assign(process.env, { TABLE_NAME: table, DYNAMODB_ENDPOINT: engine.endpoint, AWS_REGION: 'us-east-1' });
  const { createStore } = await import('../../../functions/store');
  const { documentClient } = await import('../../../functions/store/client');
  return {
    store: createStore(),
    endpoint: engine.endpoint,
    stop: async () => {
      documentClient().destroy();
      await engine.stop();
    },
  };
}
