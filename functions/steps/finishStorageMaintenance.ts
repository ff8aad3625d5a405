import { z } from 'zod';
import type { StoragePool } from '../../core/entities';
import { InternalError } from '../../core/errors';
import { newEvent } from '../../core/events';
import { SYSTEM_CALLER } from '../../core/system';
import { createLookups } from '../views/lookups';
import { toStoragePoolResponse } from '../views/storage';
import { defineStep } from './define-step';
import { MAY_RUN } from './stopPoolVms';
import { Caught, firstFailure, messageOf } from './failures';

const Input = z.object({ jobId: z.string(), poolId: z.string(), failure: z.record(z.string(), Caught).default({}), state: z.string() });


/**
 * End a pool's maintenance: no VM with a volume on it may run -> Maintenance, and the job succeeds
 * with the pool; some still may (a stop that failed, a round limit reached), or a step that failed
 * -> ErrorInMaintenance naming them, and the job fails. The VMs are read again here. A maintenance
 * cancelled meanwhile leaves the pool as cancelStorageMaintenance set it.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, poolId, failure, state }, { store, now }) => {
    const [pool, job] = await Promise.all([store.storage.getPool(poolId, true), store.jobs.get(jobId, true)]);
    if (!pool || !job) throw new InternalError(`Storage pool ${poolId} or job ${jobId} no longer exists`);
    if (job.status !== 0) return { completed: false };
    const vms = await store.storage.vmsOnPool(poolId);
    const running = vms.filter((vm) => MAY_RUN.has(vm.state));
    const [failedBefore, caught] = firstFailure(failure) ?? [];
    const still = running.length ? `${running.length} VM(s) with volumes on it could not be stopped: ${running.map((vm) => `${vm.name} (${vm.state})`).join(', ')}` : undefined;
    const reason = failedBefore ? `${failedBefore} failed: ${messageOf(caught?.Cause) ?? caught?.Error}${still ? `; ${still}` : ''}` : still;
    const cancelled = pool.activeJobId !== jobId;
    const to: 'Maintenance' | 'ErrorInMaintenance' = reason ? 'ErrorInMaintenance' : 'Maintenance';
    const shown: StoragePool = cancelled ? pool : { ...pool, state: to, maintenanceReason: reason, activeJobId: undefined };
    const at = now();
    const outcome = cancelled
      ? { status: 2 as const, result: { errorcode: 530, errortext: `The maintenance of storage pool ${pool.name} was cancelled; it is ${pool.state}` } }
      : reason
        ? { status: 2 as const, result: { errorcode: 530, errortext: `Storage pool ${pool.name} is in ErrorInMaintenance: ${reason}` } }
        : { status: 1 as const, result: { storagepool: await toStoragePoolResponse(shown, createLookups(store), await store.storage.factorOf(pool)) } };
    const completed = await store.jobs.complete(
      jobId,
      {
        ...outcome,
        ...(outcome.status === 2 ? { failedStep: failedBefore ?? 'StopPoolVms', failureReason: outcome.result.errortext, publicErrorText: outcome.result.errortext } : {}),
        step: state,
        created: job.created,
        also: cancelled ? [] : [store.storage.finishMaintenanceOperation(pool, jobId, to, reason)],
      },
      undefined,
      store.vms,
      at,
    );
    if (completed)
      await store.events
        .record(
          newEvent({
            type: 'MAINT.PREPARE.PS',
            caller: { ...SYSTEM_CALLER, userId: job.userId, accountId: job.accountId, accountName: job.accountName, domainId: job.domainId, domainPath: job.domainPath },
            description: outcome.status === 1 ? `Storage pool ${pool.name} is in Maintenance: ${pool.maintenanceVmIds?.length ?? 0} VM(s) stopped` : outcome.result.errortext,
            level: outcome.status === 1 ? 'INFO' : 'ERROR',
            resource: { type: 'StoragePool', id: pool.id, name: pool.name },
            jobId,
          }),
          at,
        )
        .catch(() => undefined);
    return { completed, state: shown.state };
  },
  { recordsOwnStep: true },
);
