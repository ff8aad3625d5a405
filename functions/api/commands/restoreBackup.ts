import { z } from 'zod';
import { vmUsage } from '../../../core/resource-limits';
import { whyProviderCannot } from '../../../core/backup';
import { EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { volumesOf } from '../../store/storage';
import { agentBounds, backupProviderFor, restoreHost } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { canAccess } from '../../../core/access';

/**
 * restoreBackup (workflows/restore-backup.asl.json): the VM's volumes put back as the backup has
 * them, the VM stopped or destroyed before and Stopped after (a destroyed VM is recovered by it, as
 * in CloudStack). Volumes are matched by id, never by their order (CloudStack #11257): a backup
 * naming a volume the VM no longer has is refused before any job. The VM and the backup are held by
 * the job, so nothing starts, expunges or deletes them meanwhile; a failure leaves both as they were.
 */
export default defineCommand({
  name: 'restoreBackup',
  description: 'Restores an existing stopped or deleted VM using a VM backup',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['listBackups', 'restoreVolumeFromBackupAndAttachToVM'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the backup' }),
  }),
  async handle({ params, store, caller, command, jobs, now }) {
    const backup = await store.backups.getBackup(params.id, true);
    if (!backup || !canAccess(caller, backup)) throw new EntityNotFoundError(command, 'id', params.id);
    if (backup.status !== 'BackedUp') throw new OperationRefusedError('Backup should be in BackedUp state');
    const provider = await backupProviderFor(store, backup.zoneId);
    const found = await store.vms.get(backup.vmId, true);
    if (!found || found.state === 'Expunged' || found.state === 'Expunging') throw new OperationRefusedError('The Instance from which the backup was taken could not be found.');
    // A backup the caller sees of a VM it does not (moved to another account): not found, naming only the backup.
    if (!canAccess(caller, found)) throw new EntityNotFoundError(command, 'id', params.id);
    const vm = found;
    if (vm.state !== 'Stopped' && vm.state !== 'Destroyed') throw new OperationRefusedError('Existing VM should be stopped before being restored from backup');
    const volumes = await volumesOf(store.storage, vm);
    if (volumes.length !== backup.volumes.length) throw new OperationRefusedError('Unable to restore VM with the current backup as the backup has different number of disks as the VM');
    const missing = backup.volumes.find((b) => !volumes.some((v) => v.id === b.uuid));
    if (missing) throw new OperationRefusedError(`Unable to restore VM ${vm.name} from backup ${backup.name}: its ${missing.type} volume ${missing.uuid} (device ${missing.deviceId}) is no longer the VM's; Stratus matches volumes by id, never by order`);
    const offering = await store.backups.getOffering(backup.backupOfferingId, true);
    if (!offering) throw new OperationRefusedError('Failed to find backup offering of the VM backup.');
    const cannot = whyProviderCannot(offering, provider);
    if (cannot) throw new OperationRefusedError(cannot);
    // The nas provider's restore is the work of a host that reaches the VM's pools (its last host when Up).
    const onHost = offering.provider === 'nas' ? { hostId: await restoreHost(store, vm), ...(await agentBounds(store)) } : {};
    // A destroyed VM comes back Stopped when the restore finishes: it must fit the limits now, before its disks are overwritten.
    if (vm.state === 'Destroyed') await store.limits.assertRoom(vm, vmUsage({ ...vm, state: 'Stopped' }));
    const started = await jobs.startOnVm({
      workflow: 'restore-backup',
      cmd: 'org.apache.cloudstack.api.command.user.backup.RestoreBackupCmd',
      eventType: 'BACKUP.RESTORE',
      caller,
      vm,
      set: { backupInProgressId: backup.id, lastUpdated: now.toISOString() },
      also: store.backups.updateBackupOperations(backup, { status: 'Restoring' }),
      input: { backupId: backup.id, provider: offering.provider, vmState: vm.state, ...onHost },
    });
    return { kind: 'async', jobid: started.jobid, id: vm.id };
  },
});
