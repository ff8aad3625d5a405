import { z } from 'zod';
import type { Vm } from '../../core/entities';
import { InsufficientCapacityError, InternalError } from '../../core/errors';
import { poolLimit } from '../../core/storage';
import { transition } from '../../core/vm-states';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { recordImportEvents } from '../vm-import';
import { defineStep } from './define-step';

/** `checked`: what the host's agent found of the disk image (CheckVolume). */
const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  volumeId: z.string(),
  checked: z.object({ path: z.string(), size: z.number().int().positive(), format: z.literal('qcow2') }),
  state: z.string(),
});

/**
 * The disk image is what importVm takes it for: in one transaction its volume becomes Ready at the
 * image's virtual size (its pool's space held for it, within the pool's ceiling), the VM Stopped
 * (placed at its first start, on a host reaching its pool) and the job done with the VM, as
 * deployVirtualMachine answers; then VM.IMPORT and a create's usage records.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, volumeId, checked, state }, { store, now }) => {
    const [vm, job, volume] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true), store.storage.getVolume(volumeId, true)]);
    if (!vm || !job || !volume?.poolId) throw new InternalError(`VM ${vmId}, its volume ${volumeId} or job ${jobId} no longer exists`);
    if (vm.activeJobId !== jobId) return { settled: false }; // settled already (a retry after a lost answer)
    const pool = await store.storage.getPool(volume.poolId, true);
    if (!pool) throw new InternalError(`Storage pool ${volume.poolId} of volume ${volume.name} no longer exists`);
    const factor = await store.storage.factorOf(pool);
    const room = poolLimit(pool, factor) - pool.allocatedBytes;
    if (checked.size > room)
      throw new InsufficientCapacityError(`Storage pool ${pool.name} has ${Math.max(0, room)} bytes unallocated (x${factor}); disk image ${checked.path} is ${checked.size} bytes`);
    const at = now();
    const to = transition(vm.state, 'OperationSucceeded');
    const settled: Vm = { ...vm, state: to, lastUpdated: at.toISOString(), activeJobId: undefined, version: vm.version + 1 };
    const completed = await store.jobs.complete(
      jobId,
      {
        status: 1,
        result: { virtualmachine: await toVirtualMachineResponse(settled, createLookups(store), 'full') },
        step: state,
        created: job.created,
        also: [store.storage.holdOperation(pool, checked.size, factor), ...store.storage.volumeUpdateOperations(volume, { size: checked.size, state: 'Ready' })],
      },
      { vm, set: { state: to, lastUpdated: settled.lastUpdated }, remove: ['activeJobId'] },
      store.vms,
      at,
    );
    if (completed) await recordImportEvents(store, settled, { userId: job.userId, jobId, from: `disk image ${checked.path} on storage pool ${pool.name}` }, at);
    return { settled: completed };
  },
  { recordsOwnStep: true },
);
