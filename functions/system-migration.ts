import { createHash } from 'node:crypto';
import type { Vm } from '../core/entities';
import { SYSTEM_CALLER } from '../core/system';
import { createJobStarter, type StartedJob } from './api/jobs';
import { VM_CMD } from './api/vm-access';
import type { Store } from './store';

/** A job id made from a seed (a task token, an import's job id): a UUID, the same on every retry. */
export function derivedJobId(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A live migration Stratus starts itself (a host's drain, an import whose host its offering's tags
 * rule out): its own VM.MIGRATE job (workflows/migrate-vm.asl.json), the allocator choosing a host of
 * the VM's cluster without waiting for room, answering `notify` when it ends.
 */
export function startSystemMigration(store: Store, now: () => Date, vm: Vm, o: { jobId: string; notify: { taskToken?: string } }): Promise<StartedJob> {
  const at = now();
  return createJobStarter(store, now).startOnVm({
    jobId: o.jobId,
    workflow: 'migrate-vm',
    cmd: VM_CMD('MigrateVMCmd', true),
    eventType: 'VM.MIGRATE',
    caller: SYSTEM_CALLER,
    vm,
    set: { state: 'Migrating', lastUpdated: at.toISOString() },
    input: { sourceHostId: vm.hostId, destination: { chosen: false }, notify: o.notify, waitUntil: at.toISOString() }, // no waiting for room
  });
}
