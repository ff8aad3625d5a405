import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type DescribeExecutionCommandOutput, type HistoryEvent } from '@aws-sdk/client-sfn';
import { placeholdersIn } from '../../../core/workflow-substitutions';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../local/stepfunctions/server';

export const FIXTURES = join(__dirname, 'fixtures', 'workflows');

/** `${DispatchFn}` -> a fake Lambda ARN whose function name is `Dispatch`. */
export function fakeArnsFor(dir: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.asl.json'))) {
    for (const p of placeholdersIn(readFileSync(join(dir, f), 'utf8'))) {
      values[p] = `arn:aws:lambda:us-east-1:000000000000:function:${p.replace(/Fn$/, '')}`;
    }
  }
  return values;
}

type Handler = (payload: any) => unknown;

/**
 * The local "Lambda" of a test: one plain function per function name, and every call recorded.
 * `nextCall` resolves when a function is called, so tests wait on events rather than on time.
 */
export class FakeLambdas {
  readonly calls: { fn: string; payload: any }[] = [];
  private readonly handlers = new Map<string, Handler>();
  private readonly waiters: { fn: string; resolve: (payload: any) => void }[] = [];
  private readonly unclaimed: { fn: string; payload: any }[] = [];

  /** Forget handlers and calls between tests. */
  reset(): void {
    this.calls.length = 0;
    this.unclaimed.length = 0;
    this.handlers.clear();
  }

  on(fn: string, handler: Handler): this {
    this.handlers.set(fn, handler);
    return this;
  }

  invoke = async (arn: string, payload: unknown): Promise<unknown> => {
    const fn = arn.split(':').pop() ?? arn;
    this.calls.push({ fn, payload });
    const waiter = this.waiters.findIndex((w) => w.fn === fn);
    if (waiter >= 0) this.waiters.splice(waiter, 1)[0].resolve(payload);
    else this.unclaimed.push({ fn, payload });
    const handler = this.handlers.get(fn);
    return handler ? handler(payload) : {};
  };

  /** The payload of the next call of `fn` not yet returned by nextCall (oldest first). */
  nextCall(fn: string): Promise<any> {
    const i = this.unclaimed.findIndex((c) => c.fn === fn);
    if (i >= 0) return Promise.resolve(this.unclaimed.splice(i, 1)[0].payload);
    return new Promise((resolve) => this.waiters.push({ fn, resolve }));
  }

  callsOf(fn: string): any[] {
    return this.calls.filter((c) => c.fn === fn).map((c) => c.payload);
  }
}

export interface Harness {
  sfn: LocalStepFunctions;
  client: SFNClient;
  lambdas: FakeLambdas;
  arn(name: string): string;
}

export async function startHarness(dir = FIXTURES): Promise<Harness> {
  const lambdas = new FakeLambdas();
  const sfn = await startLocalStepFunctions({ workflowsDir: dir, substitutions: fakeArnsFor(dir), invoke: lambdas.invoke });
  const client = new SFNClient({ endpoint: sfn.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return { sfn, client, lambdas, arn: (name) => sfn.stateMachineArn(name) };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  h?.client.destroy();
  await h?.sfn.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** DescribeExecution until the execution has ended (the API has no push; tests may ask again). */
export async function waitForEnd(client: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await sleep(20);
  }
}

export async function historyOf(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 10 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The benchmark's transition count: one per `<Type>StateEntered` event. */
export function statesEntered(events: HistoryEvent[]): string[] {
  return events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name ?? '?');
}

export { sleep };
