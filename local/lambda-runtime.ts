import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LambdaBundles } from './lambda-bundles';
import { projectRoot } from './paths';

/**
 * The local Lambda runtime: the deployed bundles (local/lambda-bundles.ts) run in a worker thread
 * that imports them as Lambda's Node runtime does, with the environment the stack gives it. An error comes back as Lambda reports it: its
 * `name` (errorType) and message, exactly as the minified code left them.
 */
export interface LambdaRuntime {
  invoke(name: string, event: unknown, opts?: { timeoutMs?: number }): Promise<unknown>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack?: string };
}

/** `env` is the functions' environment, as a Lambda function's configuration gives it. */
export function startLambdaRuntime(bundles: LambdaBundles, env: Record<string, string>): LambdaRuntime {
  const worker = new Worker(join(projectRoot(), 'local', 'lambda-worker.mjs'), { env, workerData: { files: bundles.files } });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  let exited: Error | undefined;
  worker.on('message', (reply: Reply) => {
    const call = waiting.get(reply.id);
    if (!call) return;
    waiting.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(Object.assign(new Error(reply.error?.message ?? 'Lambda function failed'), { name: reply.error?.name ?? 'Error', stack: reply.error?.stack }));
  });
  const failAll = (err: Error) => {
    exited = err;
    for (const call of waiting.values()) call.reject(err);
    waiting.clear();
  };
  worker.on('error', (err) => failAll(Object.assign(new Error(`The local Lambda runtime crashed: ${err.message}`), { name: 'Lambda.ServiceException' })));
  worker.on('exit', () => failAll(Object.assign(new Error('The local Lambda runtime has stopped'), { name: 'Lambda.ServiceException' })));

  return {
    invoke(name, event, opts = {}) {
      if (exited) return Promise.reject(exited);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, name, event, timeoutMs: opts.timeoutMs ?? 30_000 });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
