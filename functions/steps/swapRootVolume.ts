import { z } from 'zod';
import type { Volume } from '../../core/entities';
import { ConcurrentOperationError, InsufficientCapacityError, InternalError } from '../../core/errors';
import type { Store } from '../store';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), templateId: z.string(), newVolumeId: z.string(), wasRunning: z.boolean(), state: z.string() });

/**
 * restoreVirtualMachine's turn, with the domain off: in one transaction the VM gets a new ROOT volume
 * from the template (on the old one's pool, at least the old size, its space held there; its file is
 * made at the next start), the template's OS type, and, when it ran, state Starting; the old ROOT is
 * detached and marked Destroy until its host removes the file. Answers the old volume and the host
 * that removes it. Done already (a retry): the same answer.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, templateId, newVolumeId, wasRunning }, { store, now }) => {
  const [vm, template] = await Promise.all([store.vms.get(vmId, true), store.templates.get(templateId, true)]);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  if (!template) throw new InternalError(`Template ${templateId} no longer exists`);
  const volumes = await store.storage.getVolumes(vm.volumeIds ?? []);
  if (vm.volumeIds?.includes(newVolumeId)) {
    const done = await store.storage.getVolume(vm.restoredFromVolumeId ?? '', true);
    return { oldVolumeId: done?.id ?? '', deleteHostId: await deleteHost(store, done, vm.hostId), hasFile: !!done?.poolId };
  }
  const oldRoot = volumes.find((v) => v.type === 'ROOT' && v.deviceId === 0);
  if (!oldRoot) throw new InternalError(`VM ${vm.name} has no ROOT volume to restore`);
  const at = now();
  const newRoot: Volume = {
    id: newVolumeId,
    name: oldRoot.name,
    type: 'ROOT',
    state: 'Allocated',
    // CloudStack keeps a ROOT disk grown beyond its template's size at that size.
    size: Math.max(template.size, oldRoot.size),
    accountId: oldRoot.accountId,
    accountName: oldRoot.accountName,
    domainId: oldRoot.domainId,
    domainPath: oldRoot.domainPath,
    zoneId: oldRoot.zoneId,
    vmId: vm.id,
    deviceId: 0,
    path: newVolumeId,
    templateId: template.id,
    provisioningType: oldRoot.provisioningType,
    ...(oldRoot.diskOfferingId ? { diskOfferingId: oldRoot.diskOfferingId } : {}),
    ...(oldRoot.poolId ? { poolId: oldRoot.poolId } : {}),
    created: at.toISOString(),
    attached: at.toISOString(),
    version: 1,
  };
  const pool = oldRoot.poolId ? await store.storage.getPool(oldRoot.poolId, true) : undefined;
  const held = pool ? { pool, factor: await store.storage.factorOf(pool) } : undefined;
  try {
    await store.vms.update(
      vm,
      { volumeIds: (vm.volumeIds ?? []).map((id) => (id === oldRoot.id ? newVolumeId : id)), templateId: template.id, osTypeId: template.osTypeId, restoredFromVolumeId: oldRoot.id, lastUpdated: at.toISOString(), ...(wasRunning ? { state: 'Starting' as const } : {}) },
      [],
      store.storage.replaceRootOperations(oldRoot, newRoot, held),
    );
  } catch (err) {
    // The pool's hold (the fourth write) failing its condition is the pool's room; anything else
    // (the VM changed, a conflict on a busy pool item) is thrown as it is, and the state retries.
    const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
    if (pool && reasons?.[3]?.Code === 'ConditionalCheckFailed')
      throw new InsufficientCapacityError(`Unable to restore VM ${vm.name}: storage pool ${pool.name} has no room for a new ${newRoot.size}-byte ROOT volume beside the old one, or it is not Up`);
    throw err;
  }
  return { oldVolumeId: oldRoot.id, deleteHostId: await deleteHost(store, oldRoot, vm.hostId), hasFile: !!oldRoot.poolId };
});

/**
 * Who removes the old ROOT's file: the VM's host, or an Up host that reaches its pool ('' if none,
 * or if that cannot be read now: after the swap committed, nothing may fail this step; the old
 * volume is then kept for deleteVolume).
 */
async function deleteHost(store: Store, volume: Volume | undefined, hostId: string | undefined): Promise<string> {
  if (!volume?.poolId) return '';
  if (hostId) return hostId;
  try {
    const pool = await store.storage.getPool(volume.poolId);
    return pool ? ((await store.hosts.upHostReaching(pool))?.id ?? '') : '';
  } catch {
    return '';
  }
}
