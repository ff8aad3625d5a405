import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { clusterLimits } from '../store/placement';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/**
 * Hold the growth of the pending scale on the VM's own host, within the host cluster's ceilings.
 * No room: CapacityRaceError, and the workflow moves the VM to a host that has it.
 */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => {
  const vm = await heldVm(store, vmId, jobId);
  const host = vm.hostId ? await store.hosts.get(vm.hostId, true) : undefined;
  if (!host) throw new InternalError(`VM ${vmId} runs on no known host`);
  return { outcome: await store.moves.reserveScale(vm, host, store.vms, await clusterLimits(store.settings, host)) };
});
