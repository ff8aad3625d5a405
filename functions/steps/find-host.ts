import { allocate, ruleOut, type AllocateOptions, type PlacementContext, type PlacementRequest, type RuledOut } from '../../core/allocator';
import type { Host } from '../../core/entities';
import type { Store } from '../store';

/**
 * Placement's bounded read (chooseHost, chooseMigrationHost): the zone's hosts come from the
 * capacity index (gsi5, hosts by free memory) a page at a time, and the allocator chooses among each
 * page until one fits. With memory not overprovisioned, only hosts with the VM's memory free are
 * read at all: tightest first for first fit (which packs hosts), most free first for the spreading
 * algorithms. A choice costs one page whatever the zone's size; it is the allocator's choice among
 * the whole zone whenever the zone has at most a page of hosts with room (decisions.md).
 */
export const PLACEMENT_PAGE = 64;
/** When no host fits, at most this many are read to explain one by one; the rest are counted. */
export const EXPLAINED_HOSTS = 1000;

export interface HostSearch {
  zoneId: string;
  request: PlacementRequest;
  ctx: PlacementContext;
  /** an administrator's pod or cluster (a migration's cluster): only its hosts */
  podId?: string;
  clusterId?: string;
  /** never this host (the one a migrating VM leaves) */
  except?: string;
  /** within a page, this cluster's hosts first (an HA restart's cluster) */
  preferClusterId?: string;
  /** the highest memory overprovisioning factor of the zone's clusters */
  memoryFactor: number;
  /** read the hosts short of memory too, to explain each (false: a first pass that others follow) */
  explain?: boolean;
}

/** Hosts the search counted but did not read one by one: all short of `memory` MiB free (`hosts` unknown when a filter narrowed the read). */
export interface Unread {
  hosts?: number;
  memory: number;
}

export type HostFound = { ok: true; host: Host } | { ok: false; ruledOut: RuledOut[]; unread?: Unread };

export async function findHost(store: Store, search: HostSearch, opts: AllocateOptions): Promise<HostFound> {
  const exact = search.memoryFactor <= 1;
  // Overprovisioned memory makes the raw free memory no bound: read most free first, to the end if need be.
  const atLeast = exact ? search.request.memory : undefined;
  const descending = !exact || search.ctx.strategy.kind === 'horizontal';
  const narrowed = { podId: search.podId, clusterId: search.clusterId };
  // By host: a host whose key moved between two reads (a reservation, a release) is met twice; its later verdict stands.
  const ruledOut = new Map<string, RuledOut>();
  const judged = (found: { ruledOut: RuledOut[] }) => found.ruledOut.forEach((r) => ruledOut.set(r.hostId, r));
  let read = 0;
  for await (const page of store.hosts.byFreeMemory(search.zoneId, { atLeast, descending, ...narrowed }, PLACEMENT_PAGE)) {
    read += page.length;
    const found = await chooseAmong(store, page, search, opts);
    if (found.ok) return found;
    judged(found);
  }
  if (atLeast === undefined || search.explain === false) return { ok: false, ruledOut: [...ruledOut.values()] };
  // None fits: the hosts short of memory, each explained up to a bound (the index may lag a release
  // that just committed, so one of them may fit after all).
  for await (const page of store.hosts.byFreeMemory(search.zoneId, { below: atLeast, descending: true, ...narrowed }, PLACEMENT_PAGE)) {
    read += page.length;
    const found = await chooseAmong(store, page, search, opts);
    if (found.ok) return found;
    judged(found);
    if (read >= EXPLAINED_HOSTS) {
      const hosts = search.podId || search.clusterId ? undefined : Math.max(0, (await store.hosts.countInZone(search.zoneId)) - ruledOut.size);
      return { ok: false, ruledOut: [...ruledOut.values()], unread: { hosts, memory: search.request.memory } };
    }
  }
  return { ok: false, ruledOut: [...ruledOut.values()] };
}

/**
 * The allocator's choice among `hosts`, confirmed on a consistent read: the index may lag behind a
 * reservation that just committed, so a host found full now is judged as it is and the page looked
 * at again (after a lost race the workflow never picks the full host again).
 */
async function chooseAmong(store: Store, hosts: readonly Host[], search: HostSearch, opts: AllocateOptions): Promise<HostFound> {
  const candidates = hosts.filter((h) => h.id !== search.except);
  const names = search.ctx.hostNames as Map<string, string> | undefined;
  for (const h of candidates) names?.set(h.id, h.name);
  for (;;) {
    const preferred = search.preferClusterId ? candidates.filter((h) => h.clusterId === search.preferClusterId) : [];
    const inPreferred = preferred.length > 0 ? allocate(preferred, search.request, search.ctx, opts) : undefined;
    const allocation = inPreferred?.ok ? inPreferred : allocate(candidates, search.request, search.ctx, opts);
    if (!allocation.ok) return { ok: false, ruledOut: allocation.ruledOut };
    const fresh = await store.hosts.get(allocation.host.id, true);
    if (fresh && !ruleOut(fresh, search.request, search.ctx)) return { ok: true, host: fresh };
    candidates.splice(candidates.indexOf(allocation.host), 1, ...(fresh ? [fresh] : []));
  }
}
