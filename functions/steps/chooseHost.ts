import { z } from 'zod';
import { cpuRequestOf, explainNoHost, firstFit } from '../../core/allocator';
import { ConcurrentOperationError, InsufficientCapacityError, InternalError } from '../../core/errors';
import type { Host } from '../../core/entities';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string() });

/**
 * Pick a host in the VM's zone with room for it; none: 533 naming what ruled each host out. The
 * zone's index may lag behind a reservation that just committed, so the pick is confirmed on a
 * consistent read of the host: after a lost race the workflow never picks the full host again.
 */
export const handler = defineStep(Input, async ({ jobId, vmId }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  const [zone, hosts, offering] = await Promise.all([
    store.inventory.getZone(vm.zoneId),
    store.hosts.listInZone(vm.zoneId),
    store.inventory.getServiceOffering(vm.serviceOfferingId),
  ]);
  const hostTags = offering?.hostTags ? offering.hostTags.split(',').map((t) => t.trim()).filter(Boolean) : [];
  const request = { cpu: cpuRequestOf(vm), memory: vm.memory, hostTags };
  const candidates: Host[] = [...hosts];
  for (;;) {
    const allocation = firstFit(candidates, request);
    if (!allocation.ok) throw new InsufficientCapacityError(explainNoHost(`VM[User|${vm.instanceName}]`, zone?.name ?? vm.zoneId, allocation.ruledOut));
    const fresh = await store.hosts.get(allocation.host.id, true);
    if (fresh && firstFit([fresh], request).ok) return { hostId: fresh.id };
    // Stale in the index: judge the host on what it really is now, and look again.
    candidates.splice(candidates.indexOf(allocation.host), 1, ...(fresh ? [fresh] : []));
  }
});
