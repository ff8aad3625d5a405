import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Host, StoragePool } from '../../core/entities';
import { clusterHostPartition, HOST_BEAT_PARTITIONS, kindPartitions, zoneHostCounter, zoneHostPartitions, zoneRoomPartitions } from './indexing';
import { entityKey } from './keys';
import { Conditions, ListingRepository } from './listing';
import { Repository } from './repository';

/**
 * A stored host as the domain sees it: its anti-affinity groups are a DynamoDB string set (so that
 * placement can ADD and DELETE them and test `contains` in a condition), read back as a JS Set.
 */
export function fromStoredHost(h: Host): Host;
export function fromStoredHost(h: Host | undefined): Host | undefined;
export function fromStoredHost(h: Host | undefined): Host | undefined {
  if (!h) return h;
  const anti = h.antiAffinityGroupIds as unknown;
  if (anti instanceof Set) return { ...h, antiAffinityGroupIds: [...(anti as Set<string>)].sort() };
  return h;
}

/** Host items as the API and the allocator read them (the agent's writes are in host-agent.ts). */
export class HostsRepository extends Repository {
  get = async (id: string, consistent = false) => fromStoredHost(await this.getEntity<Host>('HOST', id, consistent));
  /** Every host, in creation order (the kind's shards merged). */
  listAll = async () => (await this.listing.all<Host>({ index: 'gsi1', partitions: kindPartitions('HOST') })).map((h) => fromStoredHost(h)!);
  /** Every host of a zone with its capacity, in creation order. */
  listInZone = async (zoneId: string) => (await this.listing.all<Host>({ index: 'gsi2', partitions: zoneHostPartitions(zoneId) })).map((h) => fromStoredHost(h)!);
  /** Hosts whose last heartbeat is before `before` (ISO time), or that never sent one: what the HA monitor judges. */
  listSilentSince = async (before: string) => (await this.listing.all<Host>({ index: 'gsi3', partitions: HOST_BEAT_PARTITIONS, to: before })).map((h) => fromStoredHost(h)!);

  /**
   * A zone's hosts from the capacity index (gsi5) by free memory (MiB, before overprovisioning),
   * `size` at a time: from `atLeast` up (tightest first), or down from the most free to `atLeast`
   * (`descending`); narrowed to a pod or cluster by a filter. Placement stops reading once one fits.
   */
  async *byFreeMemory(zoneId: string, range: { atLeast?: number; below?: number; descending?: boolean; podId?: string; clusterId?: string }, size: number): AsyncGenerator<Host[]> {
    const filter = new Conditions().eq('podId', range.podId).eq('clusterId', range.clusterId).build();
    const to = range.below === undefined ? undefined : range.below - 1;
    for await (const page of this.listing.pages<Host>({ index: 'gsi5', partitions: zoneRoomPartitions(zoneId), descending: range.descending, from: range.atLeast, to, filter }, size)) {
      yield page.map((h) => fromStoredHost(h));
    }
  }

  /**
   * An Up host that reaches a storage pool (its cluster's, its zone's, or its own host): the one a
   * volume's file is removed or resized by. Reads a page of the scope's hosts at most.
   */
  async upHostReaching(pool: Pick<StoragePool, 'scope' | 'zoneId' | 'clusterId' | 'hostId'>): Promise<Host | undefined> {
    if (pool.scope === 'HOST') {
      const host = pool.hostId ? await this.get(pool.hostId) : undefined;
      return host?.state === 'Up' ? host : undefined;
    }
    const filter = new Conditions().eq('state', 'Up').build();
    const spec = pool.scope === 'CLUSTER' ? { index: 'gsi4' as const, partitions: [clusterHostPartition(pool.clusterId!)], filter } : { index: 'gsi2' as const, partitions: zoneHostPartitions(pool.zoneId), filter };
    for await (const page of this.listing.pages<Host>(spec, 16)) if (page.length) return fromStoredHost(page[0]);
    return undefined;
  }

  /** A cluster's Up hosts (its small partition): where listUnmanagedInstances looks. */
  /** Every host of a cluster, whatever its state (listVirtualMachines clusterid, podid). */
  inCluster = async (clusterId: string) => (await this.listing.all<Host>({ index: 'gsi4', partitions: [clusterHostPartition(clusterId)] })).map((h) => fromStoredHost(h)!);
  upInCluster = async (clusterId: string) => (await this.listing.all<Host>({ index: 'gsi4', partitions: [clusterHostPartition(clusterId)], filter: new Conditions().eq('state', 'Up').build() })).map((h) => fromStoredHost(h)!);

  /** An Up host of a zone with this hypervisor: the one an image registered there is downloaded by. Reads pages of 16 until one. */
  async upHostInZone(zoneId: string, hypervisor: Host['hypervisor']): Promise<Host | undefined> {
    const filter = new Conditions().eq('state', 'Up').eq('hypervisor', hypervisor).build();
    for await (const page of this.listing.pages<Host>({ index: 'gsi2', partitions: zoneHostPartitions(zoneId), filter }, 16)) if (page.length) return fromStoredHost(page[0]);
    return undefined;
  }

  /** How many hosts a zone has (its counter): what placement reports of the hosts it did not read. */
  countInZone = async (zoneId: string) => (await this.listing.counter(zoneHostCounter(zoneId))).n;

  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly listing = new ListingRepository(db, table),
  ) {
    super(db, table);
  }

  /** Hosts by id (BatchGetItem), in no particular order. */
  getMany = async (ids: readonly string[], consistent = false) => (await this.batchGet<Host>(ids.map((id) => entityKey('HOST', id)), consistent)).map((h) => fromStoredHost(h)!);
}
