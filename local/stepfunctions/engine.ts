import { randomBytes, randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { forEachState, HEARTBEAT_FIELD, TIMEOUT_FIELD, type Json, type LoadedWorkflow, type TaskSpec } from './definitions';
import { SfnApiError } from './errors';
import { HistoryRecorder, type EngineEvent, type HistoryEvent } from './history';

/**
 * Executions of the loaded workflows on aws-local-stepfunctions, with what the library lacks:
 * task tokens (waitForTaskToken + SendTask*), HeartbeatSeconds, Lambda-style errors, the context
 * object, and a Step Functions execution history. Executions live in memory only.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface EngineOptions {
  region: string;
  accountId: string;
  invoke(functionArn: string, payload: unknown): Promise<unknown>;
  /** Test-only fault injection (see TaskFaults); absent in `npm start`. */
  faults?: TaskFaults;
}

/**
 * For tests of the workflows' failure paths: `taskFault` answers, before a Task state calls its
 * function, the error that call fails with (as if the step's Lambda threw it), or undefined to let
 * it run; `retryIntervalMs` replaces every Retry's wait, so a fault that outlasts the retries
 * reaches the Catch in milliseconds rather than the definitions' seconds.
 */
export interface TaskFaults {
  taskFault?(workflow: string, state: string): Error | undefined;
  retryIntervalMs?: number;
}

export interface Execution {
  arn: string;
  name: string;
  workflow: LoadedWorkflow;
  stateMachineArn: string;
  /** The input as the caller sent it, and normalised for the idempotency comparison. */
  input: string;
  normalizedInput: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryRecorder;
  /** Aborts this execution's waiting tasks when it ends, however it ends. */
  tasksController: AbortController;
  abortRun: () => void;
  /** Resolves once the execution has ended and its history is complete. */
  settled: Promise<void>;
}

/** A Task state waiting for its handler or for SendTaskSuccess/Failure. */
interface PendingTask {
  execution: Execution;
  spec: TaskSpec;
  resolve(value: Json): void;
  reject(err: Error): void;
  heartbeat(): void;
}

const TOKEN_FORMAT = /^tt1\.[A-Za-z0-9_-]{64}$/;
const newTaskToken = (): string => `tt1.${randomBytes(48).toString('base64url')}`;

/**
 * Nested Map/Parallel runs forward their events to the root log asynchronously, and the root log
 * drops whatever arrives after the execution ends, so the last iterations' events could be lost
 * (observed: every MapIterationSucceeded of a Map that ends the machine). Making a nested run's
 * result wait until its events have been forwarded keeps the history complete and in order.
 */
let nestedRunsPatched = false;
function patchNestedRuns(): void {
  if (nestedRunsPatched) return;
  nestedRunsPatched = true;
  const run = StateMachine.prototype.run;
  StateMachine.prototype.run = function patchedRun(this: StateMachine, input, options) {
    const execution = run.call(this, input, options);
    if (!(options as { _rootAbortSignal?: AbortSignal } | undefined)?._rootAbortSignal) return execution;
    const forwarded = Promise.withResolvers<void>();
    async function* forward() {
      try {
        for await (const event of execution.eventLogs) yield event;
      } finally {
        forwarded.resolve();
      }
    }
    const result = execution.result.then(
      async (value) => {
        await forwarded.promise;
        return value;
      },
      async (err: unknown) => {
        await forwarded.promise;
        throw err;
      },
    );
    return { abort: execution.abort, eventLogs: forward(), result };
  };
}

/**
 * The library decides "States.TaskFailed does not match a timeout" with `instanceof` its own
 * (unexported) StatesTimeoutError, so our heartbeat and task timeouts must be instances of it: a
 * Task with a 1 ms timeout whose handler never settles hands us one.
 */
