import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { handler } from '../functions/api/handler';
import { sendResult, toApiGatewayEvent } from './apigw-adapter';

/**
 * Another API front in a process of its own, on the local stack's table, as a second Lambda
 * instance of the api function would be: what every front must share (API throttling's counts,
 * login sessions) is tested across two processes with it. Run by LocalStack.startApiFront with the
 * stack's environment; prints `{"apiUrl": ...}` once it listens, and stops on SIGTERM.
 */
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const deadline = Date.now() + 29_000;
    const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() } as unknown as Context;
    handler(toApiGatewayEvent(req, Buffer.concat(chunks)), context)
      .then((result) => sendResult(res, result as APIGatewayProxyResultV2))
      .catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: err.message }));
      });
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ apiUrl: `http://127.0.0.1:${port}/client/api` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
