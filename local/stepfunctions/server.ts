import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { loadWorkflowDefinitions, type LoadedWorkflow } from './definitions';
import { LocalEngine, type Execution, type ExecutionStatus, type TaskFaults } from './engine';
import { SfnApiError } from './errors';

export { loadWorkflowDefinitions, checkDefinition, type LoadedWorkflow } from './definitions';
export { SfnApiError, WorkflowDefinitionError } from './errors';

/**
 * A local Step Functions endpoint: the JSON 1.0 protocol (`POST /`, `X-Amz-Target:
 * AWSStepFunctions.<Op>`) over the workflows in `workflowsDir`, so that `@aws-sdk/client-sfn`
 * works against it unchanged. Errors are HTTP 400 `{"__type", "message"}`, which the SDK turns
 * into its modelled exceptions. Limit: executions live in memory; a restart loses them.
 */

export interface LocalStepFunctionsOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Defaults us-east-1 / 000000000000. */
  region?: string;
  accountId?: string;
  /** Every `<name>.asl.json` here is a state machine named `<name>`. */
  workflowsDir: string;
  /** `${Placeholder}` -> value, as CDK's definitionSubstitutions. */
  substitutions: Record<string, string>;
  /** The local "Lambda": resolves with the function's return value or throws its error. */
  invoke(functionArn: string, payload: unknown): Promise<unknown>;
  /** Test-only: Task states failed on purpose, and retries without waits (engine.ts TaskFaults). */
  faults?: TaskFaults;
}

export interface LocalStepFunctions {
  endpoint: string;
  stateMachineArn(name: string): string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const Arn = z.string().min(1).max(2048);
const Token = z.string().min(1).max(2048);
const Paging = { maxResults: z.number().int().min(0).max(1000).optional(), nextToken: z.string().max(1024).optional() };
const Status = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

const requests = {
  ListStateMachines: z.object({ ...Paging }),
  DescribeStateMachine: z.object({ stateMachineArn: Arn }),
  StartExecution: z.object({
    stateMachineArn: Arn,
    name: z
      .string()
      .min(1)
      .max(80)
      .regex(/^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]+$/, 'invalid execution name')
      .optional(),
    input: z.string().max(256 * 1024).optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: Arn, includedData: z.string().optional() }),
  ListExecutions: z.object({ stateMachineArn: Arn, statusFilter: Status.optional(), ...Paging }),
  StopExecution: z.object({ executionArn: Arn, error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }),
  GetExecutionHistory: z.object({ executionArn: Arn, reverseOrder: z.boolean().optional(), includeExecutionData: z.boolean().optional(), ...Paging }),
  SendTaskSuccess: z.object({ taskToken: Token, output: z.string().max(256 * 1024) }),
  SendTaskFailure: z.object({ taskToken: Token, error: z.string().max(256).optional(), cause: z.string().max(32768).optional() }),
  SendTaskHeartbeat: z.object({ taskToken: Token }),
};
type Operation = keyof typeof requests;

const epochSeconds = (d: Date | undefined): number | undefined => (d ? d.getTime() / 1000 : undefined);

/** One page of `items`; the token is the next offset. */
function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new SfnApiError('InvalidToken', 'Invalid Token: bad nextToken');
  const size = maxResults || 100;
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

function executionSummary(e: Execution) {
  return { executionArn: e.arn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: epochSeconds(e.startDate), stopDate: epochSeconds(e.stopDate) };
}

class Api {
  private readonly workflows: Map<string, LoadedWorkflow>;
  private readonly createdAt = new Date();

  constructor(
    private readonly engine: LocalEngine,
    workflows: LoadedWorkflow[],
  ) {
    this.workflows = new Map(workflows.map((w) => [engine.stateMachineArn(w.name), w]));
  }

  private workflow(arn: string): LoadedWorkflow {
    const w = this.workflows.get(arn);
    if (!w) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return w;
  }

