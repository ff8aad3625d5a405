import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { revertRefusal } from '../../../core/vm-snapshots';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';
import { startSnapshotJob, vmSnapshotForCaller } from '../vm-snapshot-access';

export default defineCommand({
  name: 'revertToVMSnapshot',
  description: 'Revert VM from a vmsnapshot.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['createVMSnapshot', 'listVMSnapshot'],
  params: z.object({
    vmsnapshotid: cs.uuid().meta({ description: 'The ID of the vm snapshot' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const snapshot = await vmSnapshotForCaller(store, caller, params.vmsnapshotid, command);
    const vm = await vmForCaller(store, caller, snapshot.vmId, command, 'vmsnapshotid');
    if (vm.state !== 'Running' && vm.state !== 'Stopped') throw new InvalidParameterError(`VM Snapshot reverting failed due to vm: ${vm.name} is not in the running or Stopped state`);
    const refused = revertRefusal(vm, snapshot);
    if (refused) throw new InvalidParameterError(refused);
    const started = await startSnapshotJob({ store, jobs, caller, now }, { vm, snapshot, workflow: 'revert-vm-snapshot', cmd: 'RevertToVMSnapshotCmd', eventType: 'VMSNAPSHOT.REVERTTO', snapshotState: 'Reverting' });
    return { jobid: started.jobid, id: vm.id };
  },
});
