import { DeleteCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PoolReport, PoolSpec } from '../../core/agent-protocol';
import type { DiskOffering, Host, StoragePool, Vm, Volume, Zone } from '../../core/entities';
import { stableId } from '../../core/ids';
import type { AlertsRepository } from './alerts';
import { CapacityRaceError, ConcurrentOperationError, InsufficientCapacityError } from '../../core/errors';
import { poolLimit } from '../../core/storage';
import { cataloguePartition, poolReachPartition, volumePoolPartition } from './indexing';
import { diskPathKey, entityKey } from './keys';
import { ListingRepository } from './listing';
import { applied } from './vms';
import { mergedCounters, Repository } from './repository';
import { settingsCacheMs, type SettingsRepository } from './settings';

type Reasons = Array<{ Code?: string }> | undefined;
const lost = (reasons: Reasons, i: number) => reasons?.[i]?.Code === 'ConditionalCheckFailed' || reasons?.[i]?.Code === 'TransactionConflict';


/**
 * Primary storage, disk offerings and volumes. A pool's `allocatedBytes` is its ledger: it moves
 * only in the same transaction as a volume record taking or giving back its space, held to the pool's
 * ceiling (size x overprovisioning - request, since a condition cannot add) and to the pool being Up,
 * so racing creates never overcommit a pool and the ledger always equals the sum of its volumes.
 */
