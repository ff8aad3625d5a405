import { z } from 'zod';
import { OperationRefusedError } from '../../../core/errors';
import { assignmentJob, backupProviderFor, removeBackup } from '../../backups';
import { cs } from '../params';
import { recordVmEvent } from '../../vm-events';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

/**
 * removeVirtualMachineFromBackupOffering: the VM leaves its offering and its backup schedules go in
 * the same transaction (as CloudStack's). Its backups stay (`vmbackupofferingremoved`), to be
 * restored or deleted later, unless `forced`: then they are deleted too, each with its event.
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
  async handle({ params, store, caller, command, jobs, now }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    await backupProviderFor(store, vm.zoneId);
    if (!vm.backupOfferingId) throw new OperationRefusedError('No previously configured backup offering found for the VM');
    const job = assignmentJob(caller, vm.id, 'Remove', now);
    const schedules = await store.backups.schedulesOfVm(vm.id);
    await store.backups.changeAssignment(vm, undefined, job, store.backups.deleteSchedulesOperations(schedules));
    if (params.forced) {
      const [all, offering] = await Promise.all([store.backups.backupsOfVm(vm.id), store.backups.getOffering(vm.backupOfferingId)]);
      const backups = all.filter((b) => b.backupOfferingId === vm.backupOfferingId);
      // The VM has left the offering already: one backup that cannot go now (no Up host, changed meanwhile) stays, listed, for deleteBackup; the others go.
      for (const backup of backups) {
        const text = `Backup ${backup.name} (${backup.id}) of VM ${vm.name} deleted with its offering removed (forced)`;
        await removeBackup(store, jobs, backup, { vm, actor: caller, text, offering }, now).catch((err: Error) =>
          recordVmEvent(store, { type: 'BACKUP.DELETE', actor: caller, vm, ok: false, text: `Backup ${backup.name} (${backup.id}) of VM ${vm.name} not deleted with its offering: ${err.message}` }, now).catch(() => undefined),
        );
      }
    }
    return { kind: 'async', jobid: job.id, id: vm.id };
  },
});
