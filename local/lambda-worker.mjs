// The local Lambda runtime's worker thread (local/lambda-runtime.ts): it imports the deployed
// bundles natively, as Lambda's Node runtime does, and runs one invocation per message. Plain
// JavaScript on purpose: it is loaded by Node itself, outside any TypeScript or test-runner loader.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';

/** @type {Record<string, string>} */
const files = workerData.files;
/** @type {Map<string, Promise<Function>>} */
const loaded = new Map();

function handlerOf(name) {
  let handler = loaded.get(name);
  if (!handler) {
    const file = files[name];
    if (!file) return Promise.reject(Object.assign(new Error(`Function not found: ${name}`), { name: 'ResourceNotFoundException' }));
    handler = import(pathToFileURL(file).href).then((m) => {
      if (typeof m.handler !== 'function') throw new Error(`${file} exports no handler`);
      return m.handler;
    });
    loaded.set(name, handler);
  }
  return handler;
}

/** The little of a Lambda context the handlers read (Powertools logs the request id). */
function lambdaContext(name, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `stratus-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:stratus-${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/stratus-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

parentPort.on('message', async ({ id, name, event, timeoutMs }) => {
  try {
    const handler = await handlerOf(name);
    const value = await handler(event, lambdaContext(name, timeoutMs));
    // A result crosses a JSON boundary on Lambda: Dates become strings, undefined becomes null.
    parentPort.postMessage({ id, ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) });
  } catch (err) {
    // As Lambda reports a function error: the error's own name (errorType) and message.
    const error = err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { name: 'Error', message: String(err) };
    parentPort.postMessage({ id, ok: false, error });
  }
});
