import { z } from 'zod';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/** Inverse of ReserveScale: give back what was held for the growth and forget the target size. */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => ({
  outcome: await store.moves.releaseScale(await heldVm(store, vmId, jobId), store.vms),
}));
