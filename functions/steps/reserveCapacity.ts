import { z } from 'zod';
import { ConcurrentOperationError, InternalError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), hostId: z.string() });

/** Reserve the VM's CPU and memory on the chosen host, with its placement, in one transaction. */
export const handler = defineStep(Input, async ({ jobId, vmId, hostId }, { store }) => {
  const [vm, host] = await Promise.all([store.vms.get(vmId, true), store.hosts.get(hostId, true)]);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  // A workflow whose job was already settled (its start was reported failed) must not take capacity.
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  if (!host) throw new InternalError(`Host ${hostId} does not exist`);
  const outcome = await store.placement.reserve(vm, host, store.vms);
  return { hostId, outcome };
});
