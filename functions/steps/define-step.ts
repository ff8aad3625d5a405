import { z } from 'zod';
import { createStore, type Store } from '../store';
import { withoutLimits } from '../store/resource-counts';

/**
 * A workflow step: its input is checked with zod, it runs with the store, and on success the job
 * records the ASL state that ran (`state`, passed by every Task as `$$.State.Name`); the steps
 * that settle a job record it in their own transaction instead (`recordsOwnStep`). Steps are
 * short and idempotent; retries, timeouts and compensation live in the ASL. Errors keep their class
 * name, which the ASL's Catch matches and recordJobFailure maps to CloudStack's codes.
 */
export interface StepContext {
  store: Store;
  now: () => Date;
}

const StepEnvelope = z.object({ jobId: z.string().optional(), state: z.string().optional() });

export function defineStep<S extends z.ZodType, R>(
  input: S,
  run: (input: z.infer<S>, ctx: StepContext) => Promise<R>,
  { recordsOwnStep = false }: { recordsOwnStep?: boolean } = {},
): (event: unknown) => Promise<R> {
  return async (event: unknown) => {
    const parsed = input.parse(event);
    const { jobId, state } = StepEnvelope.parse(event);
    const store = createStore();
    // A step settles what its operation's start took (limits were met then): never held to them again.
    const result = await withoutLimits(() => run(parsed, { store, now: () => new Date() }));
    if (jobId && state && !recordsOwnStep) await store.jobs.recordStep(jobId, state);
    return result;
  };
}
