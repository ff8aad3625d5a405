import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { newEvent } from '../../core/events';
import { SYSTEM_CALLER } from '../../core/system';
import { hostResponseOf } from '../views/host';
import { defineStep } from './define-step';
import { Caught, firstFailure, messageOf } from './failures';

/** What each Map iteration ended with: moved, or the error that kept the VM on the host. */
const Move = z.object({
  vmId: z.string(),
  name: z.string().optional(),
  moved: z.boolean(),
  failure: Caught.optional(),
});
/** `failure`: a step before the drain that failed (ListHostVms), caught at `$.failure.<State>`. */
const Input = z.object({ jobId: z.string(), hostId: z.string(), moves: z.array(Move), failure: z.record(z.string(), Caught).default({}), state: z.string() });

/** Why a VM stayed: its migration's error message, or that it is still placed on the host. */
const reasonOf = (failure: Caught | undefined): string => (failure ? (messageOf(failure.Cause) ?? failure.Error) : 'it is still placed on the host');

/**
 * End the drain: no VM left on the host -> Maintenance, and the job succeeds with the host; VMs
 * still on it, or a step before the drain that failed -> ErrorInMaintenance with each one's reason,
 * and the job fails naming them (and that step). The VMs are read again rather than taken from
 * the iterations, so one that left by itself meanwhile (a user's stop) is not blamed. A maintenance
 * cancelled meanwhile leaves the host as cancelHostMaintenance set it.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, hostId, moves, failure, state }, { store, now }) => {
    const [host, job] = await Promise.all([store.hosts.get(hostId, true), store.jobs.get(jobId, true)]);
    if (!host || !job) throw new InternalError(`Host ${hostId} or job ${jobId} no longer exists`);
    if (job.status !== 0) return { completed: false };
    const left = (await store.vms.listOnHost(hostId)).filter((vm) => vm.hostId === hostId);
    const why = new Map(moves.map((m) => [m.vmId, reasonOf(m.failure)]));
    // A drain that could not start (its VMs unread) ends in ErrorInMaintenance naming that step, whatever is left.
    const [failedBefore, caught] = firstFailure(failure) ?? [];
    const unmoved = left.length ? `${left.length} VM(s) could not be moved off host ${host.name}: ${left.map((vm) => `${vm.name} (${vm.id}): ${why.get(vm.id) ?? reasonOf(undefined)}`).join('; ')}` : undefined;
    const reason = failedBefore ? `${failedBefore} failed: ${reasonOf(caught)}${unmoved ? `; ${unmoved}` : ''}` : unmoved;
    const cancelled = host.resourceState !== 'PrepareForMaintenance';
    const to = reason ? 'ErrorInMaintenance' : 'Maintenance';
    const at = now();
    const shown = { ...host, resourceState: cancelled ? host.resourceState : to, maintenanceReason: cancelled ? undefined : reason, activeJobId: undefined };
    const outcome = cancelled
      ? { status: 2 as const, result: { errorcode: 530, errortext: `The maintenance of host ${host.name} was cancelled; it is ${host.resourceState}` } }
      : reason
        ? { status: 2 as const, result: { errorcode: 530, errortext: `Host ${host.name} is in ErrorInMaintenance: ${reason}` } }
        : { status: 1 as const, result: { host: await hostResponseOf(store, shown) } };
    const completed = await store.jobs.complete(
      jobId,
      {
        ...outcome,
        ...(outcome.status === 2 ? { failedStep: failedBefore ?? 'MigrateEachVm', failureReason: outcome.result.errortext, publicErrorText: outcome.result.errortext } : {}),
        step: state,
        created: job.created,
        also: [store.maintenance.finishOperation(host, jobId, to, reason)],
      },
      undefined,
      store.vms,
      at,
    );
    if (completed)
      await store.events.record(
        newEvent({
          type: 'MAINT.PREPARE',
          caller: { ...SYSTEM_CALLER, userId: job.userId, accountId: job.accountId, accountName: job.accountName, domainId: job.domainId, domainPath: job.domainPath },
          description: outcome.status === 1 ? `Host ${host.name} is in Maintenance: ${moves.length} VM(s) moved off it` : outcome.result.errortext,
          level: outcome.status === 1 ? 'INFO' : 'ERROR',
          resource: { type: 'Host', id: host.id, name: host.name },
          jobId,
        }),
        at,
      );
    return { completed, resourceState: shown.resourceState };
  },
  { recordsOwnStep: true },
);