async function captureStatesTimeoutError(): Promise<new () => Error> {
  const machine = new StateMachine(
    { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:t', TimeoutSeconds: 0.001, End: true } } },
    { validationOptions: { noValidate: true } },
  );
  const run = machine.run(null, { overrides: { taskResourceLocalHandlers: { T: () => new Promise<never>(() => {}) } } });
  try {
    await run.result;
  } catch (err) {
    const cause = err instanceof ExecutionError ? err.cause : undefined;
    if (cause instanceof Error && cause.name === 'States.Timeout') return cause.constructor as new () => Error;
  }
  return class StatesTimeoutError extends Error {
    constructor() {
      super('States.Timeout');
      this.name = 'States.Timeout';
    }
  };
}

/** A failure a Catch sees as {Error: name, Cause: cause}. */
function taskError(name: string, causeText: string): Error {
  const err = new Error(causeText);
  err.name = name;
  return err;
}

/** A Lambda function error, shaped as AWS Lambda reports it to Step Functions. */
function lambdaError(thrown: unknown): Error {
  const errorType = thrown instanceof Error ? thrown.name : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  return taskError(errorType, JSON.stringify({ errorType, errorMessage }));
}

/** States.Runtime: neither retried nor caught, as on AWS (the library reads these two flags). */
function statesRuntime(message: string): Error {
  return Object.assign(taskError('States.Runtime', message), { isRetryable: false, isCatchable: false });
}

/** A Lambda result crosses a JSON boundary on AWS: Dates become strings, undefined becomes null. */
function asJson(value: unknown): Json {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);
}

function replaceInStrings(value: Json, from: string, to: string): Json {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((v) => replaceInStrings(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceInStrings(v, from, to)]));
  }
  return value;
}

function invokeParameters(spec: TaskSpec, input: Json): { functionName: string; payload: Json } {
  const params = input && typeof input === 'object' && !Array.isArray(input) ? input : {};
  if (typeof params.FunctionName !== 'string' || params.FunctionName === '') {
    throw statesRuntime(`Task state "${spec.stateName}": ${spec.resource} needs Parameters.FunctionName`);
  }
  return { functionName: params.FunctionName, payload: params.Payload ?? {} };
}

export class LocalEngine {
  readonly executions = new Map<string, Execution>();
  private readonly pending = new Map<string, PendingTask>();
  /** Tokens whose task has ended: SendTask* on them answers TaskTimedOut, as AWS does. */
  private readonly endedTokens = new Set<string>();
  /** `$$.Task.Token` resolves to this; each task swaps it for its own fresh token. */
  private readonly tokenSentinel = `stratus-task-token-${randomUUID()}`;

  private constructor(
    private readonly options: EngineOptions,
    private readonly StatesTimeoutError: new () => Error,
  ) {}

