import { z } from 'zod';
import type { BackupSchedule } from '../../../core/entities';
import { backupScheduleVmPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { toBackupScheduleResponse } from '../../views/backup';
import { backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { vmForCaller } from '../vm-access';

/** listBackupSchedule: the caller's scope's schedules, or one VM's (its partition, at most one per interval type). */
export default defineCommand({
  name: 'listBackupSchedule',
  description: 'List backup schedule of a VM',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'backupschedule',
  related: ['createBackupSchedule', 'deleteBackupSchedule'],
  params: z.object({
    virtualmachineid: cs.uuid().optional().meta({ description: 'ID of the VM' }),
    id: cs.uuid().optional().meta({ description: 'ID of the backup schedule.', since: '4.21.0' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const scope = await resolveScope(ctx, params, params.id);
    const where = new Conditions();
    let source = await scopePartitions(store, 'BACKUPSCHEDULE', scope, where, params.id);
    if (params.virtualmachineid && !params.id) {
      const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      await backupProviderFor(store, vm.zoneId);
      source = { index: 'gsi4' as const, partitions: [backupScheduleVmPartition(params.virtualmachineid)] };
    }
    where.eq('vmId', params.virtualmachineid).contains('text', params.keyword?.toLowerCase());
    return pageOf<BackupSchedule>(store, 'backupschedule', { ...source, filter: where.build(), countFrom: where.empty && source.index !== 'gsi4' ? (c) => c.n : undefined }, params, (s) => toBackupScheduleResponse(s));
  },
});
