import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey, strip, type Kind } from './keys';
import { counterDeltas, counterKey, indexAttributes, indexChanges, storedItem, type CatalogueKind, type Expiry, type ListedKind } from './indexing';
import type { IndexName } from './table';
import { mergedUsageUpdates, usageOperations } from './resource-counts';

/** Counter updates of several items summed per counter item (a transaction may name an item once). */
export function mergedCounters<T extends { Update: { Key: { pk: string; sk: string }; UpdateExpression: string; ExpressionAttributeValues: Record<string, number> } }>(ops: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  const passed: T[] = []; // resource counts (resource-counts.ts), merged their own way
  for (const op of ops) {
    if (!op.Update.UpdateExpression.startsWith('ADD n :n')) {
      passed.push(op);
      continue;
    }
    const key = `${op.Update.Key.pk}\u0000${op.Update.Key.sk}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...op, Update: { ...op.Update, ExpressionAttributeValues: { ...op.Update.ExpressionAttributeValues } } });
      continue;
    }
    const values = seen.Update.ExpressionAttributeValues;
    for (const k of [':n', ':gone']) if (k in op.Update.ExpressionAttributeValues) values[k] = (values[k] ?? 0) + op.Update.ExpressionAttributeValues[k];
    if (':gone' in values && !seen.Update.UpdateExpression.includes('gone :gone')) seen.Update.UpdateExpression = seen.Update.UpdateExpression.replace('ADD n :n', 'ADD n :n, gone :gone');
  }
  return [...byKey.values(), ...(mergedUsageUpdates(passed as never) as T[])];
}

/**
 * A transaction's parts with every counter Update merged into one per counter item (DynamoDB
 * takes one operation per item per transaction): for transactions that gather several kinds'
 * removals, each with its own counters.
 */
export function withCountersMerged(ops: readonly object[]): object[] {
  type Counter = Parameters<typeof mergedCounters>[0][number];
  const isCounter = (op: object): op is Counter => {
    const update = (op as { Update?: { UpdateExpression?: string } }).Update;
    return !!update?.UpdateExpression?.startsWith('ADD n :n');
  };
  return [...ops.filter((op) => !isCounter(op)), ...mergedCounters(ops.filter(isCounter))];
}

/**
 * What every repository does the same way: get an entity by id, create it once, and list a kind
 * (gsi1) or a kind within a scope (gsi2) by Query, page by page, never Scan.
 */
export abstract class Repository {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly table: string,
  ) {}

  protected async getEntity<T>(kind: Kind, id: string, consistent = false): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: entityKey(kind, id), ConsistentRead: consistent }));
    return out.Item ? strip<T>(out.Item) : undefined;
  }

  /** The full stored item of an entity of a listed kind (indexing.ts decides its index attributes). */
  protected listedItem<K extends ListedKind>(kind: K, entity: Parameters<typeof indexAttributes<K>>[1]): Record<string, unknown> {
    return storedItem(kind, entity);
  }

  /**
   * The index attributes an update of a listed item must SET and REMOVE, from the item before and
   * after it (both whole), as UpdateExpression parts with their names and values.
   */
  protected indexUpdate<K extends ListedKind>(kind: K, before: Parameters<typeof indexAttributes<K>>[1], after: Parameters<typeof indexAttributes<K>>[1]) {
    const { set, remove } = indexChanges(indexAttributes(kind, before), indexAttributes(kind, after));
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const [k, v] of Object.entries(set)) {
      names[`#ix_${k}`] = k;
      values[`:ix_${k}`] = v;
      sets.push(`#ix_${k} = :ix_${k}`);
    }
    const removes = remove.map((k) => {
      names[`#ix_${k}`] = k;
      return `#ix_${k}`;
    });
    return { sets, removes, names, values };
  }

  /**
   * The counter Updates that follow an item of a listed kind in or out of its counted partitions, for
   * the same transaction; `expiry` says when the item expires before and after (TTL buckets).
   */
  counterOperations<K extends ListedKind>(kind: K, before: Parameters<typeof indexAttributes<K>>[1] | undefined, after: Parameters<typeof indexAttributes<K>>[1] | undefined, expiry: Expiry = {}) {
    const id = (after ?? before)!.id;
    const listing = counterDeltas(kind, before, after, expiry).map((d) => {
      const adds = ['n :n'];
      const values: Record<string, number> = { ':n': d.n };
      if (d.gone !== 0) {
        adds.push('gone :gone');
        values[':gone'] = d.gone;
      }
      // A bucket's counter expires with its items.
      if (d.expires !== undefined) values[':expires'] = d.expires;
      const update = `ADD ${adds.join(', ')}${d.expires !== undefined ? ' SET expiresAt = :expires' : ''}`;
      return { Update: { TableName: this.table, Key: counterKey(d.partition, id, d.expires), UpdateExpression: update, ExpressionAttributeValues: values } };
    });
    // A VM's, volume's or backup's owner's resource counts move with it, in the same transaction.
    return [...listing, ...(usageOperations(this.table, kind, before, after) as typeof listing)];
  }

  /** The Update of an entity of a listed kind from `before` to `after` (whole), conditioned on `before`'s version. */
  protected entityUpdate<K extends ListedKind>(kind: K, before: { id: string; version?: number }, after: Record<string, unknown>) {
    const index = this.indexUpdate(kind, before as never, after as never);
    const names: Record<string, string> = { '#version': 'version', ...index.names };
    // An item written before it had a version (a seeded offering) is expected without one.
    const values: Record<string, unknown> = { ...(before.version !== undefined ? { ':expected': before.version } : {}), ...index.values };
    const sets = [...index.sets];
    const removes = [...index.removes];
    // Only what changed: fields others move without a version (a pool's ledger and measures, a
    // resource's tags) are never written back as they were read.
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (const [k, v] of Object.entries(after)) {
      if (k === 'id' || k === 'tags' || (k !== 'version' && same(v, (before as Record<string, unknown>)[k]))) continue;
      names[`#${k}`] = k;
      if (v === undefined) continue;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    for (const k of Object.keys(before)) {
      if (k === 'tags') continue;
      if (!(k in after) || (after as Record<string, unknown>)[k] === undefined) {
        names[`#${k}`] = k;
        removes.push(`#${k}`);
      }
    }
    // Names only of what the expression uses.
    const used = Object.fromEntries(Object.entries(names).filter(([n]) => n === '#version' || sets.some((s) => s.startsWith(`${n} `)) || removes.includes(n)));
    return {
      TableName: this.table,
      Key: entityKey(kind, before.id),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: before.version !== undefined ? '#version = :expected' : 'attribute_exists(pk) AND attribute_not_exists(#version)',
      ExpressionAttributeNames: used,
      ExpressionAttributeValues: values,
    };
  }

  /**
   * Update one entity from `before` to `after` (whole, its version bumped by the caller) on its own,
   * conditioned on the version read: a concurrent change makes it a 530 naming `label`, never a lost update.
   */
  protected async updateEntity<K extends ListedKind, T extends { id: string; version?: number }>(kind: K, before: T, after: T, label: string): Promise<T> {
    try {
      await this.db.send(new UpdateCommand(this.entityUpdate(kind, before, after as unknown as Record<string, unknown>)));
      return after;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new ConcurrentOperationError(`${label} changed while it was being updated; try again`);
      throw err;
    }
  }

  /** The Delete of an entity, for a transaction: held to the version read, so it is deleted (and given back) once. */
  protected versionedDelete(kind: Kind, entity: { id: string; version: number }) {
    return {
      Delete: {
        TableName: this.table,
        Key: entityKey(kind, entity.id),
        ConditionExpression: '#version = :v',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':v': entity.version },
      },
    };
  }

  /** Create once: a second put of the same id is a no-op when `idempotent`, else an error. */
  protected async putEntity<K extends ListedKind>(kind: K, entity: Parameters<typeof indexAttributes<K>>[1], { idempotent = true } = {}): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.listedItem(kind, entity),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (idempotent && (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Items by key (BatchGetItem, 100 a call), in no particular order; missing ones are left out. */
  protected async batchGet<T>(keys: ReadonlyArray<{ pk: string; sk: string }>, consistent = false): Promise<T[]> {
    return (await this.batchGetItems(keys, consistent)).map((i) => strip<T>(i));
  }

  /** The stored items behind keys, keys included. */
  protected async batchGetItems(keys: ReadonlyArray<{ pk: string; sk: string }>, consistent = false): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Array<Record<string, unknown>> | undefined = keys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; request?.length; attempt++) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: request, ConsistentRead: consistent } } }));
        items.push(...(out.Responses?.[this.table] ?? []));
        request = out.UnprocessedKeys?.[this.table]?.Keys as Array<Record<string, unknown>> | undefined;
        if (request?.length) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
    return items;
  }

  /** Every item of a catalogue kind (its one kind-wide partition): for the few internal reads of a small catalogue. */
  protected listKind<T>(kind: CatalogueKind): Promise<T[]> {
    return this.listPartition<T>('gsi1', kind);
  }

  /** Every item in one index partition (a zone's pods, an account's users: bounded by what the scope holds). */
  protected listPartition<T>(index: IndexName, partition: string): Promise<T[]> {
    return this.queryAll<T>({
      IndexName: index,
      KeyConditionExpression: '#pk = :p',
      ExpressionAttributeNames: { '#pk': `${index}pk` },
      ExpressionAttributeValues: { ':p': partition },
    });
  }

  protected async queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) items.push(strip<T>(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
