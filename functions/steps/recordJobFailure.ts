import { z } from 'zod';
import { VM_STATES } from '../../core/vm-states';
import { defineStep } from './define-step';
import { Caught, failedCompletion, publicText } from './failures';
import type { EventType } from '../../core/events';
import { recordVmEvent } from '../vm-events';
import { notifyParent } from '../notify-parent';
import { settleUnfinishedOperations } from '../vm-snapshots';

const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  vmState: z.enum(VM_STATES),
  failure: z.record(z.string(), Caught),
  state: z.string(),
  /** a parent workflow waiting on this job (a host's maintenance), told when the job ends */
  notify: z.object({ taskToken: z.string().optional() }).optional(),
});

/**
 * End a failed job: the VM in the named state the workflow chose (Error for a deploy), the job
 * failed with the first failing step and CloudStack's `{errorcode, errortext}`, in one transaction.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, vmState, failure, state, notify }, { store, now }) => {
    const { failedStep, error, fields } = failedCompletion(failure);
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    const at = now();
    // No VM snapshot or backup stays half-way once the VM's job has ended.
    const snapshots = vm && vm.activeJobId === jobId ? await settleUnfinishedOperations(store, vm) : undefined;
    const settlement =
      vm && vm.activeJobId === jobId
        ? { vm, set: { ...snapshots?.set, state: vmState, lastUpdated: at.toISOString() }, remove: ['activeJobId' as const, ...(snapshots?.remove ?? [])] }
        : undefined;
    const completed = await store.jobs.complete(
      jobId,
      {
        ...fields,
        step: state,
        created: job?.created,
        // A VM that falls back to Destroyed goes back in the expunge queue: the scheduled expunge retries it.
        also: [
          ...(snapshots?.operations ?? []),
          ...(!settlement || !vm
            ? []
            : vmState === 'Destroyed' && vm.destroyed
              ? [store.vms.queueForExpungeOperation(vm.id, vm.destroyed)]
              : vmState === 'Error' && (vm.hostId || vm.migration)
                ? [store.vms.errorHoldOperation(vm.id, vm.hostId ?? vm.migration!.hostId, at.toISOString())]
                : []),
        ],
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
