import { z } from 'zod';
import type { Vm, VmSnapshot } from '../../core/entities';
import type { EventType } from '../../core/events';
import { InternalError } from '../../core/errors';
import { chainWithout } from '../../core/vm-snapshots';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { toVmSnapshotResponse } from '../views/vmSnapshot';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), vmSnapshotId: z.string(), change: z.enum(['create', 'revert', 'delete']), state: z.string() });

/**
 * Settle a VM snapshot job in one transaction, after its host did the work: created, the snapshot
 * Ready and the VM's current one; reverted, the snapshot current again; deleted, its record gone
 * from the VM's list, its children under its parent, `current` moved to its parent if it was. The
 * VM is released in the state it kept. A job already settled is left as it is.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, vmSnapshotId, change, state }, { store, now }) => {
    const [vm, job, snapshot] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true), store.vmSnapshots.get(vmSnapshotId, true)]);
    if (!vm || !job) throw new InternalError(`VM ${vmId} or job ${jobId} no longer exists`);
    // Settled by an earlier attempt (a delete's snapshot is gone then): nothing to do.
    if (vm.activeJobId !== jobId) return { completed: false };
    if (!snapshot) throw new InternalError(`VM snapshot ${vmSnapshotId} no longer exists`);
    const at = now();
    const lookups = createLookups(store);
    let writes: object[];
    let set: Partial<Vm>;
    let remove: Array<keyof Vm> = ['activeJobId'];
    let result: Record<string, unknown>;
    if (change === 'delete') {
      const others = await store.vmSnapshots.getMany((vm.vmSnapshotIds ?? []).filter((id) => id !== snapshot.id), true);
      const chain = chainWithout(others, snapshot, vm.currentVmSnapshotId);
      writes = [
        ...store.vmSnapshots.deleteOperations([snapshot]),
        // Its children go under its parent (or become roots).
        ...chain.reparent.flatMap((child) => (snapshot.parentId ? store.vmSnapshots.updateOperations(child, { parentId: snapshot.parentId }) : store.vmSnapshots.updateOperations(child, {}, ['parentId']))),
      ];
      set = { vmSnapshotIds: others.map((s) => s.id), ...(chain.currentId ? { currentVmSnapshotId: chain.currentId } : {}) };
      if (!chain.currentId) remove = [...remove, 'currentVmSnapshotId'];
      result = { success: true };
    } else {
      writes = snapshot.state === 'Ready' ? [] : store.vmSnapshots.updateOperations(snapshot, { state: 'Ready' });
      set = { currentVmSnapshotId: snapshot.id };
      const after: VmSnapshot = { ...snapshot, state: 'Ready' };
      const vmAfter: Vm = { ...vm, currentVmSnapshotId: snapshot.id };
      result = change === 'create' ? { vmsnapshot: await toVmSnapshotResponse(after, lookups, vmAfter) } : { virtualmachine: await toVirtualMachineResponse({ ...vmAfter, activeJobId: undefined }, lookups, 'full') };
    }
    const completed = await store.jobs.complete(jobId, { status: 1, result, step: state, created: job.created, also: writes }, { vm, set: { ...set, lastUpdated: at.toISOString() }, remove }, store.vms, at);
    if (completed && job.eventType)
      await recordVmEvent(store, { type: job.eventType as EventType, actor: { userId: job.userId }, vm, ok: true, jobId, text: `Successfully completed ${job.eventType} of VM snapshot ${snapshot.displayName} (${snapshot.name}) of VM ${vm.name}` }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
