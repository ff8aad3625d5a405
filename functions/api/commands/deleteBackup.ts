import { z } from 'zod';
import { ConcurrentOperationError, EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { finishedJob } from '../../store/jobs';
import { recordVmEvent } from '../../vm-events';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { canAccess } from '../../../core/access';
import { backupProviderFor, removeBackup } from '../../backups';

/**
 * deleteBackup: the provider forgets it and so does the inventory. The dummy provider's are records
 * only: gone at once with a finished job. The nas provider's files are removed by a host's agent
 * first (workflows/delete-backup.asl.json). A backup still being taken, restored or deleted is
 * refused; one in Error goes too.
 */
export default defineCommand({
  name: 'deleteBackup',
  description: 'Delete VM backup',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['createBackup', 'listBackups'],
  params: z.object({
    id: cs.uuid().meta({ description: 'id of the VM backup' }),
    forced: cs.boolean().optional().meta({ description: 'force the deletion of backup which removes the entire backup chain but keep VM in Backup Offering', since: '4.18.0.0' }),
  }),
  async handle({ params, store, caller, command, jobs, now }) {
    const backup = await store.backups.getBackup(params.id, true);
    if (!backup) throw new EntityNotFoundError(command, 'id', params.id);
    // The backup's own owner decides (it may outlive its VM); the VM is read for the event only.
    if (!canAccess(caller, backup)) throw new EntityNotFoundError(command, 'id', params.id);
    await backupProviderFor(store, backup.zoneId);
    const vm = await store.vms.get(backup.vmId);
    if (backup.status === 'BackingUp' || backup.status === 'Restoring') throw new OperationRefusedError(`Backup ${backup.name} is ${backup.status}: it can be deleted once that ends`);
    if (backup.status === 'Removed') throw new OperationRefusedError(`Backup ${backup.name} is being deleted already`);
    const offering = await store.backups.getOffering(backup.backupOfferingId);
    if (offering?.provider === 'nas') {
      const { jobid } = await removeBackup(store, jobs, backup, { vm, actor: caller, offering, text: `Backup ${backup.name} (${backup.id}) of VM ${vm?.name ?? backup.vmName} deleted` }, now);
      if (!jobid) throw new OperationRefusedError(`Backup ${backup.name} changed while it was being deleted; try again`);
      return { kind: 'async', jobid };
    }
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.user.backup.DeleteBackupCmd',
      eventType: 'BACKUP.DELETE',
      caller,
      instanceType: 'VirtualMachine',
      instanceId: backup.vmId,
      result: { success: true },
      at: now,
    });
    await store.backups.transact([...store.backups.deleteBackupOperations(backup), ...(await store.jobs.completedOperations(job))], () => new ConcurrentOperationError(`Backup ${backup.name} changed while it was being deleted; try again`));
    if (vm && vm.state !== 'Expunged') await recordVmEvent(store, { type: 'BACKUP.DELETE', actor: { userId: caller.userId }, vm, ok: true, jobId: job.id, text: `Backup ${backup.name} (${backup.id}) of VM ${vm.name} deleted` }, now).catch(() => undefined);
    return { kind: 'async', jobid: job.id };
  },
});
