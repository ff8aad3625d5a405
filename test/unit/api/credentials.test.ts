import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CREDENTIALS_CACHE_MS, CredentialsRepository } from '../../../functions/store/credentials';
import { rootCaller } from './fixtures';

/** A table of one partition in memory: enough for GetItem and PutItem by key. */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  const db = {
    async send(command: { constructor: { name: string }; input: { Key?: { pk: string }; Item?: Record<string, unknown> } }) {
      calls.push(command.constructor.name);
      if (command.constructor.name === 'GetCommand') return { Item: items.get(command.input.Key!.pk) };
      if (command.constructor.name === 'PutCommand') items.set(command.input.Item!.pk as string, command.input.Item!);
      return {};
    },
  };
  return { db: db as unknown as DynamoDBDocumentClient, items, calls };
}

describe('CredentialsRepository', () => {
  it('stores a key pair under the API key item and reads the caller back', async () => {
    // Prepare
    const table = fakeTable();
    await new CredentialsRepository(table.db, 't').put('key-1', 'secret-1', rootCaller);

    // Act: a fresh repository (another Lambda process) reads from the table
    const found = await new CredentialsRepository(table.db, 't').lookup('key-1');

    // Assess
    expect(table.items.get('APIKEY#key-1')).toMatchObject({ pk: 'APIKEY#key-1', sk: 'APIKEY', secretKey: 'secret-1', role: 'rootAdmin', enabled: true });
    expect(found).toEqual({ caller: rootCaller, secretKey: 'secret-1', enabled: true });
  });

  it('answers repeated lookups from its cache until the TTL passes', async () => {
    // Prepare
    const table = fakeTable();
    let now = 1_000;
    await new CredentialsRepository(table.db, 't').put('key-1', 'secret-1', rootCaller);
    const repo = new CredentialsRepository(table.db, 't', () => now);
    table.calls.length = 0;

    // Act
    await repo.lookup('key-1');
    await repo.lookup('key-1');
    now += CREDENTIALS_CACHE_MS + 1;
    await repo.lookup('key-1');

    // Assess
    expect(table.calls).toEqual(['GetCommand', 'GetCommand']);
  });

  it('does not cache an unknown key, so a key created a moment later works', async () => {
    const table = fakeTable();
    const repo = new CredentialsRepository(table.db, 't');
    expect(await repo.lookup('key-2')).toBeUndefined();
    await new CredentialsRepository(table.db, 't').put('key-2', 's', rootCaller);
    expect(await repo.lookup('key-2')).toMatchObject({ secretKey: 's' });
  });
});
