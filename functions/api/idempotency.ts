import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ConcurrentOperationError, InvalidParameterError } from '../../core/errors';
import { TTL_ATTRIBUTE } from '../store/table';

/**
 * Safe retries (a Stratus extension parameter, `idempotencykey`, which CloudStack clients simply do
 * not send): a mutating request retried by its account with the same key within
 * IDEMPOTENCY_WINDOW_SECONDS gets the first call's answer (the same VM, the same job) instead of
 * doing it again. Powertools' idempotency utility keeps the records, in the one table: a request
 * in progress holds its key, a failed one releases it (a retry runs again), a key reused with other
 * parameters is refused.
 */

export const IDEMPOTENCY_PARAM = 'idempotencykey';
export const IDEMPOTENCY_WINDOW_SECONDS = 3600;
/** What differs between two sendings of one request: left out of the parameters compared. */
const TRANSPORT = new Set(['signature', 'apikey', 'expires', 'signatureversion', 'response', 'sessionkey', IDEMPOTENCY_PARAM, '_']);

/** The records as items of the table: their own partition each (`IDEMPOTENCY#...`), never one hot partition. */
class TablePersistence extends DynamoDBPersistenceLayer {
  protected override getKey(idempotencyKey: string): Record<string, AttributeValue> {
    return { pk: { S: idempotencyKey }, sk: { S: 'IDEMPOTENCY' } };
  }
}

let persistence: { endpoint?: string; table: string; layer: TablePersistence } | undefined;
function persistenceFor(table: string): TablePersistence {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (persistence?.table !== table || persistence.endpoint !== endpoint) {
    const client = new DynamoDBClient(endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
    const layer = new TablePersistence({ tableName: table, keyAttr: 'pk', sortKeyAttr: 'sk', expiryAttr: TTL_ATTRIBUTE, awsSdkV3Client: client });
    persistence = { endpoint, table, layer };
  }
  return persistence.layer;
}

/** Whether a command changes something (reads are safe to repeat as they are). */
export const isMutating = (command: string) => !/^(list|query|get)/i.test(command);

export interface IdempotentRequest {
  accountId: string;
  command: string;
  key: string;
  /** the request's parameters but its transport ones: a retry must send the same */
  params: Record<string, unknown>;
}

export const requestParams = (raw: Record<string, unknown>) => Object.fromEntries(Object.entries(raw).filter(([k]) => !TRANSPORT.has(k.toLowerCase())).sort(([a], [b]) => a.localeCompare(b)));

/** Run `work` once per account, command and key in the window; a retry gets its stored answer. */
export async function once(
  table: string,
  request: IdempotentRequest,
  context: Context | undefined,
  work: () => Promise<APIGatewayProxyStructuredResultV2>,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (request.key.length > 255) throw new InvalidParameterError(`Parameter ${IDEMPOTENCY_PARAM} may be at most 255 characters`);
  const config = new IdempotencyConfig({ eventKeyJmesPath: '[accountId, command, key]', payloadValidationJmesPath: 'params', expiresAfterSeconds: IDEMPOTENCY_WINDOW_SECONDS, throwOnNoIdempotencyKey: true });
  // In progress for as long as this invocation may run: a request cut off releases its key then.
  if (context?.getRemainingTimeInMillis) config.registerLambdaContext(context);
  const run = makeIdempotent(async (_r: IdempotentRequest) => work(), { persistenceStore: persistenceFor(table), config, keyPrefix: 'IDEMPOTENCY' });
  try {
    return await run(request);
  } catch (err) {
    if (err instanceof IdempotencyValidationError) throw new InvalidParameterError(`The ${IDEMPOTENCY_PARAM} ${request.key} was used for a ${request.command} request with other parameters: a retry must send the same parameters, a new request a new key`);
    if (err instanceof IdempotencyAlreadyInProgressError) throw new ConcurrentOperationError(`The ${request.command} request with ${IDEMPOTENCY_PARAM} ${request.key} is still in progress; retry it in a moment to get its answer`);
    throw err;
  }
}
