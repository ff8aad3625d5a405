import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ResourceTag, TaggableType } from '../../core/entities';
import { stableId } from '../../core/ids';
import { InvalidParameterError } from '../../core/errors';
import { tagResourcePartition } from './indexing';
import { entityKey, type Kind } from './keys';
import { ListingRepository } from './listing';
import { mergedCounters, Repository } from './repository';

type Reasons = Array<{ Code?: string }> | undefined;

/** The inventory item a tag is on. */
export interface Tagged {
  kind: Extract<Kind, 'VM' | 'VOLUME' | 'VMSNAPSHOT' | 'TEMPLATE'>;
  id: string;
}

/**
 * Resource tags: one item per (resource, key), listed and counted like the resources they tag, and
 * the same key -> value on the resource item itself (`tags`, a map changed key by key, so two
 * createTags on one resource never lose each other's keys), in the same transaction. Neither moves
 * the resource's version: a tag never races a job for its VM.
 */
export class TagsRepository extends Repository {
  constructor(
    db: ConstructorParameters<typeof Repository>[0],
    table: string,
    private readonly listing = new ListingRepository(db, table),
  ) {
    super(db, table);
  }

  /** A resource's tags (its small index partition). */
  forResource = (resourceId: string) => this.listing.all<ResourceTag>({ index: 'gsi4', partitions: [tagResourcePartition(resourceId)] });

  /** Add tags to one resource, with what rides along (a finished job); a key it has already: 431, nothing written. */
  async add(resource: Tagged, tags: readonly ResourceTag[], also: object[] = []): Promise<void> {
    if (tags.length === 0) return;
    // The map must exist before a key of it can be set (an item made before tags has none).
    await this.db.send(
      new UpdateCommand({ TableName: this.table, Key: entityKey(resource.kind, resource.id), UpdateExpression: 'SET #tags = if_not_exists(#tags, :empty)', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#tags': 'tags' }, ExpressionAttributeValues: { ':empty': {} } }),
    );
    const names: Record<string, string> = { '#tags': 'tags' };
    const values: Record<string, string> = {};
    const sets = tags.map((t, i) => {
      names[`#k${i}`] = t.key;
      values[`:v${i}`] = t.value;
      return `#tags.#k${i} = :v${i}`;
    });
    const items = [
      ...tags.map((t) => ({ Put: { TableName: this.table, Item: this.listedItem('TAG', t), ConditionExpression: 'attribute_not_exists(pk)' } })),
      { Update: { TableName: this.table, Key: entityKey(resource.kind, resource.id), UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: names, ExpressionAttributeValues: values } },
      ...mergedCounters(tags.flatMap((t) => this.counterOperations('TAG', undefined, t))),
      ...also,
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      const taken = tags.findIndex((_, i) => reasons?.[i]?.Code === 'ConditionalCheckFailed');
      if (taken >= 0) throw new InvalidParameterError(`Tag ${tags[taken].key} already exists on ${tags[taken].resourceType} ${resource.id}: delete it first to change its value`);
      throw err;
    }
  }

  /** The Deletes of resources' tags and their counters (not merged: the caller's transaction merges them), for the transaction that removes the resources. */
  goneWithOperations(resourceType: TaggableType, resources: readonly TagHolder[]): object[] {
    const tags = tagItemsOf(resourceType, resources);
    return [...tags.map((t) => ({ Delete: { TableName: this.table, Key: entityKey('TAG', t.id) } })), ...tags.flatMap((t) => this.counterOperations('TAG', t, undefined))];
  }

  /** Remove tags from one resource (those gone meanwhile are skipped by the caller's next read). */
  async remove(resource: Tagged, tags: readonly ResourceTag[], also: object[] = []): Promise<void> {
    if (tags.length === 0 && also.length === 0) return;
    const names: Record<string, string> = { '#tags': 'tags' };
    const removes = tags.map((t, i) => {
      names[`#k${i}`] = t.key;
      return `#tags.#k${i}`;
    });
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          ...tags.map((t) => ({ Delete: { TableName: this.table, Key: entityKey('TAG', t.id), ConditionExpression: 'attribute_exists(pk)' } })),
          ...(tags.length ? [{ Update: { TableName: this.table, Key: entityKey(resource.kind, resource.id), UpdateExpression: `REMOVE ${removes.join(', ')}`, ExpressionAttributeNames: names } }] : []),
          ...mergedCounters(tags.flatMap((t) => this.counterOperations('TAG', t, undefined))),
          ...also,
        ] as never,
      }),
    );
  }
}

/** A tagged resource as its tags' items need it: its key -> value map and its owner. */
interface TagHolder {
  id: string;
  tags?: Record<string, string>;
  accountId: string;
  accountName?: string;
  domainId: string;
  domainPath: string;
  created: string;
}

/** The tag items of resources, from the key -> value map each keeps (createTags writes both together). */
export function tagItemsOf(resourceType: TaggableType, resources: readonly TagHolder[]): ResourceTag[] {
  return resources.flatMap((r) =>
    Object.entries(r.tags ?? {}).map(([key, value]) => ({
      id: stableId('tag', resourceType, r.id, key),
      key,
      value,
      resourceType,
      resourceId: r.id,
      accountId: r.accountId,
      accountName: r.accountName ?? '',
      domainId: r.domainId,
      domainPath: r.domainPath,
      created: r.created,
    })),
  );
}
