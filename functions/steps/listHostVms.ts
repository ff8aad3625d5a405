import { z } from 'zod';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), hostId: z.string() });

/** The VMs placed on the host (holding its capacity), each to be moved off it by the maintenance's Map. */
export const handler = defineStep(Input, async ({ hostId }, { store }) => {
  const vms = (await store.vms.listOnHost(hostId)).filter((vm) => vm.hostId === hostId);
  return { vms: vms.map((vm) => ({ vmId: vm.id, name: vm.name })), count: vms.length };
});