export class StorageRepository extends Repository {
  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly settings: SettingsRepository,
    private readonly listing = new ListingRepository(db, table),
  ) {
    super(db, table);
  }

  getPool = (id: string, consistent = false) => this.getEntity<StoragePool>('STORAGEPOOL', id, consistent);
  getDiskOffering = (id: string) => this.getEntity<DiskOffering>('DISKOFFERING', id);
  getVolume = (id: string, consistent = false) => this.getEntity<Volume>('VOLUME', id, consistent);
  /** Volumes by id (consistent: a start reads exactly what is attached), in the order asked. */
  async getVolumes(ids: readonly string[]): Promise<Volume[]> {
    const found = new Map((await this.batchGet<Volume>(ids.map((id) => entityKey('VOLUME', id)), true)).map((v) => [v.id, v]));
    return ids.map((id) => found.get(id)).filter((v): v is Volume => v !== undefined);
  }
  getPools = async (ids: readonly string[]) => (ids.length ? this.batchGet<StoragePool>([...new Set(ids)].map((id) => entityKey('STORAGEPOOL', id))) : []);

  /** The pools `host` reaches: its cluster's, its zone's zone-wide ones and its own (three small partitions). */
  async poolsReachableFrom(host: Pick<Host, 'id' | 'zoneId' | 'clusterId'>): Promise<StoragePool[]> {
    return (await Promise.all((['CLUSTER', 'ZONE', 'HOST'] as const).map((scope) => this.poolsIn(scope, host)))).flat();
  }

  /** The pools of one of a host's reach partitions. */
  poolsIn(scope: StoragePool['scope'], host: Pick<Host, 'id' | 'zoneId' | 'clusterId'>): Promise<StoragePool[]> {
    return this.listing.all<StoragePool>({ index: 'gsi3', partitions: [poolReachPartition({ scope, zoneId: host.zoneId, clusterId: host.clusterId, hostId: host.id })] });
  }

  /** A zone's pools (its storage administration, the deploy's explanation when no host was named). */
  poolsInZone = (zoneId: string) => this.listing.all<StoragePool>({ index: 'gsi2', partitions: [cataloguePartition('STORAGEPOOL', 'ZONE', zoneId)] });

  /** storage.overprovisioning.factor where the pool is (its cluster's override, its zone's, the global value). */
  async factorOf(pool: Pick<StoragePool, 'zoneId' | 'clusterId'>): Promise<number> {
    const v = Number(await this.settings.get('storage.overprovisioning.factor', { zoneId: pool.zoneId, clusterId: pool.clusterId }));
    return Number.isFinite(v) && v > 0 ? v : 1;
  }

  /** The factor of each of `pools` (settings are cached per process): a function of the pool. */
  async factorsOf(pools: readonly StoragePool[]): Promise<(pool: StoragePool) => number> {
    const factors = new Map(await Promise.all(pools.map(async (p) => [p.id, await this.factorOf(p)] as const)));
    return (pool) => factors.get(pool.id) ?? 1;
  }

  /** The VMs with a volume on a pool (its volumes' partition, then the VMs by key): what its maintenance acts on. */
  async vmsOnPool(poolId: string): Promise<Vm[]> {
    const ids = [...new Set((await this.volumesOnPool(poolId)).map((v) => v.vmId).filter((id): id is string => !!id))];
    return ids.length ? this.batchGet<Vm>(ids.map((id) => entityKey('VM', id)), true) : [];
  }

  createPool = (pool: StoragePool) => this.putEntity('STORAGEPOOL', pool, { idempotent: false });

  /** A host's local storage pool (once: its id derives from the host's). */
  async createLocalPool(host: Pick<Host, 'id' | 'name' | 'zoneId' | 'podId' | 'clusterId'>, now: Date): Promise<void> {
    await this.putEntity('STORAGEPOOL', {
      id: stableId('storagepool', host.id, 'local'),
      name: `${host.name} Local Storage`,
      zoneId: host.zoneId,
      podId: host.podId,
      clusterId: host.clusterId,
      hostId: host.id,
      scope: 'HOST',
      type: 'Filesystem',
      host: 'localhost',
      path: LOCAL_STORAGE_PATH,
      url: `file://localhost${LOCAL_STORAGE_PATH}`,
      state: 'Up',
      tags: [],
      capacityBytes: 0,
      allocatedBytes: 0,
      usedBytes: 0,
      created: now.toISOString(),
      version: 1,
    });
  }
  createDiskOffering = (offering: DiskOffering) => this.putEntity('DISKOFFERING', offering, { idempotent: false });

  /** An administrator's change of a pool (state, tags, capacity), conditioned on the version read. */
  async updatePool(pool: StoragePool, set: Partial<StoragePool>, extraCondition?: { expression: string; values: Record<string, unknown> }): Promise<StoragePool> {
    const after = { ...applied(pool, set), version: pool.version + 1 };
    const update = this.entityUpdate('STORAGEPOOL', pool, after);
    if (extraCondition) {
      update.ConditionExpression += ` AND ${extraCondition.expression}`;
      Object.assign(update.ExpressionAttributeValues, extraCondition.values);
    }
    try {
      await this.db.send(new UpdateCommand(update));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new ConcurrentOperationError(`Storage pool ${pool.name} changed while it was being updated; try again`);
      throw err;
    }
    return after;
  }

  /** Remove a pool that holds no volume (nothing allocated on it), as read. */
  async deletePool(pool: StoragePool): Promise<'deleted' | 'in-use'> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: entityKey('STORAGEPOOL', pool.id),
          ConditionExpression: 'allocatedBytes = :zero',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
      return 'deleted';
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return 'in-use';
      throw err;
    }
  }

  /** The volumes on a pool (its gsi5 partition): what its maintenance acts on. */
  volumesOnPool = (poolId: string) => this.listing.all<Volume>({ index: 'gsi5', partitions: [volumePoolPartition(poolId)] });

  /**
   * A pool's move into maintenance, for the transaction that starts its job: PrepareForMaintenance
   * (no volume is placed on it from now on), held by the job; only an Up or Disabled pool no other
   * job holds, as read.
   */
  beginMaintenanceOperation(pool: StoragePool, jobId: string) {
    const update = this.entityUpdate('STORAGEPOOL', pool, { ...pool, state: 'PrepareForMaintenance', activeJobId: jobId, stateBefore: pool.state === 'Disabled' ? 'Disabled' : 'Up', version: pool.version + 1, maintenanceVmIds: undefined, maintenanceReason: undefined });
    update.ConditionExpression += ' AND attribute_not_exists(activeJobId)';
    return { Update: update };
  }

  /** The pool out of maintenance (cancelStorageMaintenance), back in its state before, as read; with what rides along (the job). */
  async cancelMaintenance(pool: StoragePool, also: object[]): Promise<StoragePool> {
    const after: StoragePool = { ...pool, state: pool.stateBefore ?? 'Up', version: pool.version + 1 };
    for (const k of ['activeJobId', 'maintenanceVmIds', 'maintenanceReason', 'stateBefore'] as const) delete after[k];
    await this.transact([{ Update: this.entityUpdate('STORAGEPOOL', pool, after as unknown as Record<string, unknown>) }, ...also], () => new ConcurrentOperationError(`Storage pool ${pool.name} changed while its maintenance was being cancelled; try again`));
    return after;
  }

  /** A maintenance that could not start: the pool back as it was, conditioned on the job holding it. */
  abandonMaintenanceOperation(poolId: string, jobId: string, stateBefore: 'Up' | 'Disabled') {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('STORAGEPOOL', poolId),
        UpdateExpression: 'SET #state = :before, #version = #version + :one REMOVE activeJobId, stateBefore',
        ConditionExpression: 'activeJobId = :job',
        ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
        ExpressionAttributeValues: { ':before': stateBefore, ':one': 1, ':job': jobId },
      },
    };
  }

  /** The VMs the maintenance stopped (added as it stops them), kept for its cancel. */
  async noteMaintenanceVms(poolId: string, jobId: string, vmIds: readonly string[]): Promise<void> {
    if (vmIds.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: entityKey('STORAGEPOOL', poolId),
        UpdateExpression: 'SET maintenanceVmIds = list_append(if_not_exists(maintenanceVmIds, :none), :ids)',
        ConditionExpression: 'activeJobId = :job',
        ExpressionAttributeValues: { ':none': [], ':ids': [...vmIds], ':job': jobId },
      }),
    );
  }

  /** The end of a pool's maintenance job: Maintenance, or ErrorInMaintenance with its reason (a cancel meanwhile: as cancelled). */
  finishMaintenanceOperation(pool: StoragePool, jobId: string, to: 'Maintenance' | 'ErrorInMaintenance', reason: string | undefined) {
    const update = this.entityUpdate('STORAGEPOOL', pool, { ...pool, state: to, activeJobId: undefined, maintenanceReason: reason, version: pool.version + 1 });
    update.ConditionExpression += ' AND activeJobId = :job';
    update.ExpressionAttributeValues[':job'] = jobId;
    return { Update: update };
  }

  /** A pool's state from `from` to `to`, unless it changed meanwhile (false). */
  async setPoolState(pool: Pick<StoragePool, 'id'>, from: StoragePool['state'], to: StoragePool['state']): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('STORAGEPOOL', pool.id),
          UpdateExpression: 'SET #state = :to, #version = #version + :one',
          ConditionExpression: '#state = :from',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
          ExpressionAttributeValues: { ':to': to, ':from': from, ':one': 1 },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** What a host measured of a pool: its size (unless an administrator fixed it) and what its files take. Not the ledger. */
  async recordPoolUse(poolId: string, use: { capacityBytes?: number; usedBytes?: number }, now: Date): Promise<void> {
    const sets = ['reported = :now'];
    const values: Record<string, unknown> = { ':now': now.toISOString() };
    if (use.capacityBytes !== undefined) {
      sets.push('capacityBytes = :cap');
      values[':cap'] = use.capacityBytes;
    }
    if (use.usedBytes !== undefined) {
      sets.push('usedBytes = :used');
      values[':used'] = use.usedBytes;
    }
    try {
      await this.db.send(new UpdateCommand({ TableName: this.table, Key: entityKey('STORAGEPOOL', poolId), UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: values }));
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err; // deleted meanwhile
    }
  }

  async updateDiskOffering(offering: DiskOffering, set: Partial<DiskOffering>, remove: Array<keyof DiskOffering> = []): Promise<DiskOffering> {
    const after = { ...applied(offering, set, remove), version: offering.version + 1 };
    try {
      await this.db.send(new UpdateCommand(this.entityUpdate('DISKOFFERING', offering, after)));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new ConcurrentOperationError(`Disk offering ${offering.name} changed while it was being updated; try again`);
      throw err;
    }
    return after;
  }

  async deleteDiskOffering(offering: DiskOffering): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: entityKey('DISKOFFERING', offering.id) }));
  }

  /** The Put of a new volume and its counters, for the transaction that makes it (with its VM, or alone). */
  volumeCreateOperations(volume: Volume) {
    return this.volumesCreateOperations([volume]);
  }

  /** The Puts of new volumes (a VM's, at its deploy) and their counters, merged: one transaction may touch a counter item once. */
  volumesCreateOperations(volumes: readonly Volume[]) {
    return [
      ...volumes.map((v) => ({ Put: { TableName: this.table, Item: this.listedItem('VOLUME', v), ConditionExpression: 'attribute_not_exists(pk)' } })),
      // A file adopted in place is claimed with it: a second import of the same file fails here.
      ...volumes.filter(adoptsFile).map((v) => ({ Put: { TableName: this.table, Item: { ...diskPathKey(v.poolId!, v.path!), volumeId: v.id, ...(v.vmId ? { vmId: v.vmId } : {}) }, ConditionExpression: 'attribute_not_exists(pk)' } })),
      ...mergedCounters(volumes.flatMap((v) => this.counterOperations('VOLUME', undefined, v))),
    ];
  }

  /**
   * A VM's ROOT volume replaced (restoreVirtualMachine): the new one made (its space held on `pool`
   * within its ceiling), the old one detached and marked Destroy until its file is gone, their
   * counters merged (one transaction touches a counter item once).
   */
  replaceRootOperations(oldRoot: Volume, newRoot: Volume, pool?: { pool: StoragePool; factor: number }): object[] {
    const detached = this.volumeUpdate(oldRoot, { state: 'Destroy' }, ['vmId', 'deviceId']);
    return [
      { Put: { TableName: this.table, Item: this.listedItem('VOLUME', newRoot), ConditionExpression: 'attribute_not_exists(pk)' } },
      detached.update,
      ...(pool ? [this.holdOperation(pool.pool, newRoot.size, pool.factor)] : []),
      ...mergedCounters([...this.counterOperations('VOLUME', undefined, newRoot), ...detached.counters]),
    ];
  }

  async createVolume(volume: Volume, also: object[] = []): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: [...this.volumeCreateOperations(volume), ...also] as never }));
  }

  /** The Update of a volume's fields (conditioned on its version, its index entries following), with its counters. */
  volumeUpdateOperations(volume: Volume, set: Partial<Volume>, remove: Array<keyof Volume> = []): object[] {
    const { update, counters } = this.volumeUpdate(volume, set, remove);
    return [update, ...counters];
  }

  private volumeUpdate(volume: Volume, set: Partial<Volume>, remove: Array<keyof Volume> = []) {
    const after = { ...applied(volume, set, remove), version: volume.version + 1 };
    return { update: { Update: this.entityUpdate('VOLUME', volume, after) }, counters: this.counterOperations('VOLUME', volume, after) };
  }

  /**
   * A volume gone for good: its item and counters, and its pool's space given back. Held to the
   * version read, so a volume is given back once.
   */
  volumeDeleteOperations(volume: Volume) {
    return [
      this.versionedDelete('VOLUME', volume),
      ...this.counterOperations('VOLUME', volume, undefined),
      ...(volume.poolId ? [this.giveBackOperation(volume.poolId, volume.size)] : []),
      ...this.releaseFileOperations([volume]),
    ];
  }

  /**
   * Volumes forgotten by the inventory while their files stay (unmanageVirtualMachine): their items
   * and counters (not merged: the caller's transaction merges them), and each pool's space given
   * back once, summed.
   */
  forgetOperations(volumes: readonly Volume[]): object[] {
    const bytesByPool = new Map<string, number>();
    for (const v of volumes) if (v.poolId) bytesByPool.set(v.poolId, (bytesByPool.get(v.poolId) ?? 0) + v.size);
    return [
      ...volumes.map((v) => this.versionedDelete('VOLUME', v)),
      ...volumes.flatMap((v) => this.counterOperations('VOLUME', v, undefined)),
      ...[...bytesByPool].map(([poolId, bytes]) => this.giveBackOperation(poolId, bytes)),
      ...this.releaseFileOperations(volumes),
    ];
  }

  /** The claims on the files these volumes adopted in place, let go with them. */
  private releaseFileOperations(volumes: readonly Volume[]): object[] {
    return volumes.filter(adoptsFile).map((v) => ({ Delete: { TableName: this.table, Key: diskPathKey(v.poolId!, v.path!) } }));
  }

  /** The volume that adopted a pool's file in place (importUnmanagedInstance, importVm), if any: read by key. */
  async fileHolder(poolId: string, path: string): Promise<{ volumeId: string; vmId?: string } | undefined> {
    return (await this.fileHolders([{ poolId, path }]))[0];
  }

  /** The holders of these files, in their order (undefined: free), in one BatchGet. */
  async fileHolders(files: ReadonlyArray<{ poolId: string; path: string }>): Promise<Array<{ volumeId: string; vmId?: string } | undefined>> {
    if (!files.length) return [];
    const items = new Map((await this.batchGetItems(files.map((f) => diskPathKey(f.poolId, f.path)), true)).map((i) => [String(i.pk), i]));
    return files.map((f) => {
      const item = items.get(diskPathKey(f.poolId, f.path).pk);
      return item ? { volumeId: String(item.volumeId), ...(item.vmId ? { vmId: String(item.vmId) } : {}) } : undefined;
    });
  }

  /** Give back `bytes` of a pool's allocation (never below zero). */
  giveBackOperation(poolId: string, bytes: number) {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('STORAGEPOOL', poolId),
        UpdateExpression: 'SET allocatedBytes = allocatedBytes - :b',
        ConditionExpression: 'allocatedBytes >= :b',
        ExpressionAttributeValues: { ':b': bytes },
      },
    };
  }

  /** Take `bytes` on a pool that is Up, within its ceiling. */
  holdOperation(pool: StoragePool, bytes: number, factor: number) {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('STORAGEPOOL', pool.id),
        UpdateExpression: 'SET allocatedBytes = allocatedBytes + :b',
        ConditionExpression: 'allocatedBytes <= :ceiling AND #state = :up',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':b': bytes, ':ceiling': poolLimit(pool, factor) - bytes, ':up': 'Up' },
      },
    };
  }

  /**
   * Place a volume on a pool: the pool's allocation and the volume's pool in one transaction. A
   * volume already placed is left as it is ('already'); losing the pool's last room (or the pool
   * leaving Up) is a CapacityRaceError, and the caller chooses again.
   */
  async allocate(volume: Volume, pool: StoragePool, factor: number, set: Partial<Volume> = {}): Promise<'allocated' | 'already'> {
    if (volume.poolId) return 'already';
    const { update, counters } = this.volumeUpdate(volume, { ...set, poolId: pool.id });
    update.Update.ConditionExpression += ' AND attribute_not_exists(poolId)';
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [this.holdOperation(pool, volume.size, factor), update, ...counters] as never }));
      return 'allocated';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (lost(reasons, 1)) {
        const now = await this.getVolume(volume.id, true);
        if (now?.poolId) return 'already';
        throw new ConcurrentOperationError(`Volume ${volume.name} changed while space was being allocated for it`);
      }
      if (lost(reasons, 0)) throw new CapacityRaceError(`Storage pool ${pool.name} no longer has room for volume ${volume.name}`);
      throw err;
    }
  }

  /**
   * Change a volume's size on its pool: the ledger moves by the difference in the same transaction,
   * a growth held to the pool's ceiling.
   */
  async resize(volume: Volume, pool: StoragePool, factor: number, size: number, extra: Partial<Volume> = {}): Promise<void> {
    const delta = size - volume.size;
    const poolOp = delta > 0 ? this.holdOperation(pool, delta, factor) : this.giveBackOperation(pool.id, -delta);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [poolOp, ...this.volumeUpdateOperations(volume, { ...extra, size })] as never }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (lost(reasons, 1)) throw new ConcurrentOperationError(`Volume ${volume.name} changed while it was being resized`);
      if (lost(reasons, 0)) throw new InsufficientCapacityError(`Storage pool ${pool.name} has no room to grow volume ${volume.name} to ${size} bytes`);
      throw err;
    }
  }

  /**
   * One transaction of writes a command composed; a write whose condition failed is explained by
   * `explain(index)` (nothing was written).
   */
  async transact(items: object[], explain: (index: number) => Error): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      const i = reasons?.findIndex((r) => r?.Code === 'ConditionalCheckFailed' || r?.Code === 'TransactionConflict') ?? -1;
      if (i >= 0) throw explain(i);
      throw err;
    }
  }

}

