import { z } from 'zod';
import { InvalidParameterError } from '../../core/errors';
import { requireOperable } from '../api/vm-access';
import { derivedJobId, startSystemMigration } from '../system-migration';
import { defineStep } from './define-step';

/** The VM is no longer on the host being drained (it moved, stopped or went): nothing to move. */
export class VmNotOnHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmNotOnHostError';
  }
}

const Input = z.object({ taskToken: z.string().min(1), jobId: z.string(), hostId: z.string(), vmId: z.string() });

/**
 * The callback half of a maintenance Map iteration: start the VM's live migration as its own job
 * (workflows/migrate-vm.asl.json, the allocator choosing a host of its cluster, no waiting for room),
 * which answers this task token when it ends. A VM another job holds is ConcurrentOperationError
 * (the iteration retries), one that left the host is VmNotOnHostError (nothing to do), a VM in a
 * state that cannot move, or a maintenance cancelled meanwhile, fails the iteration with the reason.
 */
export const handler = defineStep(
  Input,
  async ({ taskToken, hostId, vmId }, { store, now }) => {
    const [host, vm] = await Promise.all([store.hosts.get(hostId, true), store.vms.get(vmId, true)]);
    if (!host || host.resourceState !== 'PrepareForMaintenance') throw new InvalidParameterError(`The maintenance of host ${host?.name ?? hostId} was cancelled`);
    // A retried invocation finds the migration it already started (its job id comes from the token).
    const migrationJobId = derivedJobId(taskToken);
    if (vm?.activeJobId === migrationJobId) return { migrationJobId };
    if (!vm || vm.hostId !== hostId) throw new VmNotOnHostError(`VM ${vm?.name ?? vmId} no longer runs on host ${host.name}`);
    requireOperable(vm, ['Running'], 'migrate');
    const started = await startSystemMigration(store, now, vm, { jobId: migrationJobId, notify: { taskToken } });
    return { migrationJobId: started.jobid };
    // The iteration ends when the migration's job ends: its last step answers the token.
  },
  { recordsOwnStep: true },
);
