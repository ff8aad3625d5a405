import type { AffinityGroup, Alert, AsyncJob, Backup, BackupOffering, BackupRepository, BackupSchedule, CloudEvent, Cluster, DiskOffering, Domain, Host, Network, Pod, ResourceTag, ServiceOffering, StoragePool, Template, SshKeyPair, UnmanagedInstance, UsageEvent, User, Vm, VmSnapshot, Volume, Zone } from '../../core/entities';
import type { StoredAccount } from './tenancy';
import type { IndexName } from './table';

/**
 * Where an item of a listed kind is indexed, decided here for every write and for the data
 * migration (ops/migrate-data.ts), so the two never disagree.
 *
 * Each entry is one index partition the item is listed in, with its sort key. Partitions that take
 * every write of a kind (the kind-wide listing, a zone's hosts) are split into SHARDS partitions
 * by a hash of the id, so no index partition takes every write (listing.ts merges them back in
 * order). Counted partitions have a counter (counterKey) that moves in the same transaction as the
 * item enters or leaves them, so `count` is a read of a few counters, never of the items.
 */

export const SHARDS = 8;
export const COUNTER_SHARDS = 8;

/** A stable shard of an id (FNV-1a), two digits. */
export function shardOf(id: string, shards = SHARDS): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return String(h % shards).padStart(2, '0');
}

export const shardsOf = (base: string): string[] => Array.from({ length: SHARDS }, (_, i) => `${base}#${String(i).padStart(2, '0')}`);

export interface IndexEntry {
  index: IndexName;
  partition: string;
  /** The sort key: text, or a Number for the capacity index (gsi5). */
  order: string | number;
  /** The counter that follows this partition's size (one for all the shards of a sharded one), if any. */
  counter?: string;
}

/** The entity of each listed kind: every kind a list command returns. */
export interface ListedEntities {
  VM: Vm;
  JOB: AsyncJob;
  EVENT: CloudEvent;
  USAGE: UsageEvent;
  HOST: Host;
  ZONE: Zone;
  POD: Pod;
  CLUSTER: Cluster;
  OFFERING: ServiceOffering;
  TEMPLATE: Template;
  NETWORK: Network;
  DOMAIN: Domain;
  ACCOUNT: StoredAccount;
  USER: User;
  AFFINITYGROUP: AffinityGroup;
  ALERT: Alert;
  STORAGEPOOL: StoragePool;
  DISKOFFERING: DiskOffering;
  VOLUME: Volume;
  TAG: ResourceTag;
  VMSNAPSHOT: VmSnapshot;
  UNMANAGED: UnmanagedInstance;
  BACKUPOFFERING: BackupOffering;
  BACKUP: Backup;
  BACKUPSCHEDULE: BackupSchedule;
  BACKUPREPOSITORY: BackupRepository;
  SSHKEYPAIR: SshKeyPair;
}
export type ListedKind = keyof ListedEntities;
export const LISTED_KINDS: readonly ListedKind[] = ['VM', 'JOB', 'EVENT', 'USAGE', 'HOST', 'ZONE', 'POD', 'CLUSTER', 'OFFERING', 'TEMPLATE', 'NETWORK', 'DOMAIN', 'ACCOUNT', 'USER', 'AFFINITYGROUP', 'ALERT', 'STORAGEPOOL', 'DISKOFFERING', 'VOLUME', 'TAG', 'VMSNAPSHOT', 'UNMANAGED', 'BACKUPOFFERING', 'BACKUP', 'BACKUPSCHEDULE', 'BACKUPREPOSITORY', 'SSHKEYPAIR'];
type Entity<K extends ListedKind> = ListedEntities[K];

/**
 * The catalogue kinds: written by administrators and sign-ups, not by every request, so their
 * kind-wide partition is one partition (a few writes a minute at most reach it) and their lists
 * are totalled by a server-side COUNT of the partitions read (see docs/decisions.md).
 */
