import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { backupProviderFor } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** deleteBackupOffering: refused while VMs are assigned to it (its count of them, kept with each assignment). */
export default defineCommand({
  name: 'deleteBackupOffering',
  description: 'Deletes a backup offering',
  since: '4.14.0',
  access: ['rootAdmin'],
  async: false,
  related: ['importBackupOffering', 'listBackupOfferings'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the backup offering' }),
  }),
  async handle({ params, store, command }) {
    const offering = await store.backups.getOffering(params.id, true);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    await backupProviderFor(store, offering.zoneId);
    await store.backups.deleteOffering(offering);
    return { kind: 'success' };
  },
});
