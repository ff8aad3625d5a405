import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { substitute } from '../../core/workflow-substitutions';
import { WorkflowDefinitionError } from './errors';

/**
 * Loading ASL files for the local engine. The files are the ones CDK deploys; here they get the
 * local substitutions, and everything aws-local-stepfunctions would run wrongly without saying so
 * (JSONata, variables) is refused up front with the file and the state named.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** How a Task state's Resource is run locally. */
export type TaskKind = 'function' | 'invoke' | 'callback' | 'unsupported';

export interface TaskSpec {
  stateName: string;
  resource: string;
  kind: TaskKind;
  timeoutSeconds?: number;
  /** TimeoutSecondsPath: its value rides in the task's input under TIMEOUT_FIELD (engineMachine puts it there) */
  timeoutSecondsPath?: string;
  heartbeatSeconds?: number;
  /** HeartbeatSecondsPath: its value rides in the task's input under HEARTBEAT_FIELD, as TimeoutSecondsPath's does */
  heartbeatSecondsPath?: string;
}

/**
 * Where a Task state's TimeoutSecondsPath value reaches the engine: a field added to its Parameters,
 * so the library evaluates the path on the state's effective input, as AWS does; the engine takes
 * it out of the input before the task sees it.
 */
export const TIMEOUT_FIELD = '__stratusTimeoutSeconds';
export const HEARTBEAT_FIELD = '__stratusHeartbeatSeconds';

export interface LoadedWorkflow {
  /** The state machine name: the file name without `.asl.json`. */
  name: string;
  file: string;
  /** The substituted ASL text, as DescribeStateMachine returns it. */
  text: string;
  definition: JsonObject;
  /** Every Task state, nested ones included (ASL state names are unique in a whole machine). */
  tasks: Map<string, TaskSpec>;
  /** Every state's Type by name, nested ones included, for the execution history. */
  stateTypes: Map<string, string>;
  /** The definition the engine runs: see engineDefinition(). */
  engineDefinition: JsonObject;
}

const LAMBDA_FUNCTION_ARN = /^arn:[\w-]+:lambda:[\w-]*:\d*:function:[\w-]+(:[\w$-]+)?$/;
const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke$/;
const LAMBDA_INVOKE_CALLBACK = /^arn:[\w-]+:states:::lambda:invoke\.waitForTaskToken$/;

/** The largest TimeoutSeconds a Node timer can hold (2^31-1 ms): the library's own timer never fires. */
const ENGINE_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Fields that exist only with JSONata or variables, which aws-local-stepfunctions ignores silently. */
const JSONATA_ONLY_FIELDS = ['Assign', 'Arguments', 'Output'];
/** Fields the local engine cannot honour; refusing them beats running them differently from AWS. */
const UNSUPPORTED_FIELDS = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'Credentials'];
/** Fields holding nested state machines: scanned as their own states, not as part of the parent. */
const NESTED_MACHINE_FIELDS = new Set(['Branches', 'ItemProcessor', 'Iterator']);

export function taskKindOf(resource: string): TaskKind {
  if (LAMBDA_FUNCTION_ARN.test(resource)) return 'function';
  if (LAMBDA_INVOKE.test(resource)) return 'invoke';
  if (LAMBDA_INVOKE_CALLBACK.test(resource)) return 'callback';
  return 'unsupported';
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The nested machines of a Parallel or Map state. */
function nestedMachines(state: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  if (Array.isArray(state.Branches)) out.push(...state.Branches.filter(isObject));
  if (isObject(state.ItemProcessor)) out.push(state.ItemProcessor);
  if (isObject(state.Iterator)) out.push(state.Iterator);
  return out;
}

/** Visit every state of a machine, descending into Parallel branches and Map processors. */
export function forEachState(machine: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  if (!isObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isObject(state)) continue;
    visit(name, state);
    for (const nested of nestedMachines(state)) forEachState(nested, visit);
  }
}

