import { z } from 'zod';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'enableStorageMaintenance',
  description: 'Puts storage pool into maintenance state',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'storagepool',
  related: ['cancelStorageMaintenance', 'listStoragePools'],
  params: z.object({
    id: cs.uuid().meta({ description: 'Primary storage ID' }),
  }),
  async handle({ params, caller, store, jobs, command }) {
    const pool = await store.storage.getPool(params.id, true);
    if (!pool) throw new EntityNotFoundError(command, 'id', params.id);
    if (pool.activeJobId) throw new ConcurrentOperationError(`Storage pool ${pool.name} is busy: job ${pool.activeJobId} is still operating on it; retry when that job has finished`);
    if (pool.state !== 'Up' && pool.state !== 'Disabled') throw new InvalidParameterError(`Primary storage with id ${pool.id} is not ready for maintenance, as the status is:${pool.state}`);
    // As the seeds have it: no volume is placed on the pool from now on, every VM with a volume on it
    // is stopped (not migrated), and once all are, the pool is in Maintenance (storage-maintenance.asl.json).
    try {
      return await jobs.startOnPool({
        workflow: 'storage-maintenance',
        cmd: 'org.apache.cloudstack.api.command.admin.storage.PreparePrimaryStorageForMaintenanceCmd',
        eventType: 'MAINT.PREPARE.PS',
        caller,
        pool,
        operations: (jobId) => [store.storage.beginMaintenanceOperation(pool, jobId)],
        undo: (jobId) => [store.storage.abandonMaintenanceOperation(pool.id, jobId, pool.state === 'Disabled' ? 'Disabled' : 'Up')],
        input: { stops: { attempt: 0, done: false }, failure: {} },
      });
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') throw new ConcurrentOperationError(`Storage pool ${pool.name} changed while its maintenance was being started; try again`);
      throw err;
    }
  },
});
