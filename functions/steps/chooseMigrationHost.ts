import { z } from 'zod';
import { allocate, cpuRequestOf, explainNoHost, ruleOut } from '../../core/allocator';
import { InsufficientCapacityError, InternalError } from '../../core/errors';
import { OS_CATEGORIES, OS_CATEGORY_NONE } from '../../core/os-catalogue';
import { migrationRequest } from '../api/migration-targets';
import { contextFor } from './chooseHost';
import { heldVm } from './held-vm';
import { defineStep } from './define-step';

/** `forScale`: the VM moves to grow, so the destination must take its pending scale's size. */
const Input = z.object({ jobId: z.string(), vmId: z.string(), forScale: z.boolean().default(false) });

const NO_OS_PREFERENCE = new Set(OS_CATEGORIES.filter((c) => c.name === OS_CATEGORY_NONE).map((c) => c.id));

/**
 * Where a running VM can live-migrate to: another host of its own cluster (KVM migrates within a
 * cluster, on shared storage), chosen by the allocator with the VM's tags, OS preference and
 * affinity, for the size it will have there (its pending scale, if it moves to grow). None: 533
 * naming what ruled each host out.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, forScale }, { store }) => {
  const vm = await heldVm(store, vmId, jobId);
  if (!vm.hostId) throw new InternalError(`VM ${vmId} runs on no host`);
  const source = await store.hosts.get(vm.hostId, true);
  if (!source) throw new InternalError(`Host ${vm.hostId} of VM ${vmId} no longer exists`);
  const [hosts, offering, algorithm, pods, clusters, zone] = await Promise.all([
    store.hosts.listInZone(vm.zoneId),
    store.inventory.getServiceOffering((forScale ? vm.pendingScale?.serviceOfferingId : undefined) ?? vm.serviceOfferingId),
    store.settings.get('vm.allocation.algorithm', { zoneId: vm.zoneId }),
    store.inventory.listPodsInZone(vm.zoneId),
    store.inventory.listClustersInZone(vm.zoneId),
    store.inventory.getZone(vm.zoneId),
  ]);
  const target = forScale ? vm.pendingScale : undefined;
  const size = target ? { cpu: cpuRequestOf(target), memory: target.memory } : undefined;
  // A host affinity group whose only member is this VM goes with it (migrationRequest).
  const request = await migrationRequest(store, vm, offering, size);
  const candidates = hosts.filter((h) => h.clusterId === source.clusterId && h.id !== source.id);
  // An administrator's move is not held to pod or cluster allocation flags, only to the hosts' own state.
  const ctx = await contextFor(store, vm, candidates, { algorithm, rootOwned: true, pods, clusters });
  for (;;) {
    const allocation = allocate(candidates, request, ctx, { noOsPreference: NO_OS_PREFERENCE });
    if (!allocation.ok) {
      const cluster = clusters.find((c) => c.id === source.clusterId)?.name ?? source.clusterId;
      throw new InsufficientCapacityError(explainNoHost(`VM[User|${vm.instanceName}]`, { zone: zone?.name ?? vm.zoneId, cluster }, allocation.ruledOut).replace('create a deployment for', 'find a host to migrate'));
    }
    const fresh = await store.hosts.get(allocation.host.id, true);
    if (fresh && !ruleOut(fresh, request, ctx)) return { hostId: fresh.id, chosen: true };
    // Stale in the index: judge the host on what it really is now, and look again.
    candidates.splice(candidates.indexOf(allocation.host), 1, ...(fresh ? [fresh] : []));
  }
});
