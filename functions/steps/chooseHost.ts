import { z } from 'zod';
import {
  allocate,
  cpuRequestOf,
  explainNoHost,
  ruleOut,
  strategyFor,
  type Factors,
  type PlacementContext,
  type PlacementRequest,
  type PlacementScope,
} from '../../core/allocator';
import type { AffinityGroup, Cluster, Host, Pod, ServiceOffering, Vm } from '../../core/entities';
import { ConcurrentOperationError, InsufficientCapacityError, InternalError } from '../../core/errors';
import { OS_CATEGORIES, OS_CATEGORY_NONE, osTypeById } from '../../core/os-catalogue';
import type { Store } from '../store';
import { clusterLimits } from '../store/placement';
import { defineStep } from './define-step';

/** Where an administrator asked the VM to run (deploy or start with podid/clusterid/hostid). */
const Requested = z.object({
  podId: z.string().optional(),
  clusterId: z.string().optional(),
  hostId: z.string().optional(),
  /** a preference, not a constraint: this cluster's hosts are tried first, then the zone's (HA restarts) */
  preferClusterId: z.string().optional(),
});

/**
 * `placement` is the workflow's `$.placement`: the administrator's request on the first call; after
 * a lost race it is this step's own earlier result, `{hostId, requested}`, whose `requested` carries
 * the request on (its `hostId` is only the host that was just lost, not a constraint).
 */
const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  placement: Requested.extend({ requested: Requested.optional() }).optional(),
});

const NO_OS_PREFERENCE = new Set(OS_CATEGORIES.filter((c) => c.name === OS_CATEGORY_NONE).map((c) => c.id));

/**
 * Pick a host for the VM (core/allocator.ts) within its zone, or within the pod, cluster or host an
 * administrator named (no fallback elsewhere); none fits: 533 naming what ruled each host out. The
 * zone's index may lag behind a reservation that just committed, so the pick is confirmed on a
 * consistent read of the host: after a lost race the workflow never picks the full host again.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, placement }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  const requested = placement?.requested ?? { podId: placement?.podId, clusterId: placement?.clusterId, hostId: placement?.hostId, preferClusterId: placement?.preferClusterId };
  const label = `VM[User|${vm.instanceName}]`;

  const [zone, hosts, offering, owner, pods, clusters, groups, algorithm] = await Promise.all([
    store.inventory.getZone(vm.zoneId),
    requested.hostId ? store.hosts.get(requested.hostId, true).then((h) => (h ? [h] : [])) : store.hosts.listInZone(vm.zoneId),
    store.inventory.getServiceOffering(vm.serviceOfferingId),
    store.inventory.getAccount(vm.accountId),
    // The VM's zone only: a deploy never reads the whole inventory's pods and clusters.
    store.inventory.listPodsInZone(vm.zoneId),
    store.inventory.listClustersInZone(vm.zoneId),
    store.affinity.getMany(vm.affinityGroupIds ?? []),
    store.settings.get('vm.allocation.algorithm', { zoneId: vm.zoneId }),
  ]);
  const zoneName = zone?.name ?? vm.zoneId;
  if (requested.hostId && hosts.length === 0) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: host ${requested.hostId} no longer exists`);
  // CloudStack lets a root admin's VMs use disabled zones, pods and clusters (to try them out); nobody else's.
  const rootOwned = owner?.role === 'rootAdmin';
  if (zone && zone.allocationState !== 'Enabled' && !rootOwned) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: zone ${zoneName} is disabled for allocation`);

  const candidates: Host[] = hosts.filter(
    (h) => h.zoneId === vm.zoneId && (!requested.podId || h.podId === requested.podId) && (!requested.clusterId || h.clusterId === requested.clusterId),
  );
  const scope: PlacementScope = {
    zone: zoneName,
    pod: requested.podId ? (pods.find((p) => p.id === requested.podId)?.name ?? requested.podId) : undefined,
    cluster: requested.clusterId ? (clusters.find((c) => c.id === requested.clusterId)?.name ?? requested.clusterId) : undefined,
    host: requested.hostId ? hosts[0].name : undefined,
  };

  const request = await placementRequestFor(store, vm, offering, groups);
  const ctx = await contextFor(store, vm, candidates, { algorithm, rootOwned, pods, clusters });
  // A pin may name a host outside the candidates (another cluster): the explanation names it too.
  for (const a of request.affinity ?? []) {
    if (a.hostId && !ctx.hostNames?.has(a.hostId)) (ctx.hostNames as Map<string, string>).set(a.hostId, (await store.hosts.get(a.hostId))?.name ?? a.hostId);
  }

  // A VM started again goes back to its last host when that host can take it, as CloudStack's planner
  // considers the last host first: its domain and disks are there.
  // With local storage (the offering's storageType) its disks exist only there, so it is the only choice.
  const last = !requested.hostId && vm.lastHostId ? candidates.find((h) => h.id === vm.lastHostId) : undefined;
  if (last) {
    const fresh = await store.hosts.get(last.id, true);
    const why = fresh ? ruleOut(fresh, request, ctx) : undefined;
    if (fresh && !why) return { hostId: fresh.id, requested };
    if (offering?.storageType === 'local')
      throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: its disks are on host ${last.name} (local storage), which cannot take it: ${why?.detail ?? 'the host is gone'}`);
  }

  for (;;) {
    // An HA restart tries the cluster the VM ran in first, then the rest of its zone (never another zone).
    const preferred = requested.preferClusterId ? candidates.filter((h) => h.clusterId === requested.preferClusterId) : [];
    const inPreferred = preferred.length > 0 ? allocate(preferred, request, ctx, { noOsPreference: NO_OS_PREFERENCE }) : undefined;
    const allocation = inPreferred?.ok ? inPreferred : allocate(candidates, request, ctx, { noOsPreference: NO_OS_PREFERENCE });
    if (!allocation.ok) throw new InsufficientCapacityError(explainNoHost(label, scope, allocation.ruledOut));
    const fresh = await store.hosts.get(allocation.host.id, true);
    if (fresh && !ruleOut(fresh, request, ctx)) return { hostId: fresh.id, requested };
    // Stale in the index: judge the host on what it really is now, and look again.
    candidates.splice(candidates.indexOf(allocation.host), 1, ...(fresh ? [fresh] : []));
  }
});

/**
 * What the VM asks of a host: its size (or `size`, the one it is being scaled to), its offering's
 * host tags, its OS category, and its affinity groups with the host each one's members share.
 */
