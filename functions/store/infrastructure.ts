import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Cluster, Host, HostResourceState, Pod, Zone } from '../../core/entities';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey, hostSecretKey, nameClaimKey, strip, type ItemKey, type Kind } from './keys';
import { NameTakenError } from './name-taken';
import { indexAttributes, indexChanges } from './indexing';
import { Repository } from './repository';


/** The entity named in an update or delete no longer exists. */
export class EntityGoneError extends Error {
  override readonly name = 'EntityGoneError';
  constructor(kind: Kind, id: string) {
    super(`${kind} ${id} no longer exists`);
  }
}

/** What updateHost may change: the administrator's fields only, never the capacity placement owns. */
export interface HostAdminChanges {
  hostTags?: string[];
  resourceState?: HostResourceState;
  /** a category id, or null to clear the preference */
  osCategoryPreference?: string | null;
  annotation?: string;
  lastAnnotated?: string;
}

export type HostDeletion = 'deleted' | 'notInMaintenance' | 'inUse';

type Reasons = Array<{ Code?: string }> | undefined;
const failed = (err: unknown, i: number) => ((err as { CancellationReasons?: Reasons }).CancellationReasons ?? [])[i]?.Code === 'ConditionalCheckFailed';
const cancelled = (err: unknown) => (err as Error).name === 'TransactionCanceledException';

/** Zone names are unique everywhere; pods' in their zone, clusters' in their pod, hosts' in their zone. */
const GLOBAL = 'GLOBAL';

/**
 * The administrator's writes to the infrastructure (createZone ... deleteHost). Names are unique per
 * scope through a claim item written in the same transaction as the entity. Host updates never
 * write cpuUsed/memoryUsed (placement.ts changes them in its own transactions) and are conditioned
 * on the host's `version`, which only these updates bump: a heartbeat or a reservation between the
 * read and the write cannot be lost, and two administrators cannot overwrite each other.
 */
export class InfrastructureRepository extends Repository {
  createZone = (z: Zone) => this.createNamed('ZONE', z, GLOBAL).then(() => undefined);
  createPod = (p: Pod) => this.createNamed('POD', p, p.zoneId).then(() => undefined);
  createCluster = (c: Cluster) => this.createNamed('CLUSTER', c, c.podId).then(() => undefined);
  /** 'exists' when a host with this id is already there (the bootstrap adding its simulated hosts again). */
  createHost = (h: Host) => this.createNamed('HOST', h, h.zoneId);

  updateZone = (z: Zone, set: { name?: string; allocationState?: Zone['allocationState']; localStorageEnabled?: boolean }) => this.updateNamed('ZONE', z, set, GLOBAL);
  updatePod = (p: Pod, set: { name?: string; allocationState?: Pod['allocationState'] }) => this.updateNamed('POD', p, set, p.zoneId);
  updateCluster = (c: Cluster, set: { name?: string; allocationState?: Cluster['allocationState'] }) => this.updateNamed('CLUSTER', c, set, c.podId);