export type CatalogueKind = Exclude<ListedKind, 'VM' | 'JOB' | 'EVENT' | 'USAGE' | 'HOST' | 'VOLUME' | 'TAG' | 'VMSNAPSHOT' | 'UNMANAGED' | 'BACKUP' | 'BACKUPSCHEDULE'>;
/** The partition of a catalogue kind's scope: `POD#ZONE#<id>`, `USER#ACCOUNT#<id>`, ... */
export const cataloguePartition = (kind: CatalogueKind, scope: 'ZONE' | 'POD' | 'ACCOUNT' | 'DOMAIN' | 'CLUSTER' | 'ZONEWIDE' | 'HOST', scopeId: string) => `${kind}#${scope}#${scopeId}`;
/**
 * Where a storage pool is reached from (gsi3): its cluster's hosts, every host of its zone, or its
 * one host. A host's pools are these three partitions (storage.ts poolsReachableFrom).
 */
export const poolReachPartition = (pool: Pick<StoragePool, 'scope' | 'zoneId' | 'clusterId' | 'hostId'>) =>
  pool.scope === 'CLUSTER' ? cataloguePartition('STORAGEPOOL', 'CLUSTER', pool.clusterId!) : pool.scope === 'HOST' ? cataloguePartition('STORAGEPOOL', 'HOST', pool.hostId!) : cataloguePartition('STORAGEPOOL', 'ZONEWIDE', pool.zoneId);
/** A resource's tags (gsi4). */
export const tagResourcePartition = (resourceId: string) => `TAG#RESOURCE#${resourceId}`;
/** A VM's volumes (gsi4), in creation order. */
export const volumeVmPartition = (vmId: string) => `VOLUME#VM#${vmId}`;
/** A VM's snapshots (gsi4), in creation order: listVMSnapshot virtualmachineid, and what its expunge removes. */
export const vmSnapshotVmPartition = (vmId: string) => `VMSNAPSHOT#VM#${vmId}`;
/** A VM's backups (gsi4), in creation order: listBackups virtualmachineid, and a schedule's retention. */
export const backupVmPartition = (vmId: string) => `BACKUP#VM#${vmId}`;
/** A VM's backup schedules (gsi4), at most one per interval type. */
export const backupScheduleVmPartition = (vmId: string) => `BACKUPSCHEDULE#VM#${vmId}`;
/**
 * The due index (gsi5, by next run time in ms, in shards): the backup scheduler reads what is due
 * now and nothing else, and a schedule's run moves it on in the transaction that starts its backup.
 */
export const backupDuePartitions = shardsOf('BACKUPSCHEDULE#DUE');
/** A pool's volumes (gsi5, by creation time in ms): listVolumes storageid, and what a pool's maintenance acts on. */
export const volumePoolPartition = (poolId: string) => `VOLUME#POOL#${poolId}`;

/** A cluster's unmanaged domains (gsi4), by name: listUnmanagedInstances clusterid. */
export const unmanagedClusterPartition = (clusterId: string) => `UNMANAGED#CLUSTER#${clusterId}`;
/** A host's unmanaged domains (gsi2): what a complete report of the host replaces. */
export const unmanagedHostPartition = (hostId: string) => `UNMANAGED#HOST#${hostId}`;
/** The partitions of the kind-wide listing (gsi1), in shards; their one counter is the kind's. */
export const kindPartitions = (kind: ListedKind) => shardsOf(kind);
export const kindCounter = (kind: ListedKind) => kind;
export const accountPartition = (kind: ListedKind, accountId: string) => `${kind}#ACCOUNT#${accountId}`;
export const domainPartition = (kind: ListedKind, domainId: string) => `${kind}#DOMAIN#${domainId}`;
export const vmHostPartition = (hostId: string) => `VM#HOST#${hostId}`;
export const jobInstancePartition = (instanceId: string) => `JOB#INSTANCE#${instanceId}`;
export const zoneHostCounter = (zoneId: string) => `HOST#ZONE#${zoneId}`;
export const zoneHostPartitions = (zoneId: string) => shardsOf(zoneHostCounter(zoneId));
export const HOST_BEAT_PARTITIONS = shardsOf('HOST#BEAT');
/** A cluster's hosts (gsi4): where a VM may live-migrate (findHostsForMigration). */
export const clusterHostPartition = (clusterId: string) => `HOST#CLUSTER#${clusterId}`;
/** The capacity index (gsi5): a zone's hosts by free memory, in shards. */
const zoneRoom = (zoneId: string) => `HOST#ROOM#${zoneId}`;
export const zoneRoomPartitions = (zoneId: string) => shardsOf(zoneRoom(zoneId));
/**
 * The capacity index's sort key, a Number: the host's memory not in use (MiB, before
 * overprovisioning). Every write of memoryUsed or memoryTotal keeps it by arithmetic in the same
 * update (host-capacity.ts, moves.ts, host-agent.ts), so it is never read-modify-written.
 */
