import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { toBackupRepositoryResponse } from '../../views/backup';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** updateBackupRepository: its name, address, mount options; backups already taken stay where they are. */
export default defineCommand({
  name: 'updateBackupRepository',
  description: 'Update a backup repository',
  since: '4.20.1',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'backuprepository',
  related: ['listBackupRepositories'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the backup repository' }),
    name: cs.string().optional().meta({ description: 'name of the backup repository' }),
    address: cs.string().optional().meta({ description: 'address of the backup repository' }),
    mountopts: cs.string().optional().meta({ description: 'shared storage mount options' }),
    crosszoneinstancecreation: cs.boolean().optional().meta({ description: 'backup repository is used for cross-zone instance creation', since: '4.21.0' }),
  }),
  async handle({ params, store, command }) {
    const repository = await store.backups.getRepository(params.id, true);
    if (!repository) throw new EntityNotFoundError(command, 'id', params.id);
    if (params.address !== undefined && !params.address.trim()) throw new InvalidParameterError('The address of the backup repository must not be empty');
    const updated = await store.backups.updateRepository(repository, {
      ...(params.name !== undefined ? { name: params.name } : {}),
      ...(params.address !== undefined ? { address: params.address.trim() } : {}),
      ...(params.mountopts !== undefined ? { mountOptions: params.mountopts } : {}),
      ...(params.crosszoneinstancecreation !== undefined ? { crossZoneInstanceCreation: params.crosszoneinstancecreation } : {}),
    });
    return { kind: 'object', key: 'backuprepository', value: toBackupRepositoryResponse(updated, (await store.inventory.getZone(updated.zoneId))?.name) };
  },
});
