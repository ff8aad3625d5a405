import { z } from 'zod';
import {
  cpuRequestOf,
  explainNoHost,
  ruleOut,
  strategyFor,
  type Factors,
  type PlacementContext,
  type PlacementRequest,
  type PlacementScope,
  type RuledOut,
} from '../../core/allocator';
import type { AffinityGroup, Cluster, Host, Pod, ServiceOffering, Vm, Volume } from '../../core/entities';
import { explainNoPool, ruleOutPool, volumeRequest } from '../../core/storage';
import { ConcurrentOperationError, InsufficientCapacityError, InternalError } from '../../core/errors';
import { OS_CATEGORIES, OS_CATEGORY_NONE, osTypeById } from '../../core/os-catalogue';
import type { Store } from '../store';
import { clusterLimits } from '../store/placement';
import { volumesOf } from '../store/storage';
import { findHost, type HostSearch } from './find-host';
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
 * zone's hosts are read from the capacity index until one fits (find-host.ts), never all of them.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, placement }, { store }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  const asked = placement?.requested ?? { podId: placement?.podId, clusterId: placement?.clusterId, hostId: placement?.hostId, preferClusterId: placement?.preferClusterId };
  const label = `VM[User|${vm.instanceName}]`;
  // A VM whose volumes are on a cluster's (or a host's) storage runs only where that storage is.
  const volumes = await volumesOf(store.storage, vm);
  const requested = { ...asked, ...(await storageBound(store, volumes, asked, label)) };

  const [zone, named, offering, owner, pods, clusters, groups, algorithm] = await Promise.all([
    store.inventory.getZone(vm.zoneId),
    requested.hostId ? store.hosts.get(requested.hostId, true) : undefined,
    store.inventory.getServiceOffering(vm.serviceOfferingId),
    store.inventory.getAccount(vm.accountId),
    // The VM's zone only: a deploy never reads the whole inventory's pods and clusters.
    store.inventory.listPodsInZone(vm.zoneId),
    store.inventory.listClustersInZone(vm.zoneId),
    store.affinity.getMany(vm.affinityGroupIds ?? []),
    store.settings.get('vm.allocation.algorithm', { zoneId: vm.zoneId }),
  ]);
  const zoneName = zone?.name ?? vm.zoneId;
  if (requested.hostId && !named) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: host ${requested.hostId} no longer exists`);
  // CloudStack lets a root admin's VMs use disabled zones, pods and clusters (to try them out); nobody else's.
  const rootOwned = owner?.role === 'rootAdmin';
  if (zone && zone.allocationState !== 'Enabled' && !rootOwned) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: zone ${zoneName} is disabled for allocation`);

  const inScope = (h: Host) => h.zoneId === vm.zoneId && (!requested.podId || h.podId === requested.podId) && (!requested.clusterId || h.clusterId === requested.clusterId);
  const scope: PlacementScope = {
    zone: zoneName,
    pod: requested.podId ? (pods.find((p) => p.id === requested.podId)?.name ?? requested.podId) : undefined,
    cluster: requested.clusterId ? (clusters.find((c) => c.id === requested.clusterId)?.name ?? requested.clusterId) : undefined,
    host: named?.name,
  };

  const request = await placementRequestFor(store, vm, offering, groups);
  const ctx = await contextFor(store, vm, named ? [named] : [], { algorithm, rootOwned, pods, clusters });
  // A pin may name a host outside the candidates (another cluster): the explanation names it too.
  for (const a of request.affinity ?? []) {
    if (a.hostId && !ctx.hostNames?.has(a.hostId)) (ctx.hostNames as Map<string, string>).set(a.hostId, (await store.hosts.get(a.hostId))?.name ?? a.hostId);
  }

  if (named) {
    const candidates = inScope(named) ? [named] : [];
    const why = candidates.length ? ruleOut(named, request, ctx) : undefined;
    if (candidates.length && !why) return { hostId: named.id, requested };
    throw new InsufficientCapacityError(explainNoHost(label, scope, why ? [why] : []));
  }

  // A VM started again goes back to its last host when that host can take it, as CloudStack's planner
  // considers the last host first: its domain and disks are there.
  // With local storage (the offering's storageType) its disks exist only there, so it is the only choice.
  const last = vm.lastHostId ? await store.hosts.get(vm.lastHostId, true) : undefined;
  if (last && inScope(last)) {
    const why = ruleOut(last, request, ctx);
    if (!why) return { hostId: last.id, requested };
    if (offering?.storageType === 'local')
      throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: its disks are on host ${last.name} (local storage), which cannot take it: ${why.detail}`);
  }

  const search: HostSearch = {
    zoneId: vm.zoneId,
    request,
    ctx,
    podId: requested.podId,
    clusterId: requested.clusterId,
    memoryFactor: Math.max(1, ...clusters.map((c) => ctx.factors(c.id).memory)),
  };
  // An HA restart tries the cluster the VM ran in first, then the rest of its zone (never another zone).
  if (requested.preferClusterId && !requested.clusterId) {
    const inCluster = await findHost(store, { ...search, clusterId: requested.preferClusterId, explain: false }, { noOsPreference: NO_OS_PREFERENCE });
    if (inCluster.ok) return { hostId: inCluster.host.id, requested };
  }
  // Volumes that need a pool only some clusters have (tags, no zone-wide pool fits): those clusters' hosts.
  const storageClusters = requested.clusterId ? undefined : await clustersWithPools(store, vm, volumes, offering, label, zoneName);
  if (storageClusters) {
    const ruledOut: RuledOut[] = [];
    for (const clusterId of storageClusters) {
      const found = await findHost(store, { ...search, clusterId }, { noOsPreference: NO_OS_PREFERENCE });
      if (found.ok) return { hostId: found.host.id, requested };
      ruledOut.push(...found.ruledOut);
    }
    throw new InsufficientCapacityError(explainNoHost(label, scope, ruledOut));
  }
  const found = await findHost(store, search, { noOsPreference: NO_OS_PREFERENCE });
  if (!found.ok) throw new InsufficientCapacityError(explainNoHost(label, scope, found.ruledOut, found.unread));
  return { hostId: found.host.id, requested };
});

/**
 * Where the VM's volumes without a pool can go (the storage allocator's rules but reach): undefined
 * when a zone-wide pool (or a host's local one) may take each, else the clusters whose pools can
 * take them all. None: 533 naming each pool of the zone and why. Reads the zone's pools (a catalogue
 * partition: tens of pools).
 */
async function clustersWithPools(store: Store, vm: Vm, volumes: readonly Volume[], offering: ServiceOffering | undefined, label: string, zoneName: string): Promise<string[] | undefined> {
  const unplaced = volumes.filter((v) => !v.poolId);
  if (unplaced.length === 0) return undefined;
  const pools = await store.storage.poolsInZone(vm.zoneId);
  const factorOf = await store.storage.factorsOf(pools);
  let allowed: Set<string> | undefined;
  for (const volume of unplaced) {
    const diskOffering = volume.diskOfferingId ? await store.storage.getDiskOffering(volume.diskOfferingId) : undefined;
    const request = volumeRequest(volume, diskOffering, offering?.storageType ?? 'shared');
    const verdicts = pools.map((pool) => ({ pool, reason: ruleOutPool(pool, request, undefined, factorOf(pool)) }));
    const fits = verdicts.filter((v) => !v.reason).map((v) => v.pool);
    if (fits.length === 0) throw new InsufficientCapacityError(explainNoPool(label, request, `in zone ${zoneName}`, verdicts));
    if (fits.some((p) => p.scope !== 'CLUSTER')) continue; // zone-wide, or local: any host may do
    const here = new Set(fits.map((p) => p.clusterId!));
    allowed = allowed ? new Set([...allowed].filter((c) => here.has(c))) : here;
  }
  if (allowed && allowed.size === 0) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: no cluster of zone ${zoneName} has storage pools for all of its volumes`);
  return allowed && [...allowed];
}

