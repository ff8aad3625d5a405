import { z } from 'zod';
import { cpuRequestOf, explainNoHost, firstFit } from '../../core/allocator';
import { InsufficientCapacityError, InternalError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ vmId: z.string() });

/** Pick a host in the VM's zone with room for it; none: 533 naming what ruled each host out. */
export const handler = defineStep(Input, async ({ vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  const [zone, hosts, offering] = await Promise.all([
    store.inventory.getZone(vm.zoneId),
    store.hosts.listInZone(vm.zoneId),
    store.inventory.getServiceOffering(vm.serviceOfferingId),
  ]);
  const hostTags = offering?.hostTags ? offering.hostTags.split(',').map((t) => t.trim()).filter(Boolean) : [];
  const allocation = firstFit(hosts, { cpu: cpuRequestOf(vm), memory: vm.memory, hostTags });
  if (!allocation.ok) throw new InsufficientCapacityError(explainNoHost(`VM[User|${vm.instanceName}]`, zone?.name ?? vm.zoneId, allocation.ruledOut));
  return { hostId: allocation.host.id };
});
