import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeholdersIn, stepNameFor } from '../../../core/workflow-substitutions';
import { stepHandlers } from '../../../functions/steps';
import { loadWorkflowDefinitions } from '../../../local/stepfunctions/server';

type State = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = join(__dirname, '../../../workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.asl.json'));
const allText = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
const fakeArns = (text: string) => Object.fromEntries(placeholdersIn(text).map((p) => [p, `arn:aws:lambda:us-east-1:000000000000:function:${p}`]));

/** Inverse and settling steps: they end a failure path, so they retry instead of catching. */
// Steps that settle a job themselves; if they fail past their retries the reconciler settles it.
const SETTLING = new Set(['releaseCapacity', 'recordJobFailure', 'finishMaintenance', 'keepVolume', 'keepBackup', 'failRepositorySync', 'finishStorageMaintenance', 'failImageDownload']);
/** The steps that end a job as failed: recordJobFailure for a VM's job, keepVolume for a detached volume's, keepBackup for a nas backup's deletion, failRepositorySync for a repository's sync, failImageDownload for an image's. */
const FAILURE_RECORDERS = new Set(['recordJobFailure', 'keepVolume', 'keepBackup', 'failRepositorySync', 'failImageDownload']);

describe.each(files)('workflow %s', (file) => {
  const text = readFileSync(join(dir, file), 'utf8');
  const definition = JSON.parse(text) as { States: Record<string, State>; QueryLanguage?: string };
  const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
  const stepOf = (s: State) => stepNameFor(((s.Resource as string).startsWith('${') ? s.Resource : s.Parameters?.FunctionName).replace(/[${}]/g, ''))!;

  it('loads in the local engine: valid ASL, JSONPath only, no Assign', () => {
    expect(definition.QueryLanguage).toBeUndefined();
    expect(text).not.toMatch(/"Assign"\s*:|"QueryLanguage"\s*:\s*"JSONata"|\{%/);
    expect(() => loadWorkflowDefinitions(dir, fakeArns(allText))).not.toThrow(); // every file loads together, as the runtime loads them
  });

  it('names only step handlers that exist', () => {
    for (const placeholder of placeholdersIn(text)) expect(stepHandlers).toHaveProperty(stepNameFor(placeholder)!);
  });

  it.each(tasks.map(([name, s]) => [name, s]))('Task %s tells its step the job and its own state name', (_, state) => {
    const params = (state.Parameters?.Payload ?? state.Parameters) as State;
    expect(params['jobId.$']).toBe('$.jobId');
    expect(params['state.$']).toBe('$$.State.Name');
  });

  const catchAllOf = (state: State) => (state.Catch as State[] | undefined)?.find((c) => c.ErrorEquals.includes('States.ALL'));
  it.each(tasks.filter(([, s]) => !SETTLING.has(stepOf(s))).map(([name, s]) => [name, s]))('forward Task %s catches every error into a failure path', (name, state) => {
    const catchAll = catchAllOf(state);
    expect(catchAll).toBeDefined();
    // Directly, or through a fallback (a graceful stop falls back to a forced one) whose own errors do,
    // or through a retry loop (Count<Name>Attempt) whose last error becomes $.failure.<Name>.
    const fallback = definition.States[catchAll!.Next] as State;
    const viaFallback = !/^\$\.failure\./.test(catchAll!.ResultPath) && fallback.Type === 'Task' && /^\$\.failure\./.test(catchAllOf(fallback)?.ResultPath ?? '');
    const exhausted = definition.States[`${name}Exhausted`] as State | undefined;
    const viaRetryLoop = catchAll!.Next === `Count${name}Attempt` && exhausted?.Type === 'Pass' && exhausted.ResultPath === `$.failure.${name}`;
    if (!viaFallback && !viaRetryLoop) expect(catchAll!.ResultPath).toMatch(/^\$\.failure\./);
  });

  it('bounds every agent wait with TimeoutSeconds (or a TimeoutSecondsPath into its input), and tells the task the same limit', () => {
    for (const [, s] of tasks.filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'))) {
      if (s.TimeoutSecondsPath !== undefined) {
        expect(s.TimeoutSeconds).toBeUndefined();
        expect(s.Parameters.Payload['timeoutSeconds.$']).toBe(s.TimeoutSecondsPath);
        continue;
      }
      expect(s.TimeoutSeconds).toBeGreaterThan(0);
      expect(s.Parameters.Payload.timeoutSeconds).toBe(s.TimeoutSeconds);
    }
  });

  it('ends every failure path by recording the job failure', () => {
    const failing = Object.values(definition.States).filter((s) => s.Type === 'Fail');
    for (const f of failing) {
      const into = Object.entries(definition.States).filter(([, s]) => s.Next && definition.States[s.Next] === f);
      expect(into.length).toBeGreaterThan(0);
      for (const [, s] of into) expect(FAILURE_RECORDERS).toContain(stepOf(s));
    }
  });
});

describe('functions/steps/index.ts', () => {
  it('lists every step file once', () => {
    const stepDir = join(__dirname, '../../../functions/steps');
    const stepFiles = readdirSync(stepDir)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && /export const handler\b/.test(readFileSync(join(stepDir, f), 'utf8')))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(stepHandlers).sort()).toEqual(stepFiles);
  });
});
