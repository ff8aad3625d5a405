import { z } from 'zod';
import { whyNotAssignable } from '../../../core/backup';
import { EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { assignmentJob, backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

/** assignVirtualMachineToBackupOffering: the VM joins the offering (one at a time), its count of VMs moving with it. */
export default defineCommand({
  name: 'assignVirtualMachineToBackupOffering',
  description: 'Assigns a VM to a backup offering',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['removeVirtualMachineFromBackupOffering', 'listBackupOfferings'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'ID of the virtual machine' }),
    backupofferingid: cs.uuid().meta({ description: 'ID of the backup offering' }),
  }),
  async handle({ params, store, caller, command, now }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    const offering = await store.backups.getOffering(params.backupofferingid, true);
    if (!offering) throw new EntityNotFoundError(command, 'backupofferingid', params.backupofferingid);
    await backupProviderFor(store, vm.zoneId);
    const why = whyNotAssignable(vm, offering);
    if (why) throw new OperationRefusedError(why);
    const job = assignmentJob(caller, vm.id, 'Assign', now);
    await store.backups.changeAssignment(vm, offering, job);
    return { kind: 'async', jobid: job.id, id: vm.id };
  },
});