export const memoryFreeOf = (host: Pick<Host, 'memoryTotal' | 'memoryUsed'>) => host.memoryTotal - host.memoryUsed;
/** The heartbeat index's sort key: hosts that never heartbeat sort first (an empty time). */
export const beatOrder = (host: Pick<Host, 'id' | 'lastHeartbeat'>) => `${host.lastHeartbeat ?? ''}#${host.id}`;

const created = (e: { created: string; id: string }) => `${e.created}#${e.id}`;

/** A VM in these states is listed, but hidden from users unless allow.user.view.destroyed.vm: counted apart. */
export const isGoneVm = (vm: Pick<Vm, 'state'>) => vm.state === 'Destroyed' || vm.state === 'Expunging';

/** The index partitions of an item of a listed kind. */
export function indexEntries<K extends ListedKind>(kind: K, entity: Entity<K>): IndexEntry[] {
  const e = entity as Entity<ListedKind>;
  // `counted`: true for a partition counted on its own, a name for the counter its shards share.
  const entry = (index: IndexName, partition: string, order: string | number, counted: boolean | string): IndexEntry => ({
    index,
    partition,
    order,
    ...(counted ? { counter: counted === true ? partition : counted } : {}),
  });
  switch (kind) {
    case 'VM': {
      const vm = e as Vm;
      if (vm.state === 'Expunged') return []; // gone for good: listed nowhere, counted nowhere
      return [
        entry('gsi1', `VM#${shardOf(vm.id)}`, created(vm), 'VM'),
        entry('gsi2', accountPartition('VM', vm.accountId), created(vm), true),
        entry('gsi3', domainPartition('VM', vm.domainId), created(vm), true),
        ...(vm.hostId ? [entry('gsi4', vmHostPartition(vm.hostId), created(vm), false)] : []),
      ];
    }
    case 'JOB': {
      const job = e as AsyncJob;
      return [
        entry('gsi1', `JOB#${shardOf(job.id)}`, created(job), 'JOB'),
        entry('gsi2', accountPartition('JOB', job.accountId), created(job), true),
        entry('gsi3', domainPartition('JOB', job.domainId), created(job), true),
        ...(job.instanceId ? [entry('gsi4', jobInstancePartition(job.instanceId), created(job), false)] : []),
      ];
    }
    case 'EVENT': {
      const event = e as CloudEvent;
      return [
        entry('gsi1', `EVENT#${shardOf(event.id)}`, created(event), 'EVENT'),
        entry('gsi2', accountPartition('EVENT', event.accountId), created(event), true),
        entry('gsi3', domainPartition('EVENT', event.domainId), created(event), true),
      ];
    }
    case 'USAGE': {
      const usage = e as UsageEvent;
      return [entry('gsi1', `USAGE#${shardOf(usage.id)}`, created(usage), 'USAGE'), entry('gsi2', accountPartition('USAGE', usage.accountId), created(usage), true)];
    }
    case 'HOST': {
      const host = e as Host;
      const shard = shardOf(host.id);
      return [
        entry('gsi1', `HOST#${shard}`, created(host), 'HOST'),
        entry('gsi2', `${zoneHostCounter(host.zoneId)}#${shard}`, created(host), zoneHostCounter(host.zoneId)),
        entry('gsi3', `HOST#BEAT#${shard}`, beatOrder(host), false),
        entry('gsi4', clusterHostPartition(host.clusterId), created(host), false),
        // The capacity index: its numeric sort key moves with every reservation (memoryFreeOf).
        entry('gsi5', `${zoneRoom(host.zoneId)}#${shard}`, memoryFreeOf(host), false),
      ];
    }
    case 'VOLUME': {
      const volume = e as Volume;
      if (volume.state === 'Expunged') return [];
      return [
        entry('gsi1', `VOLUME#${shardOf(volume.id)}`, created(volume), 'VOLUME'),
        entry('gsi2', accountPartition('VOLUME', volume.accountId), created(volume), true),
        entry('gsi3', domainPartition('VOLUME', volume.domainId), created(volume), true),
        ...(volume.vmId ? [entry('gsi4', volumeVmPartition(volume.vmId), created(volume), false)] : []),
        ...(volume.poolId ? [entry('gsi5', volumePoolPartition(volume.poolId), Date.parse(volume.created), false)] : []),
      ];
    }
    case 'VMSNAPSHOT': {
      const snapshot = e as VmSnapshot;
      return [
        entry('gsi1', `VMSNAPSHOT#${shardOf(snapshot.id)}`, created(snapshot), 'VMSNAPSHOT'),
        entry('gsi2', accountPartition('VMSNAPSHOT', snapshot.accountId), created(snapshot), true),
        entry('gsi3', domainPartition('VMSNAPSHOT', snapshot.domainId), created(snapshot), true),
        entry('gsi4', vmSnapshotVmPartition(snapshot.vmId), created(snapshot), false),
      ];
    }
    case 'BACKUP': {
      const backup = e as Backup;
      return [
        entry('gsi1', `BACKUP#${shardOf(backup.id)}`, created(backup), 'BACKUP'),
        entry('gsi2', accountPartition('BACKUP', backup.accountId), created(backup), true),
        entry('gsi3', domainPartition('BACKUP', backup.domainId), created(backup), true),
        entry('gsi4', backupVmPartition(backup.vmId), created(backup), false),
      ];
    }
    case 'BACKUPSCHEDULE': {
      const schedule = e as BackupSchedule;
      const shard = shardOf(schedule.id);
      return [
        entry('gsi1', `BACKUPSCHEDULE#${shard}`, created(schedule), 'BACKUPSCHEDULE'),
        entry('gsi2', accountPartition('BACKUPSCHEDULE', schedule.accountId), created(schedule), true),
        entry('gsi3', domainPartition('BACKUPSCHEDULE', schedule.domainId), created(schedule), true),
        entry('gsi4', backupScheduleVmPartition(schedule.vmId), created(schedule), false),
        entry('gsi5', `BACKUPSCHEDULE#DUE#${shard}`, Date.parse(schedule.nextRunAt), false),
      ];
    }
    case 'UNMANAGED': {
      // Reported by hosts, listed per cluster (admins only): no kind-wide listing, no counters.
      const u = e as UnmanagedInstance;
      return [entry('gsi2', unmanagedHostPartition(u.hostId), u.name, false), entry('gsi4', unmanagedClusterPartition(u.clusterId), `${u.name}#${u.hostId}`, false)];
    }
    case 'TAG': {
      const tag = e as ResourceTag;
      return [
        entry('gsi1', `TAG#${shardOf(tag.id)}`, created(tag), 'TAG'),
        entry('gsi2', accountPartition('TAG', tag.accountId), created(tag), true),
        entry('gsi3', domainPartition('TAG', tag.domainId), created(tag), true),
        entry('gsi4', tagResourcePartition(tag.resourceId), created(tag), false),
      ];
    }
    case 'DOMAIN':
      // In path order: a subtree is one range of its parent's path (tenancy.domainTree).
      return [entry('gsi1', 'DOMAIN', `${(e as Domain).path}#${e.id}`, false)];
    case 'ALERT':
      return [entry('gsi1', 'ALERT', `${(e as Alert).sent}#${e.id}`, false)];
    default:
      return catalogueEntries(kind as CatalogueKind, e as Entity<CatalogueKind>).map(([index, partition]) => entry(index, partition, created(e as { created: string; id: string }), false));
  }
}

