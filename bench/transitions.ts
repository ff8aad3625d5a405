import { GetExecutionHistoryCommand, ListExecutionsCommand, ListStateMachinesCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { summarize, type Summary } from './stats';

/**
 * State transitions per deploy, read the way one would on AWS: the deploy-vm executions from
 * ListExecutions, then each one's GetExecutionHistory, counting the `*StateEntered` events (Step
 * Functions bills one transition per state entered). Every execution must have SUCCEEDED.
 */
export interface TransitionsResult {
  executions: number;
  perDeploy: Summary;
  byState: Record<string, number>;
  usdPer1000Transitions: number;
  usdPer1000Deploys: number;
}

/** Step Functions Standard, us-east-1 list price (shared/reference/perf-anchors.md section 2). */
export const USD_PER_1000_TRANSITIONS = 0.025;

export async function benchTransitions(endpoint: string, workflow: string, expected: number): Promise<TransitionsResult> {
  const sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    const arn = machines.stateMachines?.find((m) => m.name === workflow)?.stateMachineArn;
    if (!arn) throw new Error(`no state machine named ${workflow}`);

    const executions: Array<{ executionArn?: string; status?: string }> = [];
    let nextToken: string | undefined;
    do {
      const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1000, nextToken }));
      executions.push(...(out.executions ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    if (executions.length !== expected) throw new Error(`${workflow}: ${executions.length} executions, expected ${expected}`);
    const unfinished = executions.filter((e) => e.status !== 'SUCCEEDED');
    if (unfinished.length > 0) throw new Error(`${unfinished.length} ${workflow} executions did not succeed, e.g. ${unfinished[0].executionArn}: ${unfinished[0].status}`);

    const counts: number[] = [];
    const byState: Record<string, number> = {};
    for (const e of executions) {
      const events = await history(sfn, e.executionArn!);
      const entered = events.filter((ev) => ev.type?.endsWith('StateEntered'));
      counts.push(entered.length);
      for (const ev of entered) {
        const name = ev.stateEnteredEventDetails?.name ?? '?';
        byState[name] = (byState[name] ?? 0) + 1;
      }
    }
    const perDeploy = summarize(counts);
    for (const k of Object.keys(byState)) byState[k] = Math.round((byState[k] / executions.length) * 100) / 100;
    return {
      executions: executions.length,
      perDeploy,
      byState,
      usdPer1000Transitions: USD_PER_1000_TRANSITIONS,
      usdPer1000Deploys: perDeploy.mean * USD_PER_1000_TRANSITIONS,
    };
  } finally {
    sfn.destroy();
  }
}

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(out.events ?? []));
    nextToken = out.nextToken;
  } while (nextToken);
  return events;
}
