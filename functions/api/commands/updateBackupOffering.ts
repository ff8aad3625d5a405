import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { toBackupOfferingResponse } from '../../views/backup';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** updateBackupOffering: its name, description, and whether users may take backups of their own. */
export default defineCommand({
  name: 'updateBackupOffering',
  description: 'Updates a backup offering.',
  since: '4.16.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'backupoffering',
  related: ['listBackupOfferings'],
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the Backup Offering to be updated' }),
    name: cs.string().optional().meta({ description: 'The name of the Backup Offering to be updated' }),
    description: cs.string().optional().meta({ description: 'The description of the Backup Offering to be updated' }),
    allowuserdrivenbackups: cs.boolean().optional().meta({ description: 'Whether to allow user driven backups or not', since: '4.16.0' }),
  }),
  async handle({ params, store, command }) {
    const offering = await store.backups.getOffering(params.id, true);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    if (params.name === undefined && params.description === undefined && params.allowuserdrivenbackups === undefined) throw new InvalidParameterError(`Can't update Backup Offering [id: ${params.id}] because there are no parameters to be updated, at least one of the following should be informed: name, description or allowUserDrivenBackups.`);
    const updated = await store.backups.updateOffering(offering, { name: params.name, description: params.description, allowUserDrivenBackups: params.allowuserdrivenbackups });
    return { kind: 'object', key: 'backupoffering', value: toBackupOfferingResponse(updated, (await store.inventory.getZone(updated.zoneId))?.name) };
  },
});
