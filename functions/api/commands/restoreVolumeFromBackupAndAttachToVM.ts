import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { whyProviderCannot } from '../../../core/backup';
import { backupFileOf } from '../../../core/agent-commands';
import { canAccess } from '../../../core/access';
import type { Volume } from '../../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { recordVmEvent } from '../../vm-events';
import { backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';
import { attachVolume } from '../volume-access';

/**
 * restoreVolumeFromBackupAndAttachToVM: one backed-up volume (named by its id in the backup, as
 * CloudStack's `volumeid`) made again as a new data disk of the VM's owner and attached to the VM,
 * running (hot-plugged by the attach-volume workflow) or stopped. A nas backup's copy becomes the
 * new volume's file where it is first made (the hot-plug's host, or the VM's next start). The dummy provider restores no
 * data, as CloudStack's: the disk comes back blank at the backed-up size and offering. If the
 * attach is refused the new volume goes again, so nothing is left half-made.
 */
export default defineCommand({
  name: 'restoreVolumeFromBackupAndAttachToVM',
  description: 'Restore and attach a backed up volume to VM',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['restoreBackup', 'listBackups', 'attachVolume'],
  params: z.object({
    backupid: cs.uuid().meta({ description: 'ID of the VM backup' }),
    volumeid: cs.string().meta({ description: 'ID of the volume backed up' }),
    virtualmachineid: cs.uuid().meta({ description: 'id of the VM where to attach the restored volume' }),
  }),
  async handle({ params, store, caller, command, jobs, now }) {
    if (!params.volumeid.trim()) throw new OperationRefusedError('Invalid volume ID passed');
    const backup = await store.backups.getBackup(params.backupid, true);
    if (!backup || !canAccess(caller, backup)) throw new OperationRefusedError('Provided backup not found');
    if (backup.status !== 'BackedUp') throw new OperationRefusedError('Backup should be in BackedUp state');
    const provider = await backupProviderFor(store, backup.zoneId);
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    if (vm.backupOfferingId && !(await store.settings.getBoolean('backup.enable.attach.detach.of.volumes'))) throw new OperationRefusedError('The selected VM has backups, cannot restore and attach volume to the VM.');
    if (backup.zoneId !== vm.zoneId) throw new OperationRefusedError('Cross zone backup restoration of volume is not allowed');
    const info = backup.volumes.find((v) => v.uuid === params.volumeid);
    if (!info) throw new OperationRefusedError(`Failed to find volume with Id ${params.volumeid} in the backed-up volumes metadata`);
    const offering = await store.backups.getOffering(backup.backupOfferingId, true);
    if (!offering) throw new OperationRefusedError('Failed to find VM backup offering');
    const cannot = whyProviderCannot(offering, provider);
    if (cannot) throw new OperationRefusedError(cannot);
    const [account, diskOffering] = await Promise.all([store.tenancy.getAccount(vm.accountId), info.diskOfferingId ? store.storage.getDiskOffering(info.diskOfferingId) : undefined]);
    const id = randomUUID();
    const volume: Volume = {
      id,
      name: `RestoredVol-${backup.name}-${info.deviceId}`,
      type: 'DATADISK',
      state: 'Allocated',
      size: info.size,
      accountId: vm.accountId,
      accountName: account?.name ?? '',
      domainId: vm.domainId,
      domainPath: vm.domainPath,
      zoneId: vm.zoneId,
      path: id,
      // The nas provider's copy is what its file is made from, where it is first needed (a running VM's hot-plug, a stopped one's next start).
      ...(offering.provider === 'nas' && backup.externalId ? { restoreFrom: { repositoryId: offering.externalId, path: backup.externalId, file: backupFileOf({ type: info.type, volumeId: info.uuid }) } } : {}),
      provisioningType: diskOffering?.provisioningType ?? 'thin',
      ...(diskOffering ? { diskOfferingId: diskOffering.id } : {}),
      created: now.toISOString(),
      version: 1,
    };
    await store.storage.transact(store.storage.volumeCreateOperations(volume), () => new ConcurrentOperationError(`Volume ${volume.id} exists`));
    try {
      const started = await attachVolume({ store, caller, jobs, now, command }, volume, vm, undefined, 'org.apache.cloudstack.api.command.user.backup.RestoreVolumeFromBackupAndAttachToVMCmd');
      await recordVmEvent(store, { type: 'BACKUP.RESTORE', actor: caller, vm, ok: true, text: `Volume ${info.uuid} (device ${info.deviceId}) of backup ${backup.name} (${backup.id}) restored as volume ${volume.name} (${volume.id}) and attached to VM ${vm.name}` }, now).catch(() => undefined);
      return started;
    } catch (err) {
      await store.storage.transact(store.storage.volumeDeleteOperations(volume), () => new ConcurrentOperationError(`Volume ${volume.id} changed`)).catch(() => undefined);
      throw err;
    }
  },
});
