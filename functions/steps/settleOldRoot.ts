import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), oldVolumeId: z.string(), deleted: z.boolean(), state: z.string() });

/**
 * The ROOT volume a restore replaced: its file removed (`deleted`), its record goes and its pool's
 * space comes back; its file kept (no host could remove it), it stays as a detached Ready volume that
 * deleteVolume removes later, so nothing is lost unseen. The VM forgets it either way, in the same
 * transaction. Done already: nothing.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, oldVolumeId, deleted }, { store }) => {
  const [vm, old] = await Promise.all([store.vms.get(vmId, true), oldVolumeId ? store.storage.getVolume(oldVolumeId, true) : undefined]);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId || vm.restoredFromVolumeId === undefined) return { settled: false };
  const operations = !old || old.state !== 'Destroy' ? [] : deleted ? store.storage.volumeDeleteOperations(old) : store.storage.volumeUpdateOperations(old, { state: 'Ready' });
  await store.vms.update(vm, {}, ['restoredFromVolumeId'], operations);
  return { settled: true };
});
