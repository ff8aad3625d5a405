import { z } from 'zod';
import { defineStep } from './define-step';

const Input = z.object({ vmId: z.string() });

/** Expunge gives the VM's guest addresses back (R-LIFE.12); a retry releases nothing twice. */
export const handler = defineStep(Input, async ({ vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) return { released: 0 };
  await store.addresses.release(vm.id, vm.nics);
  return { released: vm.nics.length };
});
