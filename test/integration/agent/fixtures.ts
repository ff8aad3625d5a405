import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Host } from '../../../core/entities';
import { storedItem } from '../../../functions/store/indexing';
import { sendResult, toApiGatewayEvent } from '../../../local/apigw-adapter';

/** Shared pieces of the agent integration tests: a fake Step Functions, an HTTP front, a host item. */

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface SfnCall {
  operation: string; // SendTaskSuccess | SendTaskFailure
  input: { taskToken: string; output?: string; error?: string; cause?: string };
}

/**
 * A fake of the two Step Functions operations the gateway uses, speaking the JSON 1.0 protocol
 * (X-Amz-Target). Tokens in `goneTokens` answer TaskDoesNotExist, like an ended execution.
 */
export async function startFakeSfn() {
  const calls: SfnCall[] = [];
  const goneTokens = new Set<string>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
      const input = JSON.parse(body || '{}') as SfnCall['input'];
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (operation !== 'SendTaskSuccess' && operation !== 'SendTaskFailure' && operation !== 'SendTaskHeartbeat') {
        res.writeHead(400).end(JSON.stringify({ __type: 'UnknownOperationException', message: operation }));
        return;
      }
      if (goneTokens.has(input.taskToken)) {
        res.writeHead(400).end(JSON.stringify({ __type: 'TaskDoesNotExist', message: 'Task does not exist anymore' }));
        return;
      }
      calls.push({ operation, input });
      res.writeHead(200).end('{}');
    });
  });
  const endpoint = await listen(server);
  const client = new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return { endpoint, client, calls, goneTokens, stop: () => close(server) };
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** A node:http front that hands each request to the handler as an API Gateway v2 event. */
export async function serveHandler(handler: Handler) {
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const done = handler(toApiGatewayEvent(req, Buffer.concat(chunks)), {} as Context).then(
        (result) => sendResult(res, result),
        () => sendResult(res, { statusCode: 500, body: '{"message":"Internal error"}' }),
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    });
  });
  const endpoint = await listen(server);
  // A long poll runs on after its client left (as in Lambda): let it end before the table goes away.
  const stop = async () => {
    await close(server);
    await Promise.allSettled([...inFlight]);
  };
  return { endpoint, stop };
}

/** A host item as addHost would have written it, before its agent registers. */
export async function putHost(db: DynamoDBDocumentClient, table: string, id: string, overrides: Partial<Host> = {}): Promise<Host> {
  const host: Host = {
    id,
    name: `host-${id}`,
    zoneId: 'zone-1',
    podId: 'pod-1',
    clusterId: 'cluster-1',
    hypervisor: 'Simulator',
    state: 'Connecting',
    resourceState: 'Enabled',
    ipAddress: '10.0.0.1',
    cpuNumber: 1,
    cpuSpeed: 1000,
    memoryTotal: 1024,
    cpuUsed: 4000,
    memoryUsed: 2048,
    cpuOverprovisioning: 1,
    memoryOverprovisioning: 1,
    hostTags: [],
    created: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
  await db.send(
    new PutCommand({
      TableName: table,
      Item: storedItem('HOST', host),
    }),
  );
  return host;
}

/** Poll a condition until it holds (the agent works in the background); fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