/**
 * Where a catalogue item is listed, in creation order everywhere (CloudStack lists them by id
 * ascending; listNetworks reads its partitions newest first): its kind, and the scopes its list
 * commands narrow by.
 */
function catalogueEntries<K extends CatalogueKind>(kind: K, entity: Entity<K>): Array<[IndexName, string]> {
  const kindWide: [IndexName, string] = ['gsi1', kind];
  switch (kind) {
    case 'POD':
      return [kindWide, ['gsi2', cataloguePartition('POD', 'ZONE', (entity as Pod).zoneId)]];
    case 'CLUSTER': {
      const c = entity as Cluster;
      return [kindWide, ['gsi2', cataloguePartition('CLUSTER', 'ZONE', c.zoneId)], ['gsi3', cataloguePartition('CLUSTER', 'POD', c.podId)]];
    }
    case 'NETWORK':
      return [kindWide, ['gsi2', cataloguePartition('NETWORK', 'ZONE', (entity as Network).zoneId)]];
    case 'ACCOUNT':
      return [kindWide, ['gsi2', cataloguePartition('ACCOUNT', 'DOMAIN', (entity as StoredAccount).domainId)]];
    case 'USER': {
      const u = entity as User;
      return [kindWide, ['gsi2', cataloguePartition('USER', 'ACCOUNT', u.accountId)], ['gsi3', cataloguePartition('USER', 'DOMAIN', u.domainId)]];
    }
    case 'AFFINITYGROUP': {
      const g = entity as AffinityGroup;
      return [kindWide, ['gsi2', cataloguePartition('AFFINITYGROUP', 'ACCOUNT', g.accountId)], ['gsi3', cataloguePartition('AFFINITYGROUP', 'DOMAIN', g.domainId)]];
    }
    case 'STORAGEPOOL': {
      const pool = entity as StoragePool;
      return [kindWide, ['gsi2', cataloguePartition('STORAGEPOOL', 'ZONE', pool.zoneId)], ['gsi3', poolReachPartition(pool)]];
    }
    case 'SSHKEYPAIR': {
      const k = entity as SshKeyPair;
      return [kindWide, ['gsi2', cataloguePartition('SSHKEYPAIR', 'ACCOUNT', k.accountId)], ['gsi3', cataloguePartition('SSHKEYPAIR', 'DOMAIN', k.domainId)]];
    }
    case 'BACKUPOFFERING':
      return [kindWide, ['gsi2', cataloguePartition('BACKUPOFFERING', 'ZONE', (entity as BackupOffering).zoneId)]];
    case 'BACKUPREPOSITORY':
      return [kindWide, ['gsi2', cataloguePartition('BACKUPREPOSITORY', 'ZONE', (entity as BackupRepository).zoneId)]];
    default:
      return [kindWide];
  }
}

