import { canAccess } from '../../core/access';
import type { AsyncJob, Caller, DiskOffering, Vm, Volume } from '../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import { checkDeviceId, MAX_DATA_DISKS_KVM, nextDeviceId } from '../../core/storage';
import type { Store } from '../store';
import { AlsoLostError, busyError, finishedJob } from '../store/jobs';
import { createLookups } from '../views/lookups';
import { toVolumeResponse } from '../views/storage';
import { recordVolumeEvent } from '../volume-events';
import type { JobStarter, StartedJob } from './jobs';
import { refuseWithSnapshots } from './vm-snapshot-access';
import { refuseWithBackups } from '../backups';

/** The volume a command names, as the caller may see it; anything else answers like a volume that does not exist. */
export async function volumeForCaller(store: Store, caller: Caller, id: string, command: string, param = 'id'): Promise<Volume> {
  const volume = await store.storage.getVolume(id, true);
  if (!volume || volume.state === 'Expunged' || !canAccess(caller, volume)) throw new EntityNotFoundError(command, param, id);
  return volume;
}

export const VOLUME_CMD = (name: string) => `org.apache.cloudstack.api.command.user.volume.${name}`;

/** The volume object a volume job answers with. */
export async function volumeResult(store: Store, volume: Volume, caller: Caller): Promise<Record<string, unknown>> {
  return { volume: await toVolumeResponse(volume, createLookups(store), caller.role === 'rootAdmin' ? 'full' : 'restricted') };
}

/** A volume job that finished when it was submitted: written in the transaction that makes its change, then its event. */
export async function finishVolumeJob(
  store: Store,
  spec: { caller: Caller; cmd: string; eventType: 'VOLUME.CREATE' | 'VOLUME.ATTACH' | 'VOLUME.DETACH' | 'VOLUME.RESIZE' | 'VOLUME.DELETE'; volume: Volume; result: Record<string, unknown>; text: string; now: Date },
  write: (jobOperations: object[]) => Promise<void>,
): Promise<StartedJob> {
  const job: AsyncJob = finishedJob({ cmd: spec.cmd, eventType: spec.eventType, caller: spec.caller, instanceType: 'Volume', instanceId: spec.volume.id, result: spec.result, at: spec.now });
  await write(await store.jobs.completedOperations(job));
  await recordVolumeEvent(store, { type: spec.eventType, actor: spec.caller, volume: spec.volume, ok: true, text: spec.text, jobId: job.id }, spec.now).catch(() => undefined);
  return { jobid: job.id, id: spec.volume.id };
}

/**
 * attachVolume's checks in CloudStack's order (VolumeApiServiceImpl.attachVolumeToVM) and the
 * attach itself: to a Stopped VM at once (the VM's volume list and the volume in one transaction);
 * to a Running one by the attach-volume workflow (hot-plug by its host's agent).
 */
