import { z } from 'zod';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

/** `applyScale`: the move was made to grow the VM, which now runs at its new size on the destination. */
const Input = z.object({ jobId: z.string(), vmId: z.string(), applyScale: z.boolean().default(false) });

/** The VM runs on the destination: it becomes the VM's host, and the source is given back. */
export const handler = defineStep(Input, async ({ jobId, vmId, applyScale }, { store }) => ({
  outcome: await store.moves.commitMigration(await heldVm(store, vmId, jobId), store.vms, { applyScale }),
}));
