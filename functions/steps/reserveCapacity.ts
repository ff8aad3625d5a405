import { z } from 'zod';
import { CapacityRaceError, ConcurrentOperationError, InternalError } from '../../core/errors';
import { limitsFor } from '../store/placement';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), hostId: z.string() });

/**
 * Reserve the VM's CPU, memory and guest slot on the chosen host, with its placement and its
 * affinity groups' marks, in one transaction held to the host cluster's settings (the same that
 * chooseHost applied). Losing the host's last room is a CapacityRaceError: the workflow chooses again.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, hostId }, { store }) => {
  const [vm, host] = await Promise.all([store.vms.get(vmId, true), store.hosts.get(hostId, true)]);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  // A workflow whose job was already settled (its start was reported failed) must not take capacity.
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  // Deleted since it was chosen: choose again (a VM already placed there keeps the host from deletion).
  if (!host) throw new CapacityRaceError(`Host ${hostId} no longer exists`);
  const outcome = await store.placement.reserve(vm, host, store.vms, await limitsFor(store.settings, store.affinity, vm, host));
  return { hostId, outcome };
});