export async function attachVolume(
  ctx: { store: Store; caller: Caller; jobs: JobStarter; now: Date; command: string },
  volume: Volume,
  vm: Vm,
  requestedDeviceId: number | undefined,
  /** the job's command, when another command attaches (restoreVolumeFromBackupAndAttachToVM) */
  cmd = VOLUME_CMD('AttachVolumeCmd'),
): Promise<StartedJob> {
  const { store, caller, jobs, now } = ctx;
  if (vm.state !== 'Running' && vm.state !== 'Stopped' && vm.state !== 'Allocated') throw new InvalidParameterError('Please specify a VM that is either running or stopped.');
  if (volume.vmId) throw new InvalidParameterError('Please specify a volume that is not attached to any VM.');
  if (volume.state !== 'Allocated' && volume.state !== 'Ready') throw new InvalidParameterError('Volume state must be in Allocated, Ready or in Uploaded state');
  // A ROOT volume goes back to a stopped VM without one, at device 0 (as CloudStack allows).
  if (volume.type === 'ROOT' && (requestedDeviceId !== 0 || vm.state === 'Running')) throw new InvalidParameterError(`Volume ${volume.name} is a ROOT volume: it can only be attached at deviceid 0 of a stopped VM`);
  if (volume.zoneId !== vm.zoneId) throw new InvalidParameterError('Please specify a VM that is in the same zone as the volume.');
  if (volume.accountId !== vm.accountId) throw new InvalidParameterError(`Volume ${volume.name} and VM ${vm.name} do not belong to the same account`);
  refuseWithSnapshots(vm, `Unable to attach volume to VM ${vm.name}/${vm.id}, please specify a VM that does not have VM snapshots`);
  await refuseWithBackups(store, vm, true);
  if (vm.activeJobId) throw busyError(vm, vm.activeJobId);
  const attached = await store.storage.getVolumes(vm.volumeIds ?? []);
  const used = attached.map((v) => v.deviceId ?? 0);
  if (attached.filter((v) => v.type === 'DATADISK').length >= MAX_DATA_DISKS_KVM)
    throw new InvalidParameterError(`The specified VM already has the maximum number of data disks (${MAX_DATA_DISKS_KVM}) attached. Please specify another VM.`);
  let deviceId = requestedDeviceId;
  if (deviceId !== undefined) {
    checkDeviceId(deviceId);
    if (deviceId === 0 && volume.type !== 'ROOT') throw new InvalidParameterError('deviceId 0 is the ROOT volume\'s: give a data disk another');
    if (used.includes(deviceId)) throw new InvalidParameterError(`Device ${deviceId} is used in VM ${vm.name}`);
  } else deviceId = nextDeviceId(used);
  if (deviceId === undefined) throw new InvalidParameterError(`The specified VM already has the maximum number of data disks (${MAX_DATA_DISKS_KVM}) attached. Please specify another VM.`);
  // Its pool, if it has one, must be one the VM's host (or the hosts it may start on) reaches.
  if (volume.poolId && vm.hostId) {
    const [pool, host] = await Promise.all([store.storage.getPool(volume.poolId), store.hosts.get(vm.hostId)]);
    if (pool && host && !(await store.storage.poolsReachableFrom(host)).some((p) => p.id === pool.id))
      throw new InvalidParameterError(`Volume ${volume.name} is on storage pool ${pool.name}, which host ${host.name} of VM ${vm.name} cannot reach`);
  }
  const at = now.toISOString();
  const change = { vmId: vm.id, deviceId, attached: at };
  const volumeIds = [...(vm.volumeIds ?? []), volume.id];
  const lostVolume = () => new ConcurrentOperationError(`Volume ${volume.name} changed while it was being attached; try again`);
  if (vm.state === 'Running') {
    try {
      return await jobs.startOnVm({
        workflow: 'attach-volume',
        cmd,
        eventType: 'VOLUME.ATTACH',
        caller,
        vm,
        set: { volumeIds, lastUpdated: at },
        also: store.storage.volumeUpdateOperations(volume, change),
        input: { volumeId: volume.id, hostId: vm.hostId, stateBefore: volume.state, vmVolumeIdsBefore: vm.volumeIds ?? [] },
      });
    } catch (err) {
      if (err instanceof AlsoLostError) throw lostVolume();
      throw err;
    }
  }
  const after = { ...volume, ...change, version: volume.version + 1 };
  return finishVolumeJob(store, { caller, cmd, eventType: 'VOLUME.ATTACH', volume: after, result: await volumeResult(store, after, caller), text: `Attached volume ${volume.name} to VM ${vm.name} as device ${deviceId}`, now }, (jobOps) =>
    store.storage.transact([store.vms.updateOperation(vm, { volumeIds, lastUpdated: at }), ...store.storage.volumeUpdateOperations(volume, change), ...jobOps], (i) => (i === 0 ? new ConcurrentOperationError(`VM ${vm.name} changed while volume ${volume.name} was being attached; try again`) : lostVolume())),
  );
}

/** A volume's size from a new disk offering or `size` GB, within the offering's rules. */
export function resizeTarget(offering: DiskOffering | undefined, sizeGb: number | undefined): number {
  if (offering && !offering.isCustomized) return offering.diskSize * 1024 ** 3;
  if (sizeGb === undefined) throw new InvalidParameterError('A new size or a new disk offering ID must be specified to resize a volume');
  if (!(sizeGb > 0)) throw new InvalidParameterError(`Invalid size ${sizeGb}: give a number of GB above 0`);
  return sizeGb * 1024 ** 3;
}
