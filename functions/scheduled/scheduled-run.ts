import { z } from 'zod';

/**
 * What a scheduled function's invocation may ask. EventBridge Scheduler's tick says nothing (each
 * function then runs when its interval setting says it is due); an operator (`aws lambda invoke`)
 * or the local stack may ask for a run now.
 */
export const ScheduledRun = z.object({
  /** Run now, whatever the interval setting says. */
  force: z.boolean().optional(),
  /** reconcile: leave jobs younger than this alone (their execution may be starting). */
  graceMs: z.number().int().nonnegative().optional(),
  /** haMonitor: keep running every ha.monitor.interval for this long (a tick is a minute; 0: once). */
  withinMs: z.number().int().nonnegative().optional(),
});
export type ScheduledRun = z.infer<typeof ScheduledRun>;

/** A tick's payload may be anything or nothing: only an object is read, and unknown keys are dropped. */
export const scheduledRun = (event: unknown): ScheduledRun => ScheduledRun.parse(event !== null && typeof event === 'object' ? event : {});
