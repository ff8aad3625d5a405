import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'deleteDiskOffering',
  description: 'Updates a disk offering.',
  access: ['rootAdmin'],
  async: false,
  related: ['createDiskOffering', 'listDiskOfferings', 'updateDiskOffering'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the disk offering' }),
  }),
  async handle({ params, store, command }) {
    const offering = await store.storage.getDiskOffering(params.id);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    // As CloudStack's removal: volumes made from it keep their size and pool; only new ones cannot use it.
    await store.storage.deleteDiskOffering(offering);
    return { kind: 'success' };
  },
});
