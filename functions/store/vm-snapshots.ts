import type { VmSnapshot } from '../../core/entities';
import { entityKey } from './keys';
import { mergedCounters, Repository } from './repository';
import { tagItemsOf } from './tags';

/**
 * VM snapshots: listed and counted like volumes, and in their VM's own index partition. A snapshot
 * is created, changed and deleted only in the transaction that also changes its VM's list of them
 * (`vmSnapshotIds`) and the job: these return the transaction's parts, named, never run alone.
 */
export class VmSnapshotsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<VmSnapshot>('VMSNAPSHOT', id, consistent);

  /** Snapshots by id, in the order asked (those gone are left out). */
  async getMany(ids: readonly string[], consistent = false): Promise<VmSnapshot[]> {
    if (ids.length === 0) return [];
    const byId = new Map((await this.batchGet<VmSnapshot>(ids.map((id) => entityKey('VMSNAPSHOT', id)), consistent)).map((s) => [s.id, s]));
    return ids.map((id) => byId.get(id)).filter((s): s is VmSnapshot => !!s);
  }

  /** The Put of a new snapshot and its counters. */
  createOperations(snapshot: VmSnapshot): object[] {
    return [{ Put: { TableName: this.table, Item: this.listedItem('VMSNAPSHOT', snapshot), ConditionExpression: 'attribute_not_exists(pk)' } }, ...this.counterOperations('VMSNAPSHOT', undefined, snapshot)];
  }

  /** The Update of a snapshot's fields, conditioned on the version read. */
  updateOperations(snapshot: VmSnapshot, set: Partial<VmSnapshot>, remove: Array<keyof VmSnapshot> = []): object[] {
    const after: VmSnapshot = { ...snapshot, ...set, version: snapshot.version + 1 };
    for (const k of remove) delete after[k];
    return [{ Update: this.entityUpdate('VMSNAPSHOT', snapshot, after as unknown as Record<string, unknown>) }, ...this.counterOperations('VMSNAPSHOT', snapshot, after)];
  }

  /** The Deletes of snapshots gone for good (a VM's expunge, memory ones an offering change discards), each held to the version read, with their counters merged. */
  deleteOperations(snapshots: readonly VmSnapshot[]): object[] {
    return [
      ...snapshots.map((s) => this.versionedDelete('VMSNAPSHOT', s)),
      // Its tags go with it: their items are found by key (a tag's id is its resource and key).
      ...tagItemsOf('VMSnapshot', snapshots).map((t) => ({ Delete: { TableName: this.table, Key: entityKey('TAG', t.id) } })),
      ...mergedCounters([...snapshots.flatMap((s) => this.counterOperations('VMSNAPSHOT', s, undefined)), ...tagItemsOf('VMSnapshot', snapshots).flatMap((t) => this.counterOperations('TAG', t, undefined))]),
    ];
  }
}
