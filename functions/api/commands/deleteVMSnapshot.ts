import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { deleteRefusal } from '../../../core/vm-snapshots';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';
import { startSnapshotJob, vmSnapshotForCaller } from '../vm-snapshot-access';

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
    const started = await startSnapshotJob({ store, jobs, caller, now }, { vm, snapshot, workflow: 'delete-vm-snapshot', cmd: 'DeleteVMSnapshotCmd', eventType: 'VMSNAPSHOT.DELETE', snapshotState: 'Expunging' });
    return { jobid: started.jobid, id: snapshot.id };
  },
});
