import { z } from 'zod';
import type { BackupOffering } from '../../../core/entities';
import { Conditions } from '../../store/listing';
import { cataloguePartition } from '../../store/indexing';
import { toBackupOfferingResponse } from '../../views/backup';
import { createLookups } from '../../views/lookups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';

/** listBackupOfferings: the imported offerings, by zone, in the order they were imported. */
export default defineCommand({
  name: 'listBackupOfferings',
  description: 'Lists backup offerings',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'backupoffering',
  related: ['importBackupOffering', 'assignVirtualMachineToBackupOffering'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'The backup offering ID' }),
    zoneid: cs.uuid().optional().meta({ description: 'The zone ID' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const lookups = createLookups(store);
    const where = new Conditions().contains('text', params.keyword?.toLowerCase());
    // Users see the offerings that let them take backups of their own, as CloudStack's list does.
    if (caller.role !== 'rootAdmin') where.eq('allowUserDrivenBackups', true);
    const source = catalogueSource('BACKUPOFFERING', params.id, [params.zoneid !== undefined && ['gsi2', cataloguePartition('BACKUPOFFERING', 'ZONE', params.zoneid)]]);
    return pageOf<BackupOffering>(store, 'backupoffering', { ...source, filter: where.build() }, params, async (o) => toBackupOfferingResponse(o, (await lookups.zone(o.zoneId))?.name));
  },
});
