import { z } from 'zod';
import { BACKUP_PROVIDERS } from '../../../core/backup';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listOf } from '../listing';

/** listBackupProviders: the backup providers Stratus has (CloudStack's BackupProvider plugins it carries). */
export default defineCommand({
  name: 'listBackupProviders',
  description: 'Lists Backup and Recovery providers',
  since: '4.14.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'providers',
  related: ['listBackupProviderOfferings', 'importBackupOffering'],
  params: z.object({
    name: cs.string().optional().meta({ description: 'List Backup and Recovery provider by name' }),
  }),
  async handle({ params }) {
    return listOf('providers', BACKUP_PROVIDERS.map((p) => ({ ...p, id: p.name })), { name: params.name }, (p) => [p.name], (p) => ({ name: p.name, description: p.description }));
  },
});
