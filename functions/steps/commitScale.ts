import { z } from 'zod';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/** The VM runs at its new size on its host: the size and offering become its own. */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => ({
  outcome: await store.moves.commitScale(await heldVm(store, vmId, jobId), store.vms),
}));
