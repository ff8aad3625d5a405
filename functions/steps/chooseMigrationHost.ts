import { z } from 'zod';
import { cpuRequestOf, explainNoHost } from '../../core/allocator';
import { InsufficientCapacityError, InternalError } from '../../core/errors';
import { OS_CATEGORIES, OS_CATEGORY_NONE } from '../../core/os-catalogue';
import { migrationRequest } from '../api/migration-targets';
import { contextFor } from './chooseHost';
import { findHost } from './find-host';
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
  const [offering, algorithm, pods, clusters, zone] = await Promise.all([
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
  // An administrator's move is not held to pod or cluster allocation flags, only to the hosts' own state.
  const ctx = await contextFor(store, vm, [], { algorithm, rootOwned: true, pods, clusters });
  // The other hosts of its cluster, from the capacity index until one fits (find-host.ts).
  const found = await findHost(
    store,
    { zoneId: vm.zoneId, request, ctx, clusterId: source.clusterId, except: source.id, memoryFactor: ctx.factors(source.clusterId).memory },
    { noOsPreference: NO_OS_PREFERENCE },
  );
  if (found.ok) return { hostId: found.host.id, chosen: true };
  const cluster = clusters.find((c) => c.id === source.clusterId)?.name ?? source.clusterId;
  throw new InsufficientCapacityError(
    explainNoHost(`VM[User|${vm.instanceName}]`, { zone: zone?.name ?? vm.zoneId, cluster }, found.ruledOut, found.unread).replace('create a deployment for', 'find a host to migrate'),
  );
});
