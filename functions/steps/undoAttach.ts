import { z } from 'zod';
import { ConcurrentOperationError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), volumeId: z.string(), stateBefore: z.enum(['Allocated', 'Ready']), vmVolumeIdsBefore: z.array(z.string()) });

/**
 * Inverse of an attach's start: the VM's volume list as it was and the volume detached, in its
 * state before, in one transaction (after the host was told to unplug it). Done already: no-op.
 * The space a pool gave it stays with the volume (it holds the pool now, attached or not).
 */
export const handler = defineStep(Input, async ({ jobId, vmId, volumeId, stateBefore, vmVolumeIdsBefore }, { store }) => {
  const [vm, volume] = await Promise.all([store.vms.get(vmId, true), store.storage.getVolume(volumeId, true)]);
  if (!vm || vm.activeJobId !== jobId) return { undone: false };
  const items: object[] = [];
  if ((vm.volumeIds ?? []).includes(volumeId)) items.push(store.vms.updateOperation(vm, { volumeIds: vmVolumeIdsBefore }));
  if (volume?.vmId === vmId) items.push(...store.storage.volumeUpdateOperations(volume, { state: stateBefore }, ['vmId', 'deviceId', 'attached']));
  if (items.length) await store.storage.transact(items, () => new ConcurrentOperationError(`VM ${vmId} or volume ${volumeId} changed while its attach was being undone`));
  return { undone: items.length > 0 };
});
