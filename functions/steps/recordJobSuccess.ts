import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { transition } from '../../core/vm-states';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { defineStep } from './define-step';
import type { EventType } from '../../core/events';
import { recordVmEvent } from '../vm-events';
import { notifyParent } from '../notify-parent';
import type { Store } from '../store';
import { volumesOf } from '../store/storage';
import type { Vm } from '../../core/entities';

/**
 * `result`: what the job answers. `vm` (default) the VM object; `success` CloudStack's SuccessResponse
 * (expungeVirtualMachine); `vm-expunging` the VM as CloudStack shows one a destroy expunged at once.
 */
/** `notify`: a parent workflow waiting on this job (a host's maintenance), told when the job ends. */
const Notify = z.object({ taskToken: z.string().optional() }).optional();
const Input = z.object({ jobId: z.string(), vmId: z.string(), state: z.string(), keepState: z.boolean().optional(), result: z.enum(['vm', 'success', 'vm-expunging']).optional(), notify: Notify });

/**
 * Settle the VM in the state its operation leads to (Starting -> Running, Stopping -> Stopped,
 * Expunging -> Expunged, its guest addresses given back; `keepState` for a reboot or a destroy, which
 * are already where they end) and complete the job with the VM object, in one transaction; then the
 * job's event.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, state, keepState, result: answer = 'vm', notify }, { store, now }) => {
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    if (vm.activeJobId !== jobId) {
      // Settled by an earlier attempt, which may have failed to tell the parent: tell it again (once is enough for it).
      if (job.status === 1) await notifyParent(notify, { ok: true, output: { vmId, hostId: vm.hostId ?? null } });
      return { completed: false };
    }
    const at = now();
    const to = keepState ? vm.state : transition(vm.state, 'OperationSucceeded');
    const settled = { ...vm, state: to, lastUpdated: at.toISOString(), activeJobId: undefined, version: vm.version + 1 };
    // A destroyed VM's snapshots go with it (CloudStack deletes them at destroy; a recovered VM has none).
    const snapshotsGo = (to === 'Destroyed' || to === 'Expunged') && !!vm.vmSnapshotIds?.length;
    const shown = answer === 'vm-expunging' ? { ...settled, state: 'Expunging' as const } : settled;
    const result = answer === 'success' ? { success: true } : { virtualmachine: await toVirtualMachineResponse(shown, createLookups(store), 'full') };
    const completed = await store.jobs.complete(
      jobId,
      {
        status: 1,
        result,
        step: state,
        created: job.created,
        also: [...(to === 'Expunged' ? await expungedOperations(store, vm) : vm.state === 'Starting' && to === 'Running' ? await startedOperations(store, vm) : []), ...(snapshotsGo ? store.vmSnapshots.deleteOperations(await store.vmSnapshots.getMany(vm.vmSnapshotIds!, true)) : [])],
      },
      // A VM that just booted keeps the size it booted with: live scaling is bounded by it.
      {
        vm,
        set: { state: to, lastUpdated: settled.lastUpdated, ...(vm.state === 'Starting' && to === 'Running' ? { bootCpuNumber: vm.cpuNumber, bootMemory: vm.memory } : {}) },
        // An expunged VM has left its backup offering (expungedOperations): its item no longer names it.
        remove: [...(snapshotsGo ? (['activeJobId', 'vmSnapshotIds', 'currentVmSnapshotId'] as const) : (['activeJobId'] as const)), ...(to === 'Expunged' && vm.backupOfferingId ? (['backupOfferingId'] as const) : [])],
      },
      store.vms,
      at,
    );
    if (completed && job.eventType) {
      const event = { actor: { userId: job.userId }, ownerName: vm.accountId === job.accountId ? job.accountName : undefined, vm, ok: true, jobId: job.id };
      await recordVmEvent(store, { ...event, type: job.eventType as EventType, text: `Successfully completed ${job.eventType} of VM ${vm.name} (${vm.id}); VM is ${to}` }, at);
      // A deploy that starts the VM is a create and a start, each with its usage record, as in CloudStack.
      if (job.eventType === 'VM.CREATE' && to === 'Running') await recordVmEvent(store, { ...event, type: 'VM.START', text: `VM ${vm.name} (${vm.id}) started on deploy` }, at);
    }
    await notifyParent(notify, { ok: true, output: { vmId, hostId: vm.hostId ?? null } });
    return { completed };
  },
  { recordsOwnStep: true },
);

/**
 * An expunged VM leaves the expunge queue, frees its instance name and gives its guest addresses back, with its record; its
 * ROOT volumes go with it (their pools' space given back), its data disks are detached and kept, as
 * CloudStack's expunge does.
 */
async function expungedOperations(store: Store, vm: Vm) {
  const volumes = await volumesOf(store.storage, vm);
  return [
    ...(vm.destroyed ? [store.vms.dequeueExpungeOperation(vm.id, vm.destroyed)] : []),
    // Its domain's name is free again: an instance-name item stands for a VM that exists.
    store.vms.forgetInstanceNameOperation(vm),
    ...store.addresses.releaseOperations(vm.id, vm.nics),
    ...volumes.flatMap((v) => (v.type === 'ROOT' ? store.storage.volumeDeleteOperations(v) : store.storage.volumeUpdateOperations(v, {}, ['vmId', 'deviceId']))),
    // Its ISO no longer counts it: deleteIso waits for no VM. Nor its backup offering.
    ...store.templates.holderOperations(vm.isoId, undefined),
    ...(await store.backups.leaveOperations(vm)),
  ];
}

/** A VM that started has its volumes' files: those still Allocated are Ready. */
async function startedOperations(store: Store, vm: Vm) {
  return (await volumesOf(store.storage, vm)).filter((v) => v.state === 'Allocated' && v.poolId).flatMap((v) => store.storage.volumeUpdateOperations(v, { state: 'Ready' }));
}
