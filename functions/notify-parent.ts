import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './workflows-client';

/** SendTask* answers meaning nobody waits for the token any more (the parent ended): nothing to tell. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * A job started by another workflow (a host's maintenance migrates each VM as its own job) tells
 * that workflow how it ended, through the task token it was started with: success with `output`, or
 * failure with the job's error. Without a token, there is no one to tell.
 */
export async function notifyParent(notify: { taskToken?: string } | undefined, outcome: { ok: true; output: Record<string, unknown> } | { ok: false; error: string; cause: string }): Promise<void> {
  if (!notify?.taskToken) return;
  try {
    if (outcome.ok) await sfnClient().send(new SendTaskSuccessCommand({ taskToken: notify.taskToken, output: JSON.stringify(outcome.output) }));
    else await sfnClient().send(new SendTaskFailureCommand({ taskToken: notify.taskToken, error: outcome.error.slice(0, 256), cause: outcome.cause.slice(0, 32768) }));
  } catch (err) {
    if (!GONE.has((err as Error).name)) throw err;
  }
}