/** Where a host's local storage lives (CloudStack's local.storage.path default). */
export const LOCAL_STORAGE_PATH = '/var/lib/libvirt/images';

/**
 * How long a process trusts what it read of a host's pools (administrator configuration, as settings
 * are: SETTINGS_CACHE_MS bounds both), and how often one pool takes a host's report.
 */
// Never below 2 s, even where settings are read afresh (tests): every heartbeat asks, and a
// heartbeat must stay one write and few reads (the HA monitor judges hosts by their lateness).
const poolsCacheMs = () => (settingsCacheMs() === 0 ? 2_000 : 30_000);
const REPORT_EVERY_MS = 60_000;

/**
 * The heartbeat's storage half: which pools a host must keep (its cluster's, its zone's, its own),
 * and what it reports of them. Reads are cached per process (a heartbeat is every 10 s per host);
 * a pool's size and use are written at most once a minute per process however many hosts share it,
 * and its state only when it changes: Up -> Down (with an alert) when a host cannot reach it, back
 * Up when one can again.
 */
export class PoolReports {
  private readonly placeOf = new Map<string, { at: number; host: Pick<Host, 'id' | 'name' | 'zoneId' | 'podId' | 'clusterId'> | undefined }>();
  private readonly poolsOf = new Map<string, { at: number; pools: StoragePool[] }>();
  private readonly written = new Map<string, number>();

