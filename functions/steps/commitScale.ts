import { z } from 'zod';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';
import { discardMemorySnapshots } from '../vm-snapshots';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/** The VM runs at its new size on its host: the size and offering become its own. */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => {
  const vm = await heldVm(store, vmId, jobId);
  // Its memory snapshots cannot come back at another size: discarded in the same transaction.
  return { outcome: await store.moves.commitScale(vm, store.vms, vm.pendingScale ? await discardMemorySnapshots(store, vm) : undefined) };
});
