import { z } from 'zod';
import { ConcurrentOperationError, InvalidParameterError } from '../../../core/errors';
import { recordVolumeEvent } from '../../volume-events';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { VOLUME_CMD, volumeForCaller } from '../volume-access';

export default defineCommand({
  name: 'deleteVolume',
  description: 'Deletes a detached disk volume.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  related: ['createVolume', 'listVolumes'],
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the disk volume' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const volume = await volumeForCaller(store, caller, params.id, command);
    if (volume.vmId) throw new InvalidParameterError('Please specify a volume that is not attached to any VM.');
    if (volume.state !== 'Allocated' && volume.state !== 'Ready') throw new InvalidParameterError(`Volume ${volume.name} is ${volume.state}: only an Allocated or Ready volume can be deleted`);
    const gone = () => new ConcurrentOperationError(`Volume ${volume.name} changed while it was being deleted; try again`);
    if (!volume.poolId) {
      // Never placed: no file anywhere, only the record.
      await store.storage.transact(store.storage.volumeDeleteOperations(volume), gone);
      await recordVolumeEvent(store, { type: 'VOLUME.DELETE', actor: caller, volume, ok: true, text: `Deleted volume ${volume.name}` }, now).catch(() => undefined);
      return { kind: 'success' };
    }
    // Its file goes first, removed by a host that reaches its pool; the record and the pool's space
    // go when it is gone (the delete-volume workflow). Meanwhile it shows as Destroy.
    const pool = await store.storage.getPool(volume.poolId);
    const host = pool ? await store.hosts.upHostReaching(pool) : undefined;
    if (!host) throw new InvalidParameterError(`Unable to delete volume ${volume.name}: no host that reaches storage pool ${pool?.name ?? volume.poolId} is Up to remove its file; try again when one is`);
    try {
      await jobs.startOnVolume({
        workflow: 'delete-volume',
        cmd: VOLUME_CMD('DeleteVolumeCmd'),
        eventType: 'VOLUME.DELETE',
        caller,
        volume,
        operations: store.storage.volumeUpdateOperations(volume, { state: 'Destroy' }),
        // Could not start: back as it was.
        undo: () => store.storage.volumeUpdateOperations({ ...volume, state: 'Destroy', version: volume.version + 1 }, { state: volume.state }),
        input: { hostId: host.id, stateBefore: volume.state },
      });
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') throw gone();
      throw err;
    }
    return { kind: 'success' };
  },
});