  static async create(options: EngineOptions): Promise<LocalEngine> {
    patchNestedRuns();
    return new LocalEngine(options, await captureStatesTimeoutError());
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  executionArn(stateMachineName: string, name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${stateMachineName}:${name}`;
  }

  get roleArn(): string {
    return `arn:aws:iam::${this.options.accountId}:role/stratus-local-stepfunctions`;
  }

  /** Start an execution, or return the running one with the same name and input (AWS's idempotency). */
  start(workflow: LoadedWorkflow, name: string | undefined, input: string | undefined): Execution {
    const inputText = input ?? '{}';
    let parsed: Json;
    try {
      parsed = JSON.parse(inputText) as Json;
    } catch {
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
    }
    const executionName = name ?? randomUUID();
    const arn = this.executionArn(workflow.name, executionName);
    const normalizedInput = JSON.stringify(parsed);
    const existing = this.executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.normalizedInput === normalizedInput) return existing;
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution: Execution = {
      arn,
      name: executionName,
      workflow,
      stateMachineArn: this.stateMachineArn(workflow.name),
      input: inputText,
      normalizedInput,
      status: 'RUNNING',
      startDate: new Date(),
      history: new HistoryRecorder(workflow, this.options.region),
      tasksController: new AbortController(),
      abortRun: () => {},
      settled: Promise.resolve(),
    };
    this.executions.set(arn, execution);
    execution.history.add('ExecutionStarted', execution.startDate.getTime(), {
      executionStartedEventDetails: { input: inputText, inputDetails: { truncated: false }, roleArn: this.roleArn },
    });
    execution.settled = this.run(execution, parsed);
    return execution;
  }

  private async run(execution: Execution, input: Json): Promise<void> {
    const { workflow } = execution;
    const handlers = Object.fromEntries(
      [...workflow.tasks.values()].map((spec) => [spec.stateName, (taskInput: Json) => this.runTask(execution, spec, taskInput)]),
    );
    const retryIntervalMs = this.options.faults?.retryIntervalMs;
    const retryIntervalOverrides: Record<string, number> = {};
    if (retryIntervalMs !== undefined) forEachState(workflow.engineDefinition, (name, state) => void (state.Retry ? (retryIntervalOverrides[name] = retryIntervalMs) : undefined));
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers: handlers as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'], retryIntervalOverrides },
      context: {
        Execution: { Id: execution.arn, Name: execution.name, RoleArn: this.roleArn, RootInput: input },
        StateMachine: { Id: execution.stateMachineArn, Name: workflow.name },
        Task: { Token: this.tokenSentinel },
      },
    };
    let outcome: { ok: true; value: unknown } | { ok: false; err: unknown };
    try {
      const machine = new StateMachine(workflow.engineDefinition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
      const run = machine.run(input as Parameters<StateMachine['run']>[0], runOptions);
      execution.abortRun = run.abort;
      const drained = (async () => {
        for await (const event of run.eventLogs) execution.history.record(event as unknown as EngineEvent);
      })();
      outcome = await run.result.then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      await drained;
    } catch (err) {
      outcome = { ok: false, err };
    }
    // Whatever still waits (an aborted Map iteration's task, say) ends with the execution.
    execution.tasksController.abort();
    if (execution.status !== 'RUNNING') return; // stopped: StopExecution recorded the end
    const now = new Date();
    execution.stopDate = now;
    if (outcome.ok) {
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(outcome.value ?? null);
      execution.history.add('ExecutionSucceeded', now.getTime(), { executionSucceededEventDetails: { output: execution.output, outputDetails: { truncated: false } } });
    } else if (outcome.err instanceof ExecutionTimeoutError) {
      execution.status = 'TIMED_OUT';
      execution.error = 'States.Timeout';
      execution.history.add('ExecutionTimedOut', now.getTime(), { executionTimedOutEventDetails: { error: execution.error } });
    } else {
      const failure = outcome.err instanceof ExecutionError && outcome.err.cause instanceof Error ? outcome.err.cause : outcome.err;
      execution.status = 'FAILED';
      if (failure instanceof Error) {
        execution.error = failure.name;
        execution.cause = failure.cause === undefined ? failure.message : String(failure.cause);
      } else {
        execution.error = 'States.Runtime';
        execution.cause = String(failure);
      }
      execution.history.add('ExecutionFailed', now.getTime(), { executionFailedEventDetails: { error: execution.error, cause: execution.cause } });
    }
  }

  /** Stop a running execution (ABORTED); stopping an ended one changes nothing. */
  async stop(execution: Execution, error?: string, cause?: string): Promise<Date> {
    if (execution.status === 'RUNNING') {
      const now = new Date();
      execution.status = 'ABORTED';
      execution.stopDate = now;
      execution.error = error;
      execution.cause = cause;
      execution.abortRun();
      execution.tasksController.abort();
      await execution.settled.catch(() => {});
      execution.history.add('ExecutionAborted', now.getTime(), { executionAbortedEventDetails: { error, cause } });
    }
    return execution.stopDate ?? new Date();
  }

  private runTask(execution: Execution, spec: TaskSpec, rawInput: Json): Promise<Json> {
    const token = newTaskToken();
    const { input, timeoutSeconds, heartbeatSeconds } = withoutTimeoutField(replaceInStrings(rawInput, this.tokenSentinel, token), spec);
    const attempt = execution.history.taskStarted(spec.stateName, input);
    const { promise, resolve, reject } = Promise.withResolvers<Json>();
    const signal = execution.tasksController.signal;
    if (signal.aborted) {
      reject(taskError('States.Runtime', 'The execution has ended'));
      return promise;
    }
    const timers: NodeJS.Timeout[] = [];
    const timeOut = () => reject(new this.StatesTimeoutError());
    if (timeoutSeconds === null) {
      reject(taskError('States.Runtime', `Task state "${spec.stateName}": TimeoutSecondsPath ${spec.timeoutSecondsPath} is not an integer of at least 1`));
      return promise;
    }
    if (heartbeatSeconds === null) {
      reject(taskError('States.Runtime', `Task state "${spec.stateName}": HeartbeatSecondsPath ${spec.heartbeatSecondsPath} is not an integer of at least 1`));
      return promise;
    }
    if (timeoutSeconds) timers.push(setTimeout(timeOut, timeoutSeconds * 1000));
    let heartbeatTimer: NodeJS.Timeout | undefined;
    const heartbeat = () => {
      if (!heartbeatSeconds) return;
      clearTimeout(heartbeatTimer);
      heartbeatTimer = setTimeout(timeOut, heartbeatSeconds * 1000);
    };
    heartbeat();
    const onAbort = () => reject(taskError('States.Runtime', 'The execution has ended'));
    signal.addEventListener('abort', onAbort, { once: true });

    const invoke = (arn: string, payload: Json) => this.options.invoke(arn, structuredClone(payload));
    try {
      const fault = this.options.faults?.taskFault?.(execution.workflow.name, spec.stateName);
      if (fault) throw lambdaError(fault);
      switch (spec.kind) {
        case 'function':
          invoke(spec.resource, input).then((v) => resolve(asJson(v)), (e: unknown) => reject(lambdaError(e)));
          break;
        case 'invoke': {
          const { functionName, payload } = invokeParameters(spec, input);
          invoke(functionName, payload).then((v) => resolve({ Payload: asJson(v), StatusCode: 200 }), (e: unknown) => reject(lambdaError(e)));
          break;
        }
        case 'callback': {
          const { functionName, payload } = invokeParameters(spec, input);
          // Registered before the call: the callee may answer the token before it returns.
          this.pending.set(token, { execution, spec, resolve, reject, heartbeat });
          invoke(functionName, payload).catch((e: unknown) => reject(lambdaError(e)));
          break;
        }
        default:
          throw statesRuntime(
            `Task state "${spec.stateName}": resource ${spec.resource} is not supported by the local engine (use a Lambda function ARN, arn:aws:states:::lambda:invoke or arn:aws:states:::lambda:invoke.waitForTaskToken)`,
          );
      }
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }

    return promise
      .then((value) => {
        attempt.result = value;
        return value;
      })
      .finally(() => {
        for (const t of timers) clearTimeout(t);
        clearTimeout(heartbeatTimer);
        signal.removeEventListener('abort', onAbort);
        if (this.pending.delete(token)) this.endedTokens.add(token);
      });
  }

  private pendingTask(token: string): PendingTask {
    if (!TOKEN_FORMAT.test(token)) throw new SfnApiError('InvalidToken', 'Invalid Token: the task token is malformed');
    const task = this.pending.get(token);
    if (task) return task;
    if (this.endedTokens.has(token)) throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist: no task is waiting for this token');
  }

  sendTaskSuccess(token: string, output: string): void {
    const task = this.pendingTask(token);
    let value: Json;
    try {
      value = JSON.parse(output) as Json;
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    task.resolve(value);
  }

  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    this.pendingTask(token).reject(taskError(error ?? '', cause ?? ''));
  }

  sendTaskHeartbeat(token: string): void {
    this.pendingTask(token).heartbeat();
  }

  /** End every running execution (as StopExecution would) and wait for them to settle. */
  async close(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => this.stop(e, 'States.Aborted', 'The local Step Functions endpoint closed')));
  }

  historyOf(execution: Execution): HistoryEvent[] {
    return execution.history.events;
  }
}

/** The task's input without the TimeoutSecondsPath and HeartbeatSecondsPath values engineMachine put in it, and its bounds (null: not a valid one). */
function withoutTimeoutField(input: Json, spec: TaskSpec): { input: Json; timeoutSeconds: number | null | undefined; heartbeatSeconds: number | null | undefined } {
  if (!spec.timeoutSecondsPath && !spec.heartbeatSecondsPath) return { input, timeoutSeconds: spec.timeoutSeconds, heartbeatSeconds: spec.heartbeatSeconds };
  if (!input || typeof input !== 'object' || Array.isArray(input)) return { input, timeoutSeconds: null, heartbeatSeconds: null };
  const { [TIMEOUT_FIELD]: timeout, [HEARTBEAT_FIELD]: heartbeat, ...rest } = input as Record<string, Json>;
  const bound = (value: Json | undefined) => (typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : null);
  return { input: rest, timeoutSeconds: spec.timeoutSecondsPath ? bound(timeout) : spec.timeoutSeconds, heartbeatSeconds: spec.heartbeatSecondsPath ? bound(heartbeat) : spec.heartbeatSeconds };
}
