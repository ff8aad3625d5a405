import { DeleteCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainDescription } from '../../core/agent-protocol';
import type { Host, UnmanagedInstance } from '../../core/entities';
import { unmanagedClusterPartition, unmanagedHostPartition } from './indexing';
import { entityKey } from './keys';
import { Conditions, ListingRepository } from './listing';
import { Repository } from './repository';
import type { VmsRepository } from './vms';

/** What a heartbeat says of its host's domains (core/agent-protocol.ts HeartbeatRequest). */
export interface DomainReport {
  /** every domain the host has now (the heartbeat's power states) */
  present: readonly string[];
  described: readonly DomainDescription[];
  vanished: readonly string[];
  complete: boolean;
}

/** The id of a domain's item: one per domain name per host. */
export const unmanagedInstanceId = (hostId: string, name: string) => `${hostId}/${name}`;

/** A host's description of a domain as the item listUnmanagedInstances reads. */
export function unmanagedInstanceOf(host: Pick<Host, 'id' | 'name' | 'clusterId' | 'zoneId'>, d: DomainDescription, at: Date): UnmanagedInstance {
  const { stratusVmId: _managedBy, ...described } = d;
  return { ...described, id: unmanagedInstanceId(host.id, d.name), hostId: host.id, hostName: host.name, clusterId: host.clusterId, zoneId: host.zoneId, reported: at.toISOString(), created: at.toISOString() };
}

const PARALLEL_WRITES = 16;

/**
 * The domains on hosts that Stratus does not manage, as their hosts describe them. Agents describe
 * a domain when it appears, changes power state, was acted on, or at a periodic rescan, and send
 * only descriptions that changed: so a heartbeat writes here only when something changed, and
 * listUnmanagedInstances is one Query of the cluster's partition, never a call to an agent.
 * Whether a domain is managed is the inventory's answer (an instance-name item: one stands for each
 * VM that exists, never an expunged or unmanaged one's), read for the described names only.
 * unmanageVirtualMachine writes its domain's item itself, in the transaction that lets the VM go,
 * so it shows at once.
 */
export class UnmanagedInstancesRepository extends Repository {
  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly vms: Pick<VmsRepository, 'instanceNamesTaken' | 'instanceNameCheck'>,
    private readonly listing = new ListingRepository(db, table),
  ) {
    super(db, table);
  }

  get = (id: string, consistent = false) => this.getEntity<UnmanagedInstance>('UNMANAGED', id, consistent);

  /** The listed domains of this name in a cluster (one, or one per host that has it). */
  byName = (clusterId: string, name: string) => this.listing.all<UnmanagedInstance>({ index: 'gsi4', partitions: [unmanagedClusterPartition(clusterId)], filter: new Conditions().eq('name', name).absent('managed').build() });

  /** A host's unmanaged domains (its small partition). */
  onHost = (hostId: string) => this.listing.all<UnmanagedInstance>({ index: 'gsi2', partitions: [unmanagedHostPartition(hostId)] });

  /**
   * Record a heartbeat's report: described domains without a VM of their name are (re)written, those
   * with one dropped; vanished ones dropped; a complete report also drops the host's items for domains
   * it no longer has. Each write is held, in its own transaction, to the inventory still saying what
   * the read said (the instance-name item absent for a write, present for a drop): an unmanage or an
   * import that commits between the read and the write wins, so none is lost or brought back.
   */
  async record(hostId: string, report: DomainReport, now = new Date()): Promise<void> {
    if (report.described.length === 0 && report.vanished.length === 0 && !report.complete) return;
    const host = await this.getEntity<Host>('HOST', hostId);
    if (!host) return;
    const named = await this.vms.instanceNamesTaken(report.described.map((d) => d.name));
    const writes: Array<() => Promise<unknown>> = [];
    for (const d of report.described) {
      if (named.has(d.name)) writes.push(() => this.held([this.deleteOperation(host.id, d.name)], d.name, true));
      else writes.push(() => this.held([this.putOperation(unmanagedInstanceOf(host, d, now))], d.name, false));
    }
    for (const name of report.vanished) writes.push(() => this.db.send(new DeleteCommand(this.deleteOperation(host.id, name).Delete)));
    if (report.complete) {
      const present = new Set(report.present);
      for (const item of await this.onHost(host.id)) if (!present.has(item.name)) writes.push(() => this.db.send(new DeleteCommand(this.deleteOperation(host.id, item.name).Delete)));
    }
    for (let i = 0; i < writes.length; i += PARALLEL_WRITES) await Promise.all(writes.slice(i, i + PARALLEL_WRITES).map((w) => w()));
  }

  /** One write held to a VM of that name existing (`managed`) or not; the inventory changed meanwhile: nothing written. */
  private async held(ops: object[], name: string, managed: boolean): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [...ops, this.vms.instanceNameCheck(name, managed)] as never }));
    } catch (err) {
      if ((err as Error).name !== 'TransactionCanceledException') throw err;
    }
  }

  /** The Put of a domain's item, for a transaction (unmanageVirtualMachine's). */
  putOperation(instance: UnmanagedInstance) {
    return { Put: { TableName: this.table, Item: this.listedItem('UNMANAGED', instance) } };
  }

  /** The Delete of a domain's item, for a transaction; absent: a no-op. */
  deleteOperation(hostId: string, name: string) {
    return { Delete: { TableName: this.table, Key: entityKey('UNMANAGED', unmanagedInstanceId(hostId, name)) } };
  }

  /**
   * An import takes the domain: its item is marked `managed` (listed no more) in the import's
   * transaction, held to it being listed and unmarked, so two imports of one domain cannot both
   * start. The import's end removes the item (a heartbeat describing the domain as the VM's may
   * already have), its undo removes the mark.
   */
  markOperation(hostId: string, name: string, at: string) {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('UNMANAGED', unmanagedInstanceId(hostId, name)),
        UpdateExpression: 'SET managed = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(managed)',
        ExpressionAttributeValues: { ':at': at },
      },
    };
  }

  /** An undone import lists the domain again (only for an item that exists: the caller reads it first). */
  unmarkOperation(hostId: string, name: string) {
    return { Update: { TableName: this.table, Key: entityKey('UNMANAGED', unmanagedInstanceId(hostId, name)), UpdateExpression: 'REMOVE managed' } };
  }
}
