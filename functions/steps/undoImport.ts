import { z } from 'zod';
import { importUndoOperations } from '../vm-import';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), state: z.string() });

/**
 * The import failed: everything it took goes back in one transaction (functions/vm-import.ts), so no
 * half-imported VM remains and the domain is listed as unmanaged again. Undone already: nothing.
 */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm || vm.activeJobId !== jobId) return { undone: false };
  await store.storage.transact(await importUndoOperations(store, vm), () => new Error(`VM ${vm.name} changed while its import was being undone; trying again`));
  return { undone: true };
});
