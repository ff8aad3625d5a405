import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { deleteRefusal } from '../../../core/vm-snapshots';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';
import { refuseBusy, snapshotHost, vmSnapshotForCaller, VM_SNAPSHOT_CMD } from '../vm-snapshot-access';

export default defineCommand({
  name: 'deleteVMSnapshot',
  description: 'Deletes a vmsnapshot.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'success',
  related: ['createVMSnapshot', 'listVMSnapshot'],
  params: z.object({
    vmsnapshotid: cs.uuid().meta({ description: 'The ID of the VM snapshot' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const snapshot = await vmSnapshotForCaller(store, caller, params.vmsnapshotid, command);
    const refused = deleteRefusal(snapshot);
    if (refused) throw new InvalidParameterError(refused);
    const vm = await vmForCaller(store, caller, snapshot.vmId, command, 'vmsnapshotid');
    if (vm.state !== 'Running' && vm.state !== 'Stopped') throw new InvalidParameterError(`Can't delete the vm snapshot ${snapshot.name}: its VM ${vm.name} is ${vm.state}, not Running or Stopped`);
    await refuseBusy(store, vm);
    const hostId = await snapshotHost(store, vm);
    const started = await jobs.startOnVm({
      workflow: 'delete-vm-snapshot',
      cmd: VM_SNAPSHOT_CMD('DeleteVMSnapshotCmd'),
      eventType: 'VMSNAPSHOT.DELETE',
      caller,
      vm,
      set: { lastUpdated: now.toISOString() },
      also: snapshot.state === 'Expunging' ? [] : store.vmSnapshots.updateOperations(snapshot, { state: 'Expunging' }),
      input: { vmSnapshotId: snapshot.id, hostId, vmState: vm.state },
    });
    return { jobid: started.jobid, id: snapshot.id };
  },
});