/** Strings in a state's own fields (not its nested machines), for the `{% %}` check. */
function* ownStrings(value: Json, topLevel = true): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* ownStrings(v, false);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (topLevel && NESTED_MACHINE_FIELDS.has(k)) continue;
      yield* ownStrings(v, false);
    }
  }
}

function refuseUnsupported(file: string, definition: JsonObject): void {
  if (definition.QueryLanguage === 'JSONata') {
    throw new WorkflowDefinitionError(file, 'QueryLanguage "JSONata" is not supported by the local engine; write the workflow in JSONPath');
  }
  forEachState(definition, (name, state) => {
    const where = `state "${name}"`;
    if (state.QueryLanguage === 'JSONata') {
      throw new WorkflowDefinitionError(file, `${where} uses QueryLanguage "JSONata", which the local engine does not support; use JSONPath`);
    }
    for (const field of JSONATA_ONLY_FIELDS) {
      if (field in state) {
        throw new WorkflowDefinitionError(file, `${where} uses "${field}" (JSONata or variables), which the local engine does not support; use JSONPath Parameters/ResultSelector/ResultPath`);
      }
    }
    for (const field of UNSUPPORTED_FIELDS) {
      if (field in state) throw new WorkflowDefinitionError(file, `${where} uses "${field}", which the local engine does not support`);
    }
    for (const field of ['TimeoutSecondsPath', 'HeartbeatSecondsPath'])
      if (field in state && (state.Type !== 'Task' || !isObject(state.Parameters))) throw new WorkflowDefinitionError(file, `${where} uses "${field}" without Parameters, which the local engine does not support`);
    for (const s of ownStrings(state)) {
      if (s.includes('{%') && s.includes('%}')) {
        throw new WorkflowDefinitionError(file, `${where} contains the JSONata expression ${JSON.stringify(s)}, which the local engine does not support`);
      }
    }
  });
}

/** Refuse what the engine cannot run, then validate with asl-validator 4 (JSONPath). */
export function checkDefinition(file: string, definition: unknown): asserts definition is JsonObject {
  if (!isObject(definition)) throw new WorkflowDefinitionError(file, 'the definition is not a JSON object');
  refuseUnsupported(file, definition);
  // asl-validator writes a default QueryLanguage into every state: give it a copy.
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (!result.isValid) throw new WorkflowDefinitionError(file, `invalid ASL: ${result.errorsText('; ')}`);
}

/** An intrinsic argument literal: ASL escapes ' { } and \ with a backslash. */
function intrinsicLiteral(text: string): string {
  return `'${text.replace(/[\\'{}]/g, (c) => `\\${c}`)}'`;
}

const STATE_NAME_PATH = '$$.State.Name';
const EXECUTION_INPUT = /\$\$\.Execution\.Input(?![\w])/g;

/** Rewrite one path or intrinsic string for the engine (see engineDefinition). */
function rewritePath(value: string, stateName: string): string {
  let out = value.replace(EXECUTION_INPUT, () => '$$.Execution.RootInput');
  if (out.startsWith('States.')) out = out.split(STATE_NAME_PATH).join(intrinsicLiteral(stateName));
  return out;
}

function isPathKey(key: string): boolean {
  return key.endsWith('.$') || key.endsWith('Path') || key === 'Variable';
}

/** Rewrite the paths in a state's own fields (payload templates, *Path fields, Choice rules). */
function rewriteOwnPaths(value: Json, stateName: string, topLevel: boolean): Json {
  if (Array.isArray(value)) return value.map((v) => rewriteOwnPaths(v, stateName, false));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (topLevel && NESTED_MACHINE_FIELDS.has(k)) out[k] = v;
    else if (typeof v === 'string' && k.endsWith('.$') && v === STATE_NAME_PATH) out[k.slice(0, -2)] = stateName;
    else if (typeof v === 'string' && isPathKey(k)) out[k] = rewritePath(v, stateName);
    else out[k] = rewriteOwnPaths(v, stateName, false);
  }
  return out;
}

