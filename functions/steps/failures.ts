import { z } from 'zod';
import { codesForErrorName, USER_ERROR_MESSAGE } from '../../core/errors';

/**
 * A step's failure as a Catch hands it on (at `$.failure.<State>`, or a drain iteration's `failure`):
 * the error name and its cause (a Lambda's JSON, or text); and how a job tells it.
 */
export const Caught = z.object({ Error: z.string(), Cause: z.string().optional() });
export type Caught = z.infer<typeof Caught>;

/** The first step whose failure the workflow recorded, with what it caught; undefined when none failed. */
export function firstFailure(failure: Record<string, Caught>): [string, Caught] | undefined {
  return Object.entries(failure)[0];
}

/** The message inside a Lambda error's Cause (`{"errorType","errorMessage"}`), or the Cause itself. */
export function messageOf(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message (SendTaskFailure, States.Timeout)
  }
  return cause;
}

/** CloudStack's `{errorcode, errortext}` for a step's failure: the code its error name maps to. */
export function describeFailure(failedStep: string, caught: Caught) {
  const message = messageOf(caught.Cause);
  if (caught.Error === 'States.Timeout' || caught.Error === 'States.HeartbeatTimeout')
    return { errorcode: 530, errortext: `${failedStep} timed out: the host's agent did not report in time${message ? ` (${message})` : ''}` };
  const { errorCode } = codesForErrorName(caught.Error);
  return { errorcode: errorCode, errortext: message ?? `${failedStep} failed with ${caught.Error}` };
}

/**
 * The failure as callers other than the root admin see it: no host names or free capacity (533 keeps
 * CloudStack's first sentence), and no internal error text.
 */
export function publicText(error: { errorcode: number; errortext: string }): string {
  if (error.errorcode === 533) return error.errortext.split(':')[0];
  if (error.errorcode === 530) return USER_ERROR_MESSAGE;
  return error.errortext;
}

/**
 * How a failure path completes its job, from the workflow's `$.failure`: the first step that failed,
 * its CloudStack error, and the job fields every failure recorder writes.
 */
export function failedCompletion(failure: Record<string, Caught>) {
  const [failedStep, caught] = firstFailure(failure) ?? ['unknown', { Error: 'States.Runtime' }];
  const error = describeFailure(failedStep, caught);
  return { failedStep, error, fields: { status: 2 as const, result: error, failedStep, failureReason: `${caught.Error}: ${error.errortext}`, publicErrorText: publicText(error) } };
}
