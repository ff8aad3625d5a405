import { z } from 'zod';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/** Inverse of ReserveMigration: give back the destination's hold; none held is a no-op. */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => ({
  outcome: await store.moves.releaseMigration(await heldVm(store, vmId, jobId), store.vms),
}));