function engineMachine(machine: JsonObject): JsonObject {
  const states: JsonObject = {};
  for (const [name, raw] of Object.entries(isObject(machine.States) ? machine.States : {})) {
    if (!isObject(raw)) continue;
    const state = rewriteOwnPaths(raw, name, true) as JsonObject;
    if (Array.isArray(state.Branches)) state.Branches = state.Branches.filter(isObject).map(engineMachine);
    if (isObject(state.ItemProcessor)) state.ItemProcessor = engineMachine(state.ItemProcessor);
    if (isObject(state.Iterator)) state.Iterator = engineMachine(state.Iterator);
    if (state.Type === 'Task') {
      // Our task handlers own TimeoutSeconds and HeartbeatSeconds; the library would otherwise
      // impose its own 60 s default on every Task.
      state.TimeoutSeconds = ENGINE_TASK_TIMEOUT_SECONDS;
      delete state.HeartbeatSeconds;
      if (typeof state.TimeoutSecondsPath === 'string' && isObject(state.Parameters)) {
        state.Parameters = { ...state.Parameters, [`${TIMEOUT_FIELD}.$`]: state.TimeoutSecondsPath };
        delete state.TimeoutSecondsPath;
      }
      if (typeof state.HeartbeatSecondsPath === 'string' && isObject(state.Parameters)) {
        state.Parameters = { ...state.Parameters, [`${HEARTBEAT_FIELD}.$`]: state.HeartbeatSecondsPath };
        delete state.HeartbeatSecondsPath;
      }
    }
    states[name] = state;
  }
  return { ...machine, States: states };
}

/**
 * The definition handed to aws-local-stepfunctions, which builds its context object only from
 * the `context` run option: `$$.State.Name` is not there, so it becomes the literal state name;
 * nested Map/Parallel runs overwrite `$$.Execution.Input` with their own input, so it is read
 * from `$$.Execution.RootInput`, which the engine sets once per execution.
 */
export function engineDefinition(definition: JsonObject): JsonObject {
  return engineMachine(definition);
}

/** Build the runnable form of one checked definition. */
export function prepareWorkflow(name: string, file: string, text: string, definition: JsonObject): LoadedWorkflow {
  const tasks = new Map<string, TaskSpec>();
  const stateTypes = new Map<string, string>();
  forEachState(definition, (stateName, state) => {
    stateTypes.set(stateName, String(state.Type));
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    tasks.set(stateName, {
      stateName,
      resource,
      kind: taskKindOf(resource),
      timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
      ...(typeof state.TimeoutSecondsPath === 'string' ? { timeoutSecondsPath: state.TimeoutSecondsPath } : {}),
      heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
      ...(typeof state.HeartbeatSecondsPath === 'string' ? { heartbeatSecondsPath: state.HeartbeatSecondsPath } : {}),
    });
  });
  return { name, file, text, definition, tasks, stateTypes, engineDefinition: engineDefinition(definition) };
}

/**
 * Load every `<name>.asl.json` in `dir`, substitute `${Placeholders}`, and refuse (with a
 * WorkflowDefinitionError naming the file and state) any definition the engine cannot run.
 */
export function loadWorkflowDefinitions(dir: string, substitutions: Record<string, string>): LoadedWorkflow[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.asl.json'))
    .sort();
  return files.map((f) => {
    const file = join(dir, f);
    let text: string;
    let definition: unknown;
    try {
      text = substitute(readFileSync(file, 'utf8'), substitutions);
      definition = JSON.parse(text);
    } catch (err) {
      throw new WorkflowDefinitionError(file, err instanceof Error ? err.message : String(err));
    }
    checkDefinition(file, definition);
    return prepareWorkflow(f.slice(0, -'.asl.json'.length), file, text, definition);
  });
}
