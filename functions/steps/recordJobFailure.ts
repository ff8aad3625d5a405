import { z } from 'zod';
import { codesForErrorName, USER_ERROR_MESSAGE } from '../../core/errors';
import { VM_STATES } from '../../core/vm-states';
import { defineStep } from './define-step';
import type { EventType } from '../../core/events';
import { recordVmEvent } from '../vm-events';
import { notifyParent } from '../notify-parent';

/** What a Catch put at `$.failure.<State>`: the error name and its cause (a Lambda's JSON, or text). */
const Caught = z.object({ Error: z.string(), Cause: z.string().optional() });
const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  vmState: z.enum(VM_STATES),
  failure: z.record(z.string(), Caught),
  state: z.string(),
  /** a parent workflow waiting on this job (a host's maintenance), told when the job ends */
  notify: z.object({ taskToken: z.string().optional() }).optional(),
});

/** The message inside a Lambda error's Cause (`{"errorType","errorMessage"}`), or the Cause itself. */
function messageOf(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message (SendTaskFailure, States.Timeout)
  }
  return cause;
}

export function describeFailure(failedStep: string, caught: z.infer<typeof Caught>) {
  const message = messageOf(caught.Cause);
  if (caught.Error === 'States.Timeout')
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
 * End a failed job: the VM in the named state the workflow chose (Error for a deploy), the job
 * failed with the first failing step and CloudStack's `{errorcode, errortext}`, in one transaction.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, vmState, failure, state, notify }, { store, now }) => {
    const [failedStep, caught] = Object.entries(failure)[0] ?? ['unknown', { Error: 'States.Runtime' }];
    const error = describeFailure(failedStep, caught);
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    const at = now();
    const settlement =
      vm && vm.activeJobId === jobId
        ? { vm, set: { state: vmState, lastUpdated: at.toISOString() }, remove: ['activeJobId' as const] }
        : undefined;
    const completed = await store.jobs.complete(
      jobId,
      {
        status: 2,
        result: error,
        failedStep,
        failureReason: `${caught.Error}: ${error.errortext}`,
        publicErrorText: publicText(error),
        step: state,
        created: job?.created,
        // A VM that falls back to Destroyed goes back in the expunge queue: the scheduled expunge retries it.
        also: !settlement || !vm
          ? []
          : vmState === 'Destroyed' && vm.destroyed
            ? [store.vms.queueForExpungeOperation(vm.id, vm.destroyed)]
            : vmState === 'Error' && (vm.hostId || vm.migration)
              ? [store.vms.errorHoldOperation(vm.id, vm.hostId ?? vm.migration!.hostId, at.toISOString())]
              : [],
      },
      settlement,
      store.vms,
      at,
    );
    if (completed && job?.eventType && vm)
      await recordVmEvent(
        store,
        { type: job.eventType as EventType, actor: { userId: job.userId }, ownerName: vm.accountId === job.accountId ? job.accountName : undefined, vm, ok: false, jobId: job.id, text: `Error while ${job.eventType} of VM ${vm.name} (${vm.id}) at ${failedStep}: ${publicText(error)}; VM is ${settlement ? vmState : vm.state}` },
        at,
      );
    await notifyParent(notify, { ok: false, error: error.errorcode === 533 ? 'InsufficientCapacityError' : 'JobFailed', cause: `${failedStep}: ${error.errortext}` });
    return { completed, error };
  },
  { recordsOwnStep: true },
);
