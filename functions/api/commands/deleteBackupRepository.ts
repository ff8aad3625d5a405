import { z } from 'zod';
import { EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/**
 * deleteBackupRepository: gone, unless a backup offering was imported from it. CloudStack refuses only
 * when that offering has backups, and leaves an offering without a repository otherwise; Stratus
 * refuses both, so no offering ever points at nothing.
 */
export default defineCommand({
  name: 'deleteBackupRepository',
  description: 'delete a backup repository',
  since: '4.20.0',
  access: ['rootAdmin'],
  async: false,
  related: ['listBackupRepositories', 'deleteBackupOffering'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the backup repository to be deleted' }),
  }),
  async handle({ params, store, command }) {
    const repository = await store.backups.getRepository(params.id, true);
    if (!repository) throw new EntityNotFoundError(command, 'id', params.id);
    await store.backups.deleteRepository(repository, async () => {
      const offerings = (await store.backups.offeringsOfZone(repository.zoneId)).filter((o) => o.provider === 'nas' && o.externalId === repository.id);
      if (offerings.some((o) => (o.backups ?? 0) > 0)) return new OperationRefusedError('Failed to delete backup repository as there are backups present on it');
      return new OperationRefusedError(`Backup repository ${repository.name} is imported as backup offering ${offerings.map((o) => o.name).join(', ')}: delete the offering first`);
    });
    return { kind: 'success' };
  },
});