/** The whole stored item of an entity of a listed kind: its key, its index attributes, its fields. */
export function storedItem<K extends ListedKind>(kind: K, entity: Entity<K>): Record<string, unknown> {
  return { ...entity, pk: `${kind}#${entity.id}`, sk: kind, ...indexAttributes(kind, entity) };
}

/** The lower-case text `keyword` searches (a substring, case-insensitive, as CloudStack's LIKE %kw%). */
export function searchText<K extends ListedKind>(kind: K, entity: Entity<K>): string | undefined {
  const e = entity as Entity<ListedKind>;
  const join = (...parts: Array<string | undefined>) => parts.filter((p) => p !== undefined).join('\n').toLowerCase();
  switch (kind) {
    case 'VM':
      return join((e as Vm).name, (e as Vm).displayName);
    case 'JOB':
      return join((e as AsyncJob).cmd);
    case 'EVENT':
      return join((e as CloudEvent).type, (e as CloudEvent).description, (e as CloudEvent).level);
    case 'HOST':
      return join((e as Host).name);
    case 'OFFERING':
    case 'TEMPLATE':
    case 'NETWORK':
      return join((e as ServiceOffering | Template | Network).name, (e as ServiceOffering | Template | Network).displayText);
    case 'ZONE':
    case 'POD':
    case 'CLUSTER':
    case 'DOMAIN':
    case 'ACCOUNT':
      return join((e as Zone | Pod | Cluster | Domain | StoredAccount).name);
    case 'USER':
      return join((e as User).username, (e as User).firstName, (e as User).lastName, (e as User).email);
    case 'AFFINITYGROUP':
      return join((e as AffinityGroup).name, (e as AffinityGroup).description);
    case 'ALERT':
      return join((e as Alert).subject);
    case 'STORAGEPOOL':
    case 'VOLUME':
      return join((e as StoragePool | Volume).name);
    case 'DISKOFFERING':
      return join((e as DiskOffering).name, (e as DiskOffering).displayText);
    case 'TAG':
      return join((e as ResourceTag).key, (e as ResourceTag).value);
    case 'VMSNAPSHOT':
      return join((e as VmSnapshot).name, (e as VmSnapshot).displayName, (e as VmSnapshot).description);
    case 'UNMANAGED':
      return join((e as UnmanagedInstance).name);
    case 'BACKUPOFFERING':
      return join((e as BackupOffering).name, (e as BackupOffering).description);
    case 'BACKUP':
      return join((e as Backup).name, (e as Backup).description, (e as Backup).vmName);
    case 'BACKUPSCHEDULE':
      return join((e as BackupSchedule).vmName); // CloudStack's keyword matches the VM's name
    case 'BACKUPREPOSITORY':
      return join((e as BackupRepository).name, (e as BackupRepository).provider); // as CloudStack's keyword
    case 'SSHKEYPAIR':
      return join((e as SshKeyPair).name, (e as SshKeyPair).fingerprint); // CloudStack's keyword: name or fingerprint
    default:
      return undefined;
  }
}

