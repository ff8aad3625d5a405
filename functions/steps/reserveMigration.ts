import { z } from 'zod';
import { cpuRequestOf } from '../../core/allocator';
import { CapacityRaceError, InsufficientCapacityError, ResourceUnavailableError } from '../../core/errors';
import { limitsFor } from '../store/placement';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

/**
 * `waitUntil`: a migration to a full host the administrator named waits for room until then (R-MIG.3);
 * `chosen`: the allocator chose the host, so a lost race chooses again instead of waiting.
 */
const Input = z.object({ jobId: z.string(), vmId: z.string(), hostId: z.string(), waitUntil: z.string().optional(), forScale: z.boolean().default(false), chosen: z.boolean().default(false), state: z.string() });

/** First pause between looks for room on a full destination, doubled each time up to the last. */
const FIRST_RETRY_SECONDS = 1;
const MAX_RETRY_SECONDS = 30;

/**
 * Hold the VM's size (the size it is being scaled to, if it moves to grow) on the destination for
 * the time it moves. No room: while `waitUntil` has not passed the workflow waits and looks again
 * (`{reserved: false, retryInSeconds}`), after it the migration fails with 533 and the VM stays.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, hostId, waitUntil, forScale, chosen, state }, { store, now }) => {
  const [vm, host] = await Promise.all([heldVm(store, vmId, jobId), store.hosts.get(hostId, true)]);
  if (!host) throw new ResourceUnavailableError(`The destination host ${hostId} no longer exists`);
  if (host.resourceState !== 'Enabled') throw new ResourceUnavailableError(`The destination host ${host.name} is ${host.resourceState}: it takes no VMs`);
  const target = forScale ? vm.pendingScale : undefined;
  const size = target ? { cpu: cpuRequestOf(target), memory: target.memory } : { cpu: cpuRequestOf(vm), memory: vm.memory };
  try {
    const outcome = await store.moves.reserveMigration(vm, host, size, store.vms, await limitsFor(store.settings, store.affinity, vm, host), now());
    return { reserved: true, outcome };
  } catch (err) {
    // A host the allocator chose (or a scale's move, which never waits) lost its room to a racing
    // move: the workflow chooses again. Only a host the administrator named is waited for.
    if (!(err instanceof CapacityRaceError) || chosen || !waitUntil) throw err;
    const left = Date.parse(waitUntil) - now().getTime();
    if (left <= 0)
      throw new InsufficientCapacityError(`Host ${host.name} has no room for VM ${vm.instanceName} (${size.cpu} MHz, ${size.memory} MiB) and none came free before ${waitUntil}`);
    // Each earlier look recorded this state in the job's steps: the pause doubles with every one.
    const waited = (await store.jobs.get(jobId, true))?.steps.filter((s) => s.name === state).length ?? 0;
    const retryInSeconds = Math.max(1, Math.min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** waited, Math.ceil(left / 1000)));
    return { reserved: false, retryInSeconds };
  }
});
