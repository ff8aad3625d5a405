import { z } from 'zod';
import type { Volume } from '../../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import type { Store } from '../../store';
import { busyError } from '../../store/jobs';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { refuseWithSnapshots } from '../vm-snapshot-access';
import { finishVolumeJob, resizeTarget, VOLUME_CMD, volumeForCaller, volumeResult } from '../volume-access';

export default defineCommand({
  name: 'resizeVolume',
  description: 'Resizes a volume',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'volume',
  related: ['listVolumes', 'createVolume'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the disk volume' }),
    size: cs.long().optional().meta({ description: 'New volume size in GB' }),
    diskofferingid: cs.uuid().optional().meta({ description: 'new disk offering id' }),
    shrinkok: cs.boolean().optional().meta({ description: 'Verify OK to Shrink' }),
    miniops: cs.long().optional().meta({ description: 'New minimum number of IOPS' }),
    maxiops: cs.long().optional().meta({ description: 'New maximum number of IOPS' }),
    automigrate: cs.boolean().optional().meta({ description: 'Flag to allow automatic migration of the volume to another suitable storage pool that accommodates the new size', since: '4.17' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const volume = await volumeForCaller(store, caller, params.id, command);
    if (params.automigrate) throw new InvalidParameterError('automigrate is not supported: Stratus does not migrate volumes between pools');
    if (volume.state !== 'Allocated' && volume.state !== 'Ready') throw new InvalidParameterError(`Volume ${volume.name} is ${volume.state}: only an Allocated or Ready volume can be resized`);
    const offering = params.diskofferingid ? await store.storage.getDiskOffering(params.diskofferingid) : volume.diskOfferingId ? await store.storage.getDiskOffering(volume.diskOfferingId) : undefined;
    if (params.diskofferingid && !offering) throw new EntityNotFoundError(command, 'diskofferingid', params.diskofferingid);
    if (volume.type === 'DATADISK' && params.size !== undefined && offering && !offering.isCustomized && !params.diskofferingid)
      throw new InvalidParameterError(`Volume ${volume.name} has the fixed size of its disk offering ${offering.name}: resize it with diskofferingid of another offering, or a custom one`);
    const size = resizeTarget(params.diskofferingid ? offering : undefined, params.size);
    if (size < volume.size && !params.shrinkok)
      throw new InvalidParameterError(`Going from existing size of ${volume.size} to size of ${size} would shrink the volume.Need to sign off by supplying the shrinkok parameter with value of true.`);
    if (volume.type === 'ROOT' && volume.templateId) {
      const template = await store.inventory.getTemplate(volume.templateId);
      if (template && size < template.size) throw new InvalidParameterError(`Unsupported: rootdisksize override (${size / 1024 ** 3} GB) is smaller than template size (${(template.size / 1024 ** 3).toFixed(2)} GB)`);
    }
    const extra: Partial<Volume> = { ...(params.diskofferingid ? { diskOfferingId: params.diskofferingid } : {}), ...(params.miniops !== undefined ? { minIops: params.miniops } : {}), ...(params.maxiops !== undefined ? { maxIops: params.maxiops } : {}) };
    const vm = volume.vmId ? await store.vms.get(volume.vmId, true) : undefined;
    const running = vm && vm.state === 'Running';
    const hasFile = volume.state === 'Ready';
    // QEMU grows a disk in use but cannot shrink one; a file not in use shrinks on a host, which Stratus does not do yet.
    if (size < volume.size && hasFile) throw new InvalidParameterError(`Unable to shrink volume ${volume.name}: its file exists${running ? ' and its VM is running' : ''}; only a volume not yet used (Allocated) can shrink`);
    // A revert would bring back disks of the size they had: CloudStack refuses too.
    if (vm) refuseWithSnapshots(vm, `Unable to resize volume ${volume.name}: its VM ${vm.name} has VM snapshots; delete them first`);
    if (vm?.activeJobId) throw busyError(vm, vm.activeJobId);
    // The size and the pool's ledger move together (an offline file grows to it at its next start or attach).
    const resized = await resize(store, volume, size, extra);
    if (running && hasFile && size !== volume.size) {
      try {
        return await jobs.startOnVm({ workflow: 'resize-volume', cmd: VOLUME_CMD('ResizeVolumeCmd'), eventType: 'VOLUME.RESIZE', caller, vm, set: { lastUpdated: now.toISOString() }, input: { volumeId: volume.id, hostId: vm.hostId, sizeBefore: volume.size } });
      } catch (err) {
        await resize(store, resized, volume.size, {}); // not started: as it was
        throw err;
      }
    }
    return finishVolumeJob(store, { caller, cmd: VOLUME_CMD('ResizeVolumeCmd'), eventType: 'VOLUME.RESIZE', volume: resized, result: await volumeResult(store, resized, caller), text: `Resized volume ${volume.name} from ${volume.size} to ${size} bytes`, now }, (jobOps) =>
      store.storage.transact(jobOps, () => new ConcurrentOperationError(`Job of volume ${volume.name} could not be recorded`)),
    );
  },
});

/** The volume at its new size, its pool's ledger moved by the difference in the same transaction. */
async function resize(store: Store, volume: Volume, size: number, extra: Partial<Volume>): Promise<Volume> {
  const pool = volume.poolId ? await store.storage.getPool(volume.poolId, true) : undefined;
  if (pool) await store.storage.resize(volume, pool, await store.storage.factorOf(pool), size, extra);
  else await store.storage.transact(store.storage.volumeUpdateOperations(volume, { ...extra, size }), () => new ConcurrentOperationError(`Volume ${volume.name} changed while it was being resized; try again`));
  return { ...volume, ...extra, size, version: volume.version + 1 };
}
