import { z } from 'zod';
import { DUMMY_POLICIES, nasPolicyOf, type ProviderOffering } from '../../../core/backup';
import { EntityNotFoundError } from '../../../core/errors';
import { toProviderOfferingResponse } from '../../views/backup';
import { backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';

/**
 * listBackupProviderOfferings: the policies the zone's provider offers, to import as backup
 * offerings. The dummy provider's two policies; the nas provider's are its backup repositories.
 */
export default defineCommand({
  name: 'listBackupProviderOfferings',
  description: 'Lists external backup offerings of the provider',
  since: '4.14.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'backupoffering',
  related: ['importBackupOffering', 'listBackupProviders'],
  params: z.object({
    zoneid: cs.uuid().meta({ description: 'The zone ID' }),
    ...listParams,
  }),
  async handle({ params, store, command }) {
    const zone = await store.inventory.getZone(params.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    const provider = await backupProviderFor(store, zone.id);
    const policies: readonly ProviderOffering[] = provider === 'dummy' ? DUMMY_POLICIES : (await store.backups.repositoriesOfZone(zone.id)).map(nasPolicyOf);
    return listOf('backupoffering', policies.map((p) => ({ ...p, id: p.externalId })), params, (p) => [p.name, p.description], (p) => toProviderOfferingResponse(p, provider, zone));
  },
});
