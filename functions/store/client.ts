import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InternalError } from '../../core/errors';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';

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
    base.middlewareStack.add(retryCounterConflicts, { step: 'initialize', name: 'retryCounterConflicts' });
    base.middlewareStack.add(stopPastDeadline, { step: 'initialize', name: 'stopPastDeadline', priority: 'high' });
    client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return client;
}

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set');
  return name;
}

/**
 * A transaction that lost only on a counter item (listing counters, indexing.ts) to another
 * transaction in flight is tried again: counters take every create and delete of their partition,
 * so two racing writers meet there although nothing they condition on changed. Any other loss
 * (a failed condition, a conflict on a real item) is the caller's to judge.
 */
const COUNTER_RETRIES = 8;
const retryCounterConflicts: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  if ((context as { commandName?: string }).commandName !== 'TransactWriteItemsCommand') return next(args);
  for (let attempt = 0; ; attempt++) {
    try {
      return await next(args);
    } catch (err) {
      if (attempt >= COUNTER_RETRIES || !onlyCounterConflicts(err, (args.input as { TransactItems?: unknown[] }).TransactItems ?? [])) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    }
  }
};

function onlyCounterConflicts(err: unknown, items: unknown[]): boolean {
  const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  if ((err as Error).name !== 'TransactionCanceledException' || !reasons) return false;
  let conflicts = 0;
  for (const [i, reason] of reasons.entries()) {
    if (!reason.Code || reason.Code === 'None') continue;
    if (reason.Code !== 'TransactionConflict') return false;
    // The DocumentClient marshals after this step: its keys are plain strings here, the base client's { S }.
    const op = items[i] as Record<string, { Key?: { pk?: string | { S?: string } } }> | undefined;
    const key = op && Object.values(op)[0]?.Key?.pk;
    const pk = typeof key === 'string' ? key : key?.S;
    if (!pk?.startsWith('COUNT#') && !pk?.startsWith('RESOURCES#')) return false;
    conflicts++;
  }
  return conflicts > 0;
}

/**
 * A request's deadline (epoch ms): past it, its DynamoDB calls are refused before they are sent, so
 * a request its caller gave up on (API Gateway answers after 30 s) stops reading instead of keeping
 * the table busy, as Lambda's own time limit would stop it on AWS.
 */
const deadlines = new AsyncLocalStorage<number>();

/** Run `work` with its DynamoDB calls refused once `ms` have passed. */
export function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(Date.now() + ms, work);
}

const stopPastDeadline: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  const deadline = deadlines.getStore();
  if (deadline !== undefined && Date.now() > deadline) throw new InternalError('The request ran out of time; its remaining reads were not made');
  return next(args);
};
