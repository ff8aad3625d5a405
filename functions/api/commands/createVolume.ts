import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Volume } from '../../../core/entities';
import { EntityNotFoundError, InsufficientCapacityError, InvalidParameterError } from '../../../core/errors';
import { ruleOutPool, volumeRequest } from '../../../core/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { dataDiskSize } from '../volume-sizes';
import { attachVolume, finishVolumeJob, VOLUME_CMD, volumeResult } from '../volume-access';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'createVolume',
  description: 'Creates a disk volume from a disk offering. This disk volume must still be attached to a virtual machine to make use of it.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'volume',
  related: ['listVolumes', 'attachVolume', 'detachVolume', 'resizeVolume', 'deleteVolume'],
  params: z.object({
    name: cs.string().optional().meta({ description: 'the name of the disk volume' }),
    zoneid: cs.uuid().optional().meta({ description: 'the ID of the availability zone' }),
    diskofferingid: cs.uuid().optional().meta({ description: 'the ID of the disk offering. Either diskOfferingId or snapshotId must be passed in.' }),
    size: cs.long().optional().meta({ description: 'Arbitrary volume size' }),
    miniops: cs.long().optional().meta({ description: 'min iops' }),
    maxiops: cs.long().optional().meta({ description: 'max iops' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'the ID of the Instance; to be used with snapshot Id, Instance to which the volume gets attached after creation' }),
    snapshotid: cs.uuid().optional().meta({ description: 'the snapshot ID for the disk volume. Either diskOfferingId or snapshotId must be passed in.' }),
    storageid: cs.uuid().optional().meta({ description: 'Storage pool ID to create the volume in. Cannot be used with the snapshotid parameter.', since: '4.16.0', roles: ['rootAdmin'] }),
    displayvolume: cs.boolean().optional().meta({ description: 'an optional field, whether to display the volume to the end user or not.' }),
    account: cs.string().optional().meta({ description: 'the account associated with the disk volume. Must be used with the domainId parameter.' }),
    domainid: cs.uuid().optional().meta({ description: 'the domain ID associated with the disk offering. If used with the account parameter returns the disk volume associated with the account for the specified domain.' }),
    projectid: cs.uuid().optional().meta({ description: 'the project associated with the volume. Mutually exclusive with account parameter' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    if (params.snapshotid) throw new InvalidParameterError('Creating a volume from a volume snapshot is not supported: Stratus has no volume snapshots (VM snapshots are taken with createVMSnapshot)');
    if (params.account !== undefined || params.domainid !== undefined) throw new InvalidParameterError('Creating a volume for another account (account, domainid) is not supported yet: the caller owns the volume');
    if (params.projectid) throw new InvalidParameterError('Projects are not supported: projectid cannot be used');
    if (params.displayvolume === false) throw new InvalidParameterError('Hidden volumes (displayvolume=false) are not supported');
    if (!params.diskofferingid) throw new InvalidParameterError('Either disk Offering Id or snapshot Id must be passed whilst creating volume');
    const offering = await store.storage.getDiskOffering(params.diskofferingid);
    if (!offering || (!offering.displayOffering && caller.role !== 'rootAdmin')) throw new EntityNotFoundError(command, 'diskofferingid', params.diskofferingid);
    const vm = params.virtualmachineid ? await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid') : undefined;
    const zoneId = params.zoneid ?? vm?.zoneId;
    if (!zoneId) throw new InvalidParameterError('Please specify a zone: zoneid is required unless the volume is attached to a VM (virtualmachineid)');
    const zone = await store.inventory.getZone(zoneId);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', zoneId);
    if (zone.allocationState !== 'Enabled' && caller.role !== 'rootAdmin') throw new InvalidParameterError(`Cannot perform this operation, Zone is currently disabled: ${zone.name}`);
    if (params.miniops !== undefined && params.maxiops !== undefined && params.miniops > params.maxiops) throw new InvalidParameterError('The min IOPS must be less than or equal to the max IOPS.');
    const at = now.toISOString();
    const id = randomUUID();
    let volume: Volume = {
      id,
      // As CloudStack's VolumeApiServiceImpl.getVolumeNameFromCommand: a random name when none is given.
      name: params.name?.trim() ? params.name : randomUUID(),
      type: 'DATADISK',
      state: 'Allocated',
      size: await dataDiskSize(offering, params.size, store),
      accountId: caller.accountId,
      accountName: caller.accountName,
      domainId: caller.domainId,
      domainPath: caller.domainPath,
      zoneId,
      path: id,
      diskOfferingId: offering.id,
      provisioningType: offering.provisioningType,
      ...(params.miniops ?? offering.minIops ? { minIops: params.miniops ?? offering.minIops } : {}),
      ...(params.maxiops ?? offering.maxIops ? { maxIops: params.maxiops ?? offering.maxIops } : {}),
      created: at,
      version: 1,
    };
    // A root admin may place it at once on a pool of the zone (its space taken in the same
    // transaction); else it is placed where its VM's host reaches, when it is first attached to a
    // running VM or started with one.
    const placed = params.storageid ? await poolFor(store, volume, params.storageid, command) : undefined;
    if (placed) volume = { ...volume, poolId: placed.pool.id };
    await store.storage.transact([...store.storage.volumeCreateOperations(volume), ...(placed ? [store.storage.holdOperation(placed.pool, volume.size, placed.factor)] : [])], () =>
      placed ? new InsufficientCapacityError(`Unable to create volume ${volume.name} on storage pool ${placed.pool.name}: it no longer has room`) : new InvalidParameterError(`Volume ${volume.id} exists`),
    );
    if (vm) return attachVolume({ store, caller, jobs, now, command }, volume, vm, undefined);
    return finishVolumeJob(store, { caller, cmd: VOLUME_CMD('CreateVolumeCmd'), eventType: 'VOLUME.CREATE', volume, result: await volumeResult(store, volume, caller), text: `Created volume ${volume.name} (${volume.size} bytes)`, now }, async (jobOps) =>
      store.storage.transact(jobOps, () => new InvalidParameterError(`Job of volume ${volume.name} could not be recorded`)),
    );
  },
});

/** The pool the root admin named, if it can take the volume; refused with the pool's reason. */
async function poolFor(store: import('../../store').Store, volume: Volume, poolId: string, command: string) {
  const pool = await store.storage.getPool(poolId, true);
  if (!pool) throw new EntityNotFoundError(command, 'storageid', poolId);
  if (pool.zoneId !== volume.zoneId) throw new InvalidParameterError(`Storage pool ${pool.name} is not in the volume's zone`);
  const offering = volume.diskOfferingId ? await store.storage.getDiskOffering(volume.diskOfferingId) : undefined;
  const factor = await store.storage.factorOf(pool);
  const why = ruleOutPool(pool, volumeRequest(volume, offering), undefined, factor);
  if (why) throw new InsufficientCapacityError(`Unable to create volume ${volume.name} on storage pool ${pool.name}: ${why}`);
  return { pool, factor };
}
