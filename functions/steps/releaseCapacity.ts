import { z } from 'zod';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/**
 * Inverse of reserveCapacity: give back what the VM holds on its host, capacity, guest slot and
 * affinity marks as it recorded them (nothing held: no-op).
 */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) return { outcome: 'nothing' as const };
  // Only the job that holds the VM gives its capacity back: a stray execution (its job already
  // settled) must not release what a later job reserved.
  if (vm.activeJobId !== jobId) return { outcome: 'not-held' as const };
  return { outcome: await store.placement.release(vm, store.vms) };
});
