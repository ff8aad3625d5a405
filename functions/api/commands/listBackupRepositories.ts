import { z } from 'zod';
import type { BackupRepository } from '../../../core/entities';
import { cataloguePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { toBackupRepositoryResponse } from '../../views/backup';
import { createLookups } from '../../views/lookups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';

/** listBackupRepositories: every zone's, or one zone's (its partition). */
export default defineCommand({
  name: 'listBackupRepositories',
  description: 'Lists all backup repositories',
  since: '4.20.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'backuprepository',
  related: ['addBackupRepository'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'ID of the backup repository' }),
    name: cs.string().optional().meta({ description: 'name of the backup repository' }),
    zoneid: cs.uuid().optional().meta({ description: 'ID of the zone where the backup repository is to be added' }),
    provider: cs.string().optional().meta({ description: 'the backup repository provider' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const source = catalogueSource('BACKUPREPOSITORY', params.id, [params.zoneid !== undefined && ['gsi2', cataloguePartition('BACKUPREPOSITORY', 'ZONE', params.zoneid)]]);
    const where = new Conditions().eq('zoneId', params.zoneid).named(params.name).eq('provider', params.provider).contains('text', params.keyword?.toLowerCase());
    const lookups = createLookups(store);
    return pageOf<BackupRepository>(store, 'backuprepository', { ...source, filter: where.build() }, params, async (r) => toBackupRepositoryResponse(r, (await lookups.zone(r.zoneId))?.name));
  },
});
