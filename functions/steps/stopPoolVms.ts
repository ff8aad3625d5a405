import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Vm } from '../../core/entities';
import { InternalError } from '../../core/errors';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter } from '../api/jobs';
import { gracefulStopMs, VM_CMD } from '../api/vm-access';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), poolId: z.string(), attempt: z.number().int().nonnegative() });

/** States in which a VM's domain may run: it must be stopped (or its operation end) before the pool is in maintenance. */
export const MAY_RUN: ReadonlySet<Vm['state']> = new Set<Vm['state']>(['Running', 'Starting', 'Stopping', 'Migrating']);

/** One stop job per VM and round: a UUID from the maintenance job, the VM and the round (a retried step makes the same). */
function stopJobId(jobId: string, vmId: string, attempt: number): string {
  const h = createHash('sha256').update(`${jobId}/${vmId}/${attempt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * One round of a pool's maintenance (the seeds: "stop all guests that have any volume on that
 * storage device"): every Running VM with a volume on the pool that no job holds gets a stop job of
 * its own (graceful, then forced, as stopVirtualMachine does), and is noted for the cancel to start
 * again. Done when none of them may still run. A maintenance cancelled meanwhile is done at once.
 */
export const handler = defineStep(Input, async ({ jobId, poolId, attempt }, { store, now }) => {
  const pool = await store.storage.getPool(poolId, true);
  if (!pool) throw new InternalError(`Storage pool ${poolId} no longer exists`);
  if (pool.activeJobId !== jobId) return { done: true, attempt: attempt + 1, left: [] as string[] };
  const vms = await store.storage.vmsOnPool(poolId);
  const toStop = vms.filter((vm) => vm.state === 'Running' && !vm.activeJobId);
  const jobs = createJobStarter(store, now);
  for (const vm of toStop) {
    try {
      await jobs.startOnVm({
        jobId: stopJobId(jobId, vm.id, attempt),
        workflow: 'stop-vm',
        cmd: VM_CMD('StopVMCmd'),
        eventType: 'VM.STOP',
        caller: SYSTEM_CALLER,
        vm,
        set: { state: 'Stopping', lastUpdated: now().toISOString() },
        input: { hostId: vm.hostId, forced: false, stopTimeoutMs: await gracefulStopMs(store, vm.zoneId) },
      });
    } catch (err) {
      // Taken by another job since it was read (or this round's stop already started): the next round looks again.
      if ((err as Error).name !== 'ConcurrentOperationError') throw err;
    }
  }
  const noted = new Set(pool.maintenanceVmIds ?? []);
  await store.storage.noteMaintenanceVms(poolId, jobId, toStop.map((vm) => vm.id).filter((id) => !noted.has(id)));
  const left = vms.filter((vm) => MAY_RUN.has(vm.state)).map((vm) => vm.name);
  return { done: left.length === 0, attempt: attempt + 1, left };
});
