import type { Json, LoadedWorkflow, TaskSpec } from './definitions';

/**
 * Turns aws-local-stepfunctions' event log into Step Functions `HistoryEvent`s (the wire shape of
 * GetExecutionHistory). One `<Type>StateEntered` per state entered, as on AWS, so counting them
 * counts state transitions. Task states get TaskScheduled/TaskStarted/TaskSucceeded|Failed|TimedOut
 * (LambdaFunction* for a plain function ARN, as AWS does); a retry schedules the task again.
 */

/** The subset of the library's EventLog that the recorder reads (its types are not exported). */
export interface EngineEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** What a task handler saw: the effective parameters and, once done, the raw task result. */
export interface TaskAttempt {
  at: number;
  parameters: Json;
  result?: Json;
}

const json = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null));
const cause = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : json(v));

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  /** Task attempts by state name, oldest first, filled by the task handlers. */
  private readonly attempts = new Map<string, TaskAttempt[]>();
  /** The attempt each running Task state (by name and Map index) is on, and whether it failed. */
  private readonly current = new Map<string, { attempt?: TaskAttempt; failed: boolean }>();

  constructor(
    private readonly workflow: LoadedWorkflow,
    private readonly region: string,
  ) {}

  /** Called by a task handler when the engine hands it the effective input. */
  taskStarted(stateName: string, parameters: Json): TaskAttempt {
    const attempt: TaskAttempt = { at: Date.now(), parameters };
    const queue = this.attempts.get(stateName) ?? [];
    queue.push(attempt);
    this.attempts.set(stateName, queue);
    return attempt;
  }

  add(type: string, timestampMs: number, details?: Record<string, unknown>): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: timestampMs / 1000, type, ...details });
  }

  record(e: EngineEvent): void {
    const state = e.state;
    switch (e.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        return; // the engine records these itself, with the API's error/cause and input strings
      case 'StateEntered':
        if (state) this.stateEntered(e, state.name, state.type);
        return;
      case 'StateExited':
        if (state) this.stateExited(e, state.name, state.type);
        return;
      case 'StateFailed':
        if (state) this.stateFailed(e, state.name, state.type);
        return;
      case 'StateRetried':
        if (state?.type === 'Task') this.schedule(e, state.name);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `mapIteration${e.type.slice('MapIteration'.length)}EventDetails`;
        this.add(e.type, e.timestamp, { [key]: { name: e.parentState?.name, index: e.index } });
        return;
      }
      default:
        return; // StateCaught and ParallelBranch* have no HistoryEvent counterpart
    }
  }

  private key(e: EngineEvent, name: string): string {
    return `${name}#${e.index ?? ''}`;
  }

  private spec(name: string): TaskSpec | undefined {
    return this.workflow.tasks.get(name);
  }

  private stateEntered(e: EngineEvent, name: string, type: string): void {
    this.add(`${type}StateEntered`, e.timestamp, { stateEnteredEventDetails: { name, input: json(e.state?.input), inputDetails: { truncated: false } } });
    if (type === 'Task') this.schedule(e, name);
    if (type === 'Map') this.add('MapStateStarted', e.timestamp, { mapStateStartedEventDetails: {} });
    if (type === 'Parallel') this.add('ParallelStateStarted', e.timestamp);
  }

  private schedule(e: EngineEvent, name: string): void {
    const spec = this.spec(name);
    const attempt = this.attempts.get(name)?.shift();
    this.current.set(this.key(e, name), { attempt, failed: false });
    const at = attempt?.at ?? e.timestamp;
    const parameters = json(attempt?.parameters ?? e.state?.input);
    if (spec?.kind === 'function') {
      this.add('LambdaFunctionScheduled', at, {
        lambdaFunctionScheduledEventDetails: { resource: spec.resource, input: parameters, inputDetails: { truncated: false }, timeoutInSeconds: spec.timeoutSeconds },
      });
      this.add('LambdaFunctionStarted', at);
      return;
    }
    const { resourceType, resource } = this.resourceOf(spec);
    this.add('TaskScheduled', at, {
      taskScheduledEventDetails: {
        resourceType,
        resource,
        region: this.region,
        parameters,
        timeoutInSeconds: spec?.timeoutSeconds,
        heartbeatInSeconds: spec?.heartbeatSeconds,
      },
    });
    this.add('TaskStarted', at, { taskStartedEventDetails: { resourceType, resource } });
  }

  private resourceOf(spec: TaskSpec | undefined): { resourceType: string; resource: string } {
    if (!spec) return { resourceType: 'unknown', resource: 'unknown' };
    const m = /^arn:[\w-]+:states:::([\w-]+):(.+)$/.exec(spec.resource);
    return m ? { resourceType: m[1], resource: m[2] } : { resourceType: 'unknown', resource: spec.resource };
  }

  private stateExited(e: EngineEvent, name: string, type: string): void {
    if (type === 'Task') {
      const cur = this.current.get(this.key(e, name));
      this.current.delete(this.key(e, name));
      if (!cur?.failed) {
        const output = json(cur?.attempt && 'result' in cur.attempt ? cur.attempt.result : e.state?.output);
        const spec = this.spec(name);
        if (spec?.kind === 'function') {
          this.add('LambdaFunctionSucceeded', e.timestamp, { lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
        } else {
          this.add('TaskSucceeded', e.timestamp, { taskSucceededEventDetails: { ...this.resourceOf(spec), output, outputDetails: { truncated: false } } });
        }
      }
    }
    if (type === 'Map') this.add('MapStateSucceeded', e.timestamp);
    if (type === 'Parallel') this.add('ParallelStateSucceeded', e.timestamp);
    this.add(`${type}StateExited`, e.timestamp, { stateExitedEventDetails: { name, output: json(e.state?.output), outputDetails: { truncated: false } } });
  }

  private stateFailed(e: EngineEvent, name: string, type: string): void {
    const error = e.Error;
    const details = { error, cause: cause(e.Cause) };
    if (type === 'Map') this.add('MapStateFailed', e.timestamp);
    if (type === 'Parallel') this.add('ParallelStateFailed', e.timestamp);
    if (type !== 'Task') return;
    const cur = this.current.get(this.key(e, name));
    if (cur) cur.failed = true;
    const spec = this.spec(name);
    const timedOut = error === 'States.Timeout';
    if (spec?.kind === 'function') {
      if (timedOut) this.add('LambdaFunctionTimedOut', e.timestamp, { lambdaFunctionTimedOutEventDetails: details });
      else this.add('LambdaFunctionFailed', e.timestamp, { lambdaFunctionFailedEventDetails: details });
      return;
    }
    const resource = this.resourceOf(spec);
    if (timedOut) this.add('TaskTimedOut', e.timestamp, { taskTimedOutEventDetails: { ...resource, ...details } });
    else this.add('TaskFailed', e.timestamp, { taskFailedEventDetails: { ...resource, ...details } });
  }
}
