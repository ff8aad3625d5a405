import { z } from 'zod';
import type { Backup } from '../../../core/entities';
import { backupVmPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { toBackupResponse } from '../../views/backup';
import { createLookups } from '../../views/lookups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { vmForCaller } from '../vm-access';

/** listBackups: the caller's scope's backups, or one VM's (its partition), newest last as CloudStack. */
export default defineCommand({
  name: 'listBackups',
  description: 'Lists VM backups',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'backup',
  related: ['createBackup', 'deleteBackup'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'id of the backup' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'id of the VM' }),
    zoneid: cs.uuid().optional().meta({ description: 'list backups by zone id' }),
    name: cs.string().optional().meta({ description: 'list backups by name', since: '4.21.0' }),
    backupofferingid: cs.uuid().optional().meta({ description: 'list backups by backup offering', since: '4.21.0' }),
    listvmdetails: cs.boolean().optional().meta({ description: 'list backups with VM details (Stratus: the VM\'s name and id are always there)', since: '4.21.0' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const scope = await resolveScope(ctx, params, params.id);
    const where = new Conditions();
    let source = await scopePartitions(store, 'BACKUP', scope, where, params.id);
    if (params.virtualmachineid && !params.id) {
      await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      source = { index: 'gsi4' as const, partitions: [backupVmPartition(params.virtualmachineid)] };
    }
    where.eq('vmId', params.virtualmachineid).eq('zoneId', params.zoneid).named(params.name).eq('backupOfferingId', params.backupofferingid).contains('text', params.keyword?.toLowerCase());
    const lookups = createLookups(store);
    return pageOf<Backup>(store, 'backup', { ...source, filter: where.build(), countFrom: where.empty && source.index !== 'gsi4' ? (c) => c.n : undefined }, params, (b) => toBackupResponse(b, lookups));
  },
});
