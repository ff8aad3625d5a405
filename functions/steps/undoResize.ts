import { z } from 'zod';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), volumeId: z.string(), sizeBefore: z.number().int().positive() });

/** Inverse of a resize's start: the volume at its size before, its pool's ledger moved back with it. Done already: no-op. */
export const handler = defineStep(Input, async ({ jobId, vmId, volumeId, sizeBefore }, { store }) => {
  const [vm, volume] = await Promise.all([store.vms.get(vmId, true), store.storage.getVolume(volumeId, true)]);
  if (!vm || vm.activeJobId !== jobId || !volume || volume.size === sizeBefore) return { undone: false };
  const pool = volume.poolId ? await store.storage.getPool(volume.poolId, true) : undefined;
  if (pool) await store.storage.resize(volume, pool, await store.storage.factorOf(pool), sizeBefore);
  return { undone: true };
});