  constructor(
    private readonly storage: StorageRepository,
    private readonly hosts: { get(id: string): Promise<Host | undefined> },
    private readonly alerts: AlertsRepository,
    private readonly zones: { getZone(id: string): Promise<Zone | undefined> },
  ) {}

  /**
   * The pools the host must have, as the heartbeat's answer names them. In a zone with local storage
   * enabled, a host without a local pool gets one here (CloudStack makes it when the host connects):
   * a Filesystem pool on `/var/lib/libvirt/images`, sized by the host's report.
   */
  async poolSpecsFor(hostId: string, now = Date.now()): Promise<PoolSpec[]> {
    let pools = await this.reachable(hostId, now);
    const host = await this.place(hostId, now);
    if (host && !pools.some((p) => p.scope === 'HOST') && (await this.zones.getZone(host.zoneId))?.localStorageEnabled) {
      await this.storage.createLocalPool(host, new Date(now));
      this.poolsOf.delete(`HOST/${host.id}`);
      pools = await this.reachable(hostId, now);
    }
    return pools.map((p) => ({ id: p.id, type: p.type, host: p.host, path: p.path }));
  }

  /** Record what the host saw of its pools (only pools it reaches; others are ignored). */
  async record(hostId: string, reports: readonly PoolReport[], now = new Date()): Promise<void> {
    if (reports.length === 0) return;
    const pools = new Map((await this.reachable(hostId, now.getTime())).map((p) => [p.id, p]));
    const host = (await this.place(hostId, now.getTime()))!;
    for (const report of reports) {
      const pool = pools.get(report.id);
      if (!pool) continue;
      if (!report.available) {
        if (pool.state !== 'Up') continue;
        if (await this.storage.setPoolState(pool, 'Up', 'Down')) {
          pool.state = 'Down';
          await this.alerts.raise(
            { kind: 'storage', key: `pool-down:${pool.id}:${now.toISOString()}`, subject: `Storage pool ${pool.name} is Down: host ${host.name} cannot reach it`, description: report.reason, where: { zoneId: pool.zoneId, podId: pool.podId, clusterId: pool.clusterId, hostId } },
            now,
          );
        }
        continue;
      }
      if (pool.state === 'Down' && (await this.storage.setPoolState(pool, 'Down', 'Up'))) {
        pool.state = 'Up';
        await this.alerts.raise({ kind: 'storage', key: `pool-up:${pool.id}:${now.toISOString()}`, subject: `Storage pool ${pool.name} is Up again: host ${host.name} reaches it`, where: { zoneId: pool.zoneId, podId: pool.podId, clusterId: pool.clusterId, hostId } }, now);
      }
      const last = this.written.get(pool.id) ?? 0;
      if (now.getTime() - last < REPORT_EVERY_MS) continue;
      this.written.set(pool.id, now.getTime());
      await this.storage.recordPoolUse(pool.id, { capacityBytes: pool.capacityFixed ? undefined : report.capacityBytes, usedBytes: report.usedBytes }, now);
    }
  }

