import { z } from 'zod';
import type { StoragePool } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { newEvent } from '../../../core/events';
import { finishedJob } from '../../store/jobs';
import { createLookups } from '../../views/lookups';
import { toStoragePoolResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { VM_CMD } from '../vm-access';

const IN_MAINTENANCE: ReadonlySet<StoragePool['state']> = new Set(['PrepareForMaintenance', 'Maintenance', 'ErrorInMaintenance']);

export default defineCommand({
  name: 'cancelStorageMaintenance',
  description: 'Cancels maintenance for primary storage',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'storagepool',
  related: ['enableStorageMaintenance', 'listStoragePools'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the primary storage ID' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const pool = await store.storage.getPool(params.id, true);
    if (!pool) throw new EntityNotFoundError(command, 'id', params.id);
    if (!IN_MAINTENANCE.has(pool.state)) throw new InvalidParameterError(`Primary storage with id ${pool.id} is not ready to complete maintenance, as the status is:${pool.state}`);
    // Back in service first (a maintenance still stopping VMs sees it cancelled and stops no more)...
    const factor = await store.storage.factorOf(pool);
    const back = { ...pool, state: pool.stateBefore ?? ('Up' as const) };
    const job = finishedJob({ cmd: 'org.apache.cloudstack.api.command.admin.storage.CancelPrimaryStorageMaintenanceCmd', eventType: 'MAINT.CANCEL.PS', caller, instanceType: 'StoragePool', instanceId: pool.id, result: { storagepool: await toStoragePoolResponse({ ...back, activeJobId: undefined, maintenanceReason: undefined }, createLookups(store), factor) }, at: now });
    const updated = await store.storage.cancelMaintenance(pool, await store.jobs.completedOperations(job));
    // ...then, as the seeds say, "attempt to start all guests that were running at the time of the
    // entry into maintenance mode": each its own start job; one that cannot start is left stopped.
    const started: string[] = [];
    for (const id of pool.maintenanceVmIds ?? []) {
      const vm = await store.vms.get(id, true);
      if (!vm || vm.state !== 'Stopped' || vm.activeJobId) continue;
      try {
        await jobs.startOnVm({ workflow: 'start-vm', cmd: VM_CMD('StartVMCmd'), eventType: 'VM.START', caller, vm, set: { state: 'Starting', lastUpdated: now.toISOString() }, input: { placement: {} } });
        started.push(vm.name);
      } catch {
        // taken by another operation meanwhile: its owner decides
      }
    }
    await store.events
      .record(newEvent({ type: 'MAINT.CANCEL.PS', caller, description: `Storage pool ${pool.name} is ${updated.state} again; starting ${started.length} VM(s) its maintenance stopped${started.length ? `: ${started.join(', ')}` : ''}`, level: 'INFO', resource: { type: 'StoragePool', id: pool.id, name: pool.name }, jobId: job.id }), now)
      .catch(() => undefined);
    return { kind: 'async', jobid: job.id, id: pool.id };
  },
});
