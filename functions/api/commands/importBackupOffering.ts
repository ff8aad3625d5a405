import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DUMMY_POLICIES } from '../../../core/backup';
import type { BackupOffering } from '../../../core/entities';
import { EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { finishedJob } from '../../store/jobs';
import { toBackupOfferingResponse } from '../../views/backup';
import { backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** importBackupOffering: one of the zone provider's policies becomes a backup offering VMs can be assigned to. */
export default defineCommand({
  name: 'importBackupOffering',
  description: 'Imports a backup offering using a backup provider',
  since: '4.14.0',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'backupoffering',
  related: ['listBackupProviderOfferings', 'listBackupOfferings', 'deleteBackupOffering'],
  params: z.object({
    name: cs.string().meta({ description: 'the name of the backup offering' }),
    description: cs.string().meta({ description: 'the description of the backup offering' }),
    externalid: cs.string().meta({ description: 'The backup offering ID (from backup provider side)' }),
    zoneid: cs.uuid().meta({ description: 'The zone ID' }),
    allowuserdrivenbackups: cs.boolean().meta({ description: 'Whether users are allowed to create adhoc backups and backup schedules' }),
  }),
  async handle({ params, store, caller, command, now }) {
    const zone = await store.inventory.getZone(params.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    const provider = await backupProviderFor(store, zone.id);
    // The dummy provider's policies, or the nas provider's: the zone's backup repositories, by id.
    const repository = provider === 'nas' ? await store.backups.getRepository(params.externalid, true) : undefined;
    const exists = provider === 'dummy' ? DUMMY_POLICIES.some((p) => p.externalId === params.externalid) : repository?.zoneId === zone.id;
    if (!exists) throw new OperationRefusedError(`Backup offering '${params.externalid}' does not exist on provider ${provider} on zone ${zone.id}`);
    const offering: BackupOffering = {
      id: randomUUID(),
      name: params.name,
      description: params.description,
      externalId: params.externalid,
      provider,
      zoneId: zone.id,
      allowUserDrivenBackups: params.allowuserdrivenbackups,
      assignedVms: 0,
      created: now.toISOString(),
      version: 1,
    };
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.admin.backup.ImportBackupOfferingCmd',
      eventType: 'BACKUP.IMPORT.OFFERING',
      caller,
      instanceType: 'BackupOffering',
      instanceId: offering.id,
      result: { backupoffering: toBackupOfferingResponse(offering, zone.name) },
      at: now,
    });
    await store.backups.createOffering(offering, job);
    return { kind: 'async', jobid: job.id, id: offering.id };
  },
});