  /** Apply the administrator's changes to `host` as read; ConcurrentOperationError when it changed since. */
  async updateHost(host: Host, changes: HostAdminChanges): Promise<Host> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': host.version, ':next': host.version + 1 };
    const sets = ['#version = :next'];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      if (value === null) removes.push(`#${field}`);
      else {
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
    }
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('HOST', host.id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Host>(out.Attributes ?? {});
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      if (!(await this.exists(entityKey('HOST', host.id)))) throw new EntityGoneError('HOST', host.id);
      throw new ConcurrentOperationError(`Host ${host.name} was changed by another request while it was being updated; try again`);
    }
  }

  /**
   * Delete the host, its agent secret and its name in one transaction, only while no VM holds
   * capacity on it and, unless forced, while it is in Maintenance (CloudStack's canDeleteHost). The
   * conditions are checked by DynamoDB, so a reservation racing the deletion either lands first
   * (and the deletion is refused) or fails on the missing host (and the workflow chooses again).
   */
  async deleteHost(host: Host, { forced }: { forced: boolean }): Promise<HostDeletion> {
    const condition = ['cpuUsed = :zero', 'memoryUsed = :zero', ...(forced ? [] : ['resourceState = :maintenance'])].join(' AND ');
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: entityKey('HOST', host.id),
                ConditionExpression: condition,
                ExpressionAttributeValues: { ':zero': 0, ...(forced ? {} : { ':maintenance': 'Maintenance' }) },
              },
            },
            { Delete: { TableName: this.table, Key: hostSecretKey(host.id) } },
            this.releaseClaim('HOST', host.zoneId, host.name, host.id),
            ...this.counterOperations('HOST', host, undefined),
          ],
        }),
      );
      return 'deleted';
    } catch (err) {
      if (!cancelled(err) || !failed(err, 0)) throw err;
      const now = await this.getEntity<Host>('HOST', host.id, true);
      if (!now) throw new EntityGoneError('HOST', host.id);
      if (now.cpuUsed > 0 || now.memoryUsed > 0) return 'inUse';
      return 'notInMaintenance';
    }
  }

  private async createNamed<K extends 'ZONE' | 'POD' | 'CLUSTER' | 'HOST'>(kind: K, entity: Zone | Pod | Cluster | Host, scopeId: string): Promise<'created' | 'exists'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.listedItem(kind, entity as never), ConditionExpression: 'attribute_not_exists(pk)' } },
            this.claim(kind, scopeId, entity.name, entity.id),
            ...(kind === 'HOST' ? this.counterOperations('HOST', undefined, entity as unknown as Host) : []),
          ],
        }),
      );
      return 'created';
    } catch (err) {
      if (cancelled(err) && failed(err, 0)) return 'exists';
      if (cancelled(err) && failed(err, 1)) throw new NameTakenError(kind, entity.name);
      throw err;
    }
  }

  /** Change the allocation state and/or the name; a new name takes its claim and gives up the old one. */
  private async updateNamed<K extends 'ZONE' | 'POD' | 'CLUSTER', T extends Zone | Pod | Cluster>(kind: K, entity: T, set: { name?: string; allocationState?: string; localStorageEnabled?: boolean }, scopeId: string): Promise<T> {
    const next = { ...entity, ...Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) } as T;
    const renamed = next.name !== entity.name;
    // A new name changes the search text only: the catalogue is listed in creation order.
    const { set: index } = indexChanges(indexAttributes(kind, entity as never), indexAttributes(kind, next as never));
    // The name and state always; other fields (a zone's local storage) when given.
    const others = Object.fromEntries(Object.entries(set).filter(([k, v]) => v !== undefined && k !== 'name' && k !== 'allocationState'));
    const fields: Record<string, unknown> = { name: next.name, allocationState: next.allocationState, ...others, ...index };
    const update = {
      Update: {
        TableName: this.table,
        Key: entityKey(kind, entity.id),
        UpdateExpression: `SET ${Object.keys(fields).map((f) => `#${f} = :${f}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(Object.keys(fields).map((f) => [`#${f}`, f])),
        ExpressionAttributeValues: Object.fromEntries(Object.entries(fields).map(([f, v]) => [`:${f}`, v])),
      },
    };
    // A change of case only keeps the claim: names compare case-insensitively.
    const moveClaim = renamed && next.name.toLowerCase() !== entity.name.toLowerCase();
    const items = moveClaim ? [update, this.claim(kind, scopeId, next.name, next.id), this.releaseClaim(kind, scopeId, entity.name, entity.id)] : [update];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (cancelled(err) && failed(err, 0)) throw new EntityGoneError(kind, entity.id);
      if (cancelled(err) && failed(err, 1)) throw new NameTakenError(kind, next.name);
      throw err;
    }
    return next;
  }

  private claim(kind: Kind, scopeId: string, name: string, id: string) {
    return {
      Put: {
        TableName: this.table,
        Item: { ...nameClaimKey(kind, scopeId, name), kind, id, name },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Give up a name this entity holds; a claim of another entity (or none: items made before claims) is left alone. */
  private releaseClaim(kind: Kind, scopeId: string, name: string, id: string) {
    return {
      Delete: {
        TableName: this.table,
        Key: nameClaimKey(kind, scopeId, name),
        ConditionExpression: 'attribute_not_exists(pk) OR id = :owner',
        ExpressionAttributeValues: { ':owner': id },
      },
    };
  }

  /**
   * Whether another entity holds a name (its claim item, one consistent GetItem): zone names are
   * claimed everywhere (`scopeId` ignored), hosts' in their zone. The claim written with the entity
   * is still what makes two racing creates of one name fail; this answers the error first.
   */
  async nameTaken(kind: 'ZONE' | 'HOST', scopeId: string, name: string, exceptId?: string): Promise<boolean> {
    const key = nameClaimKey(kind, kind === 'ZONE' ? GLOBAL : scopeId, name);
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return !!out.Item && out.Item.id !== exceptId;
  }

  private async exists(key: ItemKey): Promise<boolean> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true, ProjectionExpression: 'pk' }));
    return !!out.Item;
  }
}