export async function placementRequestFor(
  store: Store,
  vm: Vm,
  offering: ServiceOffering | undefined,
  groups: readonly AffinityGroup[],
  size: { cpu: number; memory: number } = { cpu: cpuRequestOf(vm), memory: vm.memory },
): Promise<PlacementRequest> {
  const affinityGroups = groups.filter((g) => g.type === 'host affinity');
  const pins = await store.affinity.pins(affinityGroups.map((g) => g.id));
  return {
    cpu: size.cpu,
    memory: size.memory,
    hostTags: offering?.hostTags ? offering.hostTags.split(',').map((t) => t.trim()).filter(Boolean) : [],
    osCategoryId: osTypeById(vm.osTypeId)?.categoryId,
    antiAffinity: groups.filter((g) => g.type === 'host anti-affinity').map((g) => ({ id: g.id, name: g.name })),
    affinity: affinityGroups.map((g) => {
      const pin = pins.get(g.id);
      return { id: g.id, name: g.name, hostId: pin && pin.placed > 0 ? pin.hostId : undefined };
    }),
  };
}

/** The settings, allocation states and the owner's VMs the allocator weighs for these candidates. */
export async function contextFor(
  store: Store,
  vm: Vm,
  candidates: readonly Host[],
  zoneInfo: { algorithm: string; rootOwned: boolean; pods: readonly Pod[]; clusters: readonly Cluster[] },
): Promise<PlacementContext> {
  const strategy = strategyFor(zoneInfo.algorithm);
  const clusterIds = [...new Set(candidates.map((h) => h.clusterId))];
  const limits = new Map(await Promise.all(clusterIds.map(async (clusterId) => [clusterId, await clusterLimits(store.settings, { zoneId: vm.zoneId, clusterId })] as const)));
  const disabled = (list: ReadonlyArray<Pod | Cluster>) =>
    new Map(zoneInfo.rootOwned ? [] : list.filter((x) => x.zoneId === vm.zoneId && x.allocationState !== 'Enabled').map((x) => [x.id, x.name] as [string, string]));

  let accountVmsByHost: Map<string, number> | undefined;
  let accountVmsByPod: Map<string, number> | undefined;
  if (strategy.order === 'dispersing' || strategy.concentratePods) {
    const podOf = new Map(candidates.map((h) => [h.id, h.podId]));
    accountVmsByHost = new Map();
    accountVmsByPod = new Map();
    for (const other of await store.vms.listByAccount(vm.accountId)) {
      if (!other.hostId || other.id === vm.id) continue;
      accountVmsByHost.set(other.hostId, (accountVmsByHost.get(other.hostId) ?? 0) + 1);
      const pod = podOf.get(other.hostId);
      if (pod) accountVmsByPod.set(pod, (accountVmsByPod.get(pod) ?? 0) + 1);
    }
  }
  const fallback = { factors: { cpu: 1, memory: 1 } as Factors, maxGuests: 0 };
  return {
    strategy,
    factors: (clusterId) => (limits.get(clusterId) ?? fallback).factors,
    maxGuests: (clusterId) => (limits.get(clusterId) ?? fallback).maxGuests,
    disabledPods: disabled(zoneInfo.pods),
    disabledClusters: disabled(zoneInfo.clusters),
    accountVmsByHost,
    accountVmsByPod,
    hostNames: new Map(candidates.map((h) => [h.id, h.name])),
  };
}