  private async place(hostId: string, now: number) {
    const hit = this.placeOf.get(hostId);
    if (hit && now - hit.at < poolsCacheMs()) return hit.host;
    const host = await this.hosts.get(hostId);
    this.placeOf.set(hostId, { at: now, host: host && { id: host.id, name: host.name, zoneId: host.zoneId, podId: host.podId, clusterId: host.clusterId } });
    return host;
  }

  /** A host's pools: its cluster's, its zone's and its own partitions, each read once per cache period per process. */
  private async reachable(hostId: string, now: number): Promise<StoragePool[]> {
    const host = await this.place(hostId, now);
    if (!host) return [];
    const read = async (scope: StoragePool['scope']) => {
      const key = `${scope}/${scope === 'CLUSTER' ? host.clusterId : scope === 'HOST' ? host.id : host.zoneId}`;
      const hit = this.poolsOf.get(key);
      if (hit && now - hit.at < poolsCacheMs()) return hit.pools;
      const pools = await this.storage.poolsIn(scope, host);
      this.poolsOf.set(key, { at: now, pools });
      return pools;
    };
    return (await Promise.all([read('CLUSTER'), read('ZONE'), read('HOST')])).flat();
  }
}

/** The VM's volumes in its order (ROOT first), consistent. */
export async function volumesOf(storage: StorageRepository, vm: Pick<Vm, 'volumeIds'>): Promise<Volume[]> {
  return vm.volumeIds?.length ? storage.getVolumes(vm.volumeIds) : [];
}

/** A volume made of a file that was there before it (imported), not one Stratus named after the volume. */
export const adoptsFile = (v: Pick<Volume, 'id' | 'poolId' | 'path'>): boolean => !!v.poolId && !!v.path && v.path !== v.id;
