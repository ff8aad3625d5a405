import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'deleteStoragePool',
  description: 'Deletes a storage pool.',
  access: ['rootAdmin'],
  async: false,
  related: ['createStoragePool', 'listStoragePools', 'updateStoragePool'],
  params: z.object({
    id: cs.uuid().meta({ description: 'Storage pool id' }),
    forced: cs.boolean().optional().meta({ description: 'Force destroy storage pool (force expunge volumes in Destroyed state as a part of pool removal)' }),
  }),
  async handle({ params, store, command }) {
    const pool = await store.storage.getPool(params.id, true);
    if (!pool) throw new EntityNotFoundError(command, 'id', params.id);
    // StorageManagerImpl.deletePool: a pool with volumes is kept, whatever `forced` says (Stratus expunges destroyed volumes at once).
    if ((await store.storage.deletePool(pool)) === 'in-use') throw new InvalidParameterError(`Cannot delete pool ${pool.name} as there are associated non-destroyed vols for this pool`);
    return { kind: 'success' };
  },
});
