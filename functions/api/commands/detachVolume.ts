import { z } from 'zod';
import type { Volume } from '../../../core/entities';
import { ConcurrentOperationError, InvalidParameterError } from '../../../core/errors';
import { busyError } from '../../store/jobs';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { refuseWithSnapshots } from '../vm-snapshot-access';
import { refuseWithBackups } from '../../backups';
import { finishVolumeJob, VOLUME_CMD, volumeForCaller, volumeResult } from '../volume-access';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'detachVolume',
  description: 'Detaches a disk volume from an Instance.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'volume',
  related: ['attachVolume', 'listVolumes'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the disk volume' }),
    deviceid: cs.long().optional().meta({ description: 'the device ID on the Instance where volume is detached from' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'the ID of the Instance where the volume is detached from' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    // VolumeApiServiceImpl.detachVolumeFromVM: by id, or by the VM's device.
    if (params.id === undefined && (params.deviceid === undefined || params.virtualmachineid === undefined)) throw new InvalidParameterError('Please provide either a volume id, or a tuple(device id, instance id)');
    if (params.id !== undefined && (params.deviceid !== undefined || params.virtualmachineid !== undefined)) throw new InvalidParameterError('Please provide either a volume id, or a tuple(device id, instance id)');
    let volume: Volume | undefined;
    if (params.id) volume = await volumeForCaller(store, caller, params.id, command);
    else {
      const owner = await vmForCaller(store, caller, params.virtualmachineid!, command, 'virtualmachineid');
      volume = (await store.storage.getVolumes(owner.volumeIds ?? [])).find((v) => v.deviceId === params.deviceid);
      if (!volume) throw new InvalidParameterError(`Unable to find volume with ID: ${params.deviceid} of VM ${owner.name}`);
    }
    if (!volume.vmId) throw new InvalidParameterError('Please specify a volume that is attached to a VM.');
    const vm = await store.vms.get(volume.vmId, true);
    if (!vm) throw new InvalidParameterError('Please specify a volume that is attached to a VM.');
    const offline = vm.state === 'Stopped' || vm.state === 'Allocated' || vm.state === 'Destroyed';
    if (volume.type === 'ROOT' && !offline) throw new InvalidParameterError(`Unable to detach ROOT volume ${volume.name}: its VM ${vm.name} must be Stopped (it is ${vm.state})`);
    if (!offline && vm.state !== 'Running') throw new InvalidParameterError('Please specify a VM that is either running or stopped.');
    refuseWithSnapshots(vm, 'Unable to detach volume, please specify a VM that does not have VM snapshots');
    await refuseWithBackups(store, vm, false);
    if (vm.activeJobId) throw busyError(vm, vm.activeJobId);
    const at = now.toISOString();
    const volumeIds = (vm.volumeIds ?? []).filter((id) => id !== volume.id);
    if (vm.state === 'Running') {
      return jobs.startOnVm({ workflow: 'detach-volume', cmd: VOLUME_CMD('DetachVolumeCmd'), eventType: 'VOLUME.DETACH', caller, vm, set: { lastUpdated: at }, input: { volumeId: volume.id, hostId: vm.hostId } });
    }
    const after: Volume = { ...volume, vmId: undefined, deviceId: undefined, version: volume.version + 1 };
    return finishVolumeJob(store, { caller, cmd: VOLUME_CMD('DetachVolumeCmd'), eventType: 'VOLUME.DETACH', volume: after, result: await volumeResult(store, after, caller), text: `Detached volume ${volume.name} from VM ${vm.name}`, now }, (jobOps) =>
      store.storage.transact([store.vms.updateOperation(vm, { volumeIds, lastUpdated: at }), ...store.storage.volumeUpdateOperations(volume, {}, ['vmId', 'deviceId']), ...jobOps], () => new ConcurrentOperationError(`VM ${vm.name} or volume ${volume.name} changed while it was being detached; try again`)),
    );
  },
});
