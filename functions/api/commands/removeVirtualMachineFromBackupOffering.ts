import { z } from 'zod';
import { OperationRefusedError } from '../../../core/errors';
import { assignmentJob, backupProviderFor } from '../backup-framework';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

/**
 * removeVirtualMachineFromBackupOffering: the VM leaves its offering. `forced` (remove its backups
 * too) has nothing to remove yet: Stratus takes no backups before createBackup lands.
 */
export default defineCommand({
  name: 'removeVirtualMachineFromBackupOffering',
  description: 'Removes a VM from any existing backup offering',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['assignVirtualMachineToBackupOffering'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'ID of the virtual machine' }),
    forced: cs.boolean().optional().meta({ description: 'Whether to force remove VM from the backup offering that may also delete VM backups.' }),
  }),
  async handle({ params, store, caller, command, now }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    await backupProviderFor(store, vm.zoneId);
    if (!vm.backupOfferingId) throw new OperationRefusedError('No previously configured backup offering found for the VM');
    const job = assignmentJob(caller, vm.id, 'Remove', now);
    await store.backups.changeAssignment(vm, undefined, job);
    return { kind: 'async', jobid: job.id, id: vm.id };
  },
});
