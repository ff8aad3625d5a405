import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { transition } from '../../core/vm-states';
import type { Vm } from '../../core/entities';
import { derivedJobId, startSystemMigration } from '../system-migration';
import type { Store } from '../store';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { recordVmEvent } from '../vm-events';
import { recordImportEvents } from '../vm-import';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), move: z.boolean(), state: z.string() });

/**
 * The domain is adopted: the VM settles (Starting -> Running, Allocated -> Stopped) and the job
 * succeeds with it, as deployVirtualMachine answers (R-IMP.21), in one transaction; then VM.IMPORT
 * and the usage records of a create (VM.CREATE, VM.START when it runs, VOLUME.CREATE per volume,
 * NETWORK.OFFERING.ASSIGN per NIC). A running VM whose host its offering's tags rule out
 * (migrateallowed) is then moved by a live migration of its own (the allocator chooses, capacity
 * held as in every move), a VM.MIGRATE job started once whatever retries.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, move, state }, { store, now }) => {
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    if (!vm || !job) throw new InternalError(`VM ${vmId} or job ${jobId} no longer exists`);
    const at = now();
    if (vm.activeJobId === jobId) {
      const to = transition(vm.state, 'OperationSucceeded');
      const settled: Vm = { ...vm, state: to, lastUpdated: at.toISOString(), activeJobId: undefined, importedNics: undefined, version: vm.version + 1 };
      const completed = await store.jobs.complete(
        jobId,
        // The domain's listing goes with it (it is a VM now); an HA VM joins its host's fence list.
        { status: 1, result: { virtualmachine: await toVirtualMachineResponse(settled, createLookups(store), 'full') }, step: state, created: job.created, also: [...(vm.lastHostId ? [store.unmanaged.deleteOperation(vm.lastHostId, vm.instanceName)] : []), ...(vm.haEnable && vm.hostId ? [store.ha.attentionOperation(vm.hostId, at.toISOString())] : [])] },
        { vm, set: { state: to, lastUpdated: settled.lastUpdated }, remove: ['activeJobId', 'importedNics'] },
        store.vms,
        at,
      );
      if (completed) await recordImportEvents(store, settled, { userId: job.userId, jobId, from: `domain ${vm.instanceName}` }, at);
    }
    if (move) return { moved: await startMove(store, jobId, vmId, now) };
    return { moved: false };
  },
  { recordsOwnStep: true },
);

/** Start the VM's live migration off a host its tags rule out, once (its job id comes from the import's). */
async function startMove(store: Store, importJobId: string, vmId: string, now: () => Date): Promise<boolean> {
  const vm = await store.vms.get(vmId, true);
  const moveJobId = derivedJobId(`${importJobId}/move`);
  if (!vm || vm.activeJobId === moveJobId) return true;
  if (vm.state !== 'Running' || vm.activeJobId || !vm.hostId) return false; // stopped or taken by someone since: its next start places it
  try {
    await startSystemMigration(store, now, vm, { jobId: moveJobId, notify: {} });
  } catch (err) {
    // Moved already by a retry of this step, or it could not start: the import stands either way, and says so.
    if ((await store.vms.get(vmId, true))?.activeJobId === moveJobId) return true;
    await recordVmEvent(store, { type: 'VM.MIGRATE', actor: { userId: vm.userId }, vm, ok: false, text: `VM ${vm.name} was imported on a host its offering's host tags rule out, and its move could not start: ${(err as Error).message}; migrate it with migrateVirtualMachine` }, now()).catch(() => undefined);
    return false;
  }
  return true;
}