/** The stored index attributes of an item (gsiNpk/gsiNsk and `text`). */
export function indexAttributes<K extends ListedKind>(kind: K, entity: Entity<K>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const e of indexEntries(kind, entity)) {
    out[`${e.index}pk`] = e.partition;
    out[`${e.index}sk`] = e.order;
  }
  const text = searchText(kind, entity);
  if (text !== undefined && indexEntries(kind, entity).length > 0) out.text = text;
  return out;
}

export const INDEX_ATTRIBUTE_NAMES = ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'gsi5pk', 'gsi5sk', 'text'] as const;

/** What changes in the index attributes when an item goes from `before` to `after`: SET these, REMOVE those. */
export function indexChanges(before: Record<string, string | number>, after: Record<string, string | number>): { set: Record<string, string | number>; remove: string[] } {
  const set: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(after)) if (before[k] !== v) set[k] = v;
  return { set, remove: Object.keys(before).filter((k) => !(k in after)) };
}

/**
 * A counter's delta: entries (`n`) and, for VMs, those hidden from users (`gone`), in the bucket of
 * the items' expiry: `ever` for items that do not expire, else the hour they expire at (`expires`,
 * epoch seconds), so that a bucket's count leaves the total exactly when its items leave the lists.
 */
export interface CounterDelta {
  partition: string;
  expires?: number;
  n: number;
  gone: number;
}

/** When items expire (DynamoDB TTL), before and after a change: epoch seconds, or none. */
export interface Expiry {
  before?: number;
  after?: number;
}

/** How the counted partitions change when an item is created (no before), changed, or deleted (no after). */
export function counterDeltas<K extends ListedKind>(kind: K, before: Entity<K> | undefined, after: Entity<K> | undefined, expiry: Expiry = {}): CounterDelta[] {
  const goneOf = (e: Entity<K> | undefined) => (kind === 'VM' && e && isGoneVm(e as Vm) ? 1 : 0);
  const deltas = new Map<string, CounterDelta>();
  const add = (e: Entity<K> | undefined, sign: number, expires: number | undefined) => {
    if (!e) return;
    for (const entry of indexEntries(kind, e)) {
      if (!entry.counter) continue;
      const key = `${entry.counter}\u0000${expires ?? ''}`;
      const d = deltas.get(key) ?? { partition: entry.counter, ...(expires === undefined ? {} : { expires }), n: 0, gone: 0 };
      d.n += sign;
      d.gone += sign * goneOf(e);
      deltas.set(key, d);
    }
  };
  add(before, -1, expiry.before);
  add(after, 1, expiry.after);
  return [...deltas.values()].filter((d) => d.n !== 0 || d.gone !== 0);
}

/** An item kept `keepSeconds` from `from` expires at the end of that hour (epoch seconds); 0 or less: never. */
export function expiryOf(from: string, keepSeconds: number): number | undefined {
  if (!(keepSeconds > 0)) return undefined;
  return Math.ceil((Date.parse(from) / 1000 + keepSeconds) / 3600) * 3600;
}

/** A counter's item: one per partition, expiry bucket and counter shard (so racing writers rarely meet on one item). */
export const COUNTER_BUCKET = 'ever';
export const counterBucket = (expires: number | undefined) => (expires === undefined ? COUNTER_BUCKET : `x${String(expires).padStart(10, '0')}`);
export const counterPartition = (partition: string) => `COUNT#${partition}`;
export const counterKey = (partition: string, id: string, expires?: number) => ({ pk: counterPartition(partition), sk: `${counterBucket(expires)}#${shardOf(id, COUNTER_SHARDS)}` });