/** The cluster or host the VM's placed volumes tie it to (none for zone-wide pools); a request elsewhere is a 533. */
async function storageBound(store: Store, volumes: readonly Volume[], asked: { clusterId?: string; hostId?: string }, label: string): Promise<{ clusterId?: string; hostId?: string }> {
  const poolIds = volumes.map((v) => v.poolId).filter((p): p is string => !!p);
  const bound: { clusterId?: string; hostId?: string } = {};
  for (const pool of await store.storage.getPools(poolIds)) {
    // Storage in maintenance (or lost) serves none of its volumes: the VM waits for it (cancelStorageMaintenance).
    if (pool.state !== 'Up' && pool.state !== 'Disabled') throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: its volumes are on storage pool ${pool.name}, which is ${pool.state}`);
    const tie = pool.scope === 'CLUSTER' ? { key: 'clusterId' as const, id: pool.clusterId! } : pool.scope === 'HOST' ? { key: 'hostId' as const, id: pool.hostId! } : undefined;
    if (!tie) continue;
    const other = asked[tie.key] ?? bound[tie.key];
    if (other && other !== tie.id)
      throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: its volumes are on storage pool ${pool.name}, which only the ${tie.key === 'clusterId' ? `hosts of cluster ${pool.clusterId}` : `host ${pool.hostId}`} reach`);
    bound[tie.key] = tie.id;
  }
  return bound;
}

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
  // The zone's clusters (placement reads its hosts a page at a time) and those of hosts given.
  const clusterIds = [...new Set([...zoneInfo.clusters.filter((c) => c.zoneId === vm.zoneId).map((c) => c.id), ...candidates.map((h) => h.clusterId)])];
  const limits = new Map(await Promise.all(clusterIds.map(async (clusterId) => [clusterId, await clusterLimits(store.settings, { zoneId: vm.zoneId, clusterId })] as const)));
  const disabled = (list: ReadonlyArray<Pod | Cluster>) =>
    new Map(zoneInfo.rootOwned ? [] : list.filter((x) => x.zoneId === vm.zoneId && x.allocationState !== 'Enabled').map((x) => [x.id, x.name] as [string, string]));

  let accountVmsByHost: Map<string, number> | undefined;
  let accountVmsByPod: Map<string, number> | undefined;
  if (strategy.order === 'dispersing' || strategy.concentratePods) {
    const others = (await store.vms.listByAccount(vm.accountId)).filter((other) => other.hostId && other.id !== vm.id);
    // The pods of the hosts the owner's VMs run on (not only of the hosts placement reads).
    const podOf = strategy.concentratePods ? new Map((await store.hosts.getMany([...new Set(others.map((o) => o.hostId!))])).map((h) => [h.id, h.podId])) : new Map<string, string>();
    accountVmsByHost = new Map();
    accountVmsByPod = new Map();
    for (const other of others) {
      if (!other.hostId) continue;
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
