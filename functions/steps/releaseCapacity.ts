import { z } from 'zod';
import { defineStep } from './define-step';

const Input = z.object({ vmId: z.string() });

/**
 * Inverse of reserveCapacity: give back what the VM holds on its host, capacity, guest slot and
 * affinity marks as it recorded them (nothing held: no-op).
 */
export const handler = defineStep(Input, async ({ vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) return { outcome: 'nothing' as const };
  return { outcome: await store.placement.release(vm, store.vms) };
});