  private execution(arn: string): Execution {
    const e = this.engine.executions.get(arn);
    if (!e) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  async handle(op: Operation, body: unknown): Promise<unknown> {
    switch (op) {
      case 'ListStateMachines': {
        const r = requests.ListStateMachines.parse(body);
        const all = [...this.workflows.entries()].map(([arn, w]) => ({ stateMachineArn: arn, name: w.name, type: 'STANDARD', creationDate: epochSeconds(this.createdAt) }));
        const { items, nextToken } = page(all, r.maxResults, r.nextToken);
        return { stateMachines: items, nextToken };
      }
      case 'DescribeStateMachine': {
        const r = requests.DescribeStateMachine.parse(body);
        const w = this.workflow(r.stateMachineArn);
        return {
          stateMachineArn: r.stateMachineArn,
          name: w.name,
          status: 'ACTIVE',
          definition: w.text,
          roleArn: this.engine.roleArn,
          type: 'STANDARD',
          creationDate: epochSeconds(this.createdAt),
        };
      }
      case 'StartExecution': {
        const r = requests.StartExecution.parse(body);
        const e = this.engine.start(this.workflow(r.stateMachineArn), r.name, r.input);
        return { executionArn: e.arn, startDate: epochSeconds(e.startDate) };
      }
      case 'DescribeExecution': {
        const e = this.execution(requests.DescribeExecution.parse(body).executionArn);
        return {
          ...executionSummary(e),
          input: e.input,
          inputDetails: { included: true },
          output: e.output,
          outputDetails: e.output === undefined ? undefined : { included: true },
          error: e.error,
          cause: e.cause,
        };
      }
      case 'ListExecutions': {
        const r = requests.ListExecutions.parse(body);
        this.workflow(r.stateMachineArn);
        const matching = [...this.engine.executions.values()]
          .filter((e) => e.stateMachineArn === r.stateMachineArn && (!r.statusFilter || e.status === (r.statusFilter as ExecutionStatus)))
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
        const { items, nextToken } = page(matching, r.maxResults, r.nextToken);
        return { executions: items.map(executionSummary), nextToken };
      }
      case 'StopExecution': {
        const r = requests.StopExecution.parse(body);
        const stopDate = await this.engine.stop(this.execution(r.executionArn), r.error, r.cause);
        return { stopDate: epochSeconds(stopDate) };
      }
      case 'GetExecutionHistory': {
        const r = requests.GetExecutionHistory.parse(body);
        const all = this.engine.historyOf(this.execution(r.executionArn));
        const ordered = r.reverseOrder ? [...all].reverse() : all;
        const { items, nextToken } = page(ordered, r.maxResults, r.nextToken);
        return { events: items, nextToken };
      }
      case 'SendTaskSuccess': {
        const r = requests.SendTaskSuccess.parse(body);
        this.engine.sendTaskSuccess(r.taskToken, r.output);
        return {};
      }
      case 'SendTaskFailure': {
        const r = requests.SendTaskFailure.parse(body);
        this.engine.sendTaskFailure(r.taskToken, r.error, r.cause);
        return {};
      }
      case 'SendTaskHeartbeat': {
        this.engine.sendTaskHeartbeat(requests.SendTaskHeartbeat.parse(body).taskToken);
        return {};
      }
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SfnApiError('ValidationException', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function toApiError(err: unknown): SfnApiError {
  if (err instanceof SfnApiError) return err;
  if (err instanceof z.ZodError) {
    return new SfnApiError('ValidationException', err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return new SfnApiError('InternalServerError', err instanceof Error ? err.message : String(err), 500);
}

/** Start the endpoint on 127.0.0.1; refuses to start if any workflow file is refused. */
export async function startLocalStepFunctions(o: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const region = o.region ?? 'us-east-1';
  const accountId = o.accountId ?? '000000000000';
  const workflows = loadWorkflowDefinitions(o.workflowsDir, o.substitutions);
  const engine = await LocalEngine.create({ region, accountId, invoke: o.invoke, faults: o.faults });
  const api = new Api(engine, workflows);

  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST') throw new SfnApiError('UnknownOperationException', 'Only POST / is supported');
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
        if (!(op in requests)) throw new SfnApiError('UnknownOperationException', `Unknown or unsupported operation: '${target}'`);
        const text = await readBody(req);
        let body: unknown;
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch {
          throw new SfnApiError('SerializationException', 'The request body is not valid JSON');
        }
        send(res, 200, await api.handle(op as Operation, body));
      } catch (err) {
        const apiError = toApiError(err);
        send(res, apiError.statusCode, { __type: apiError.code, message: apiError.message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn: (name: string) => engine.stateMachineArn(name),
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
