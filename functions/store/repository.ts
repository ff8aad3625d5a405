import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { entityKey, kindIndex, scopeIndex, scopePartition, strip, type Kind } from './keys';

/** Where an entity is listed: its kind's index order, and optionally one scope (an account, a zone). */
export interface Listing {
  order: string;
  scope?: { name: string; id: string };
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

  /** The full stored item of an entity, keys and index attributes included. */
  protected entityItem<T extends { id: string }>(kind: Kind, entity: T, listing: Listing): Record<string, unknown> {
    return {
      ...entityKey(kind, entity.id),
      ...kindIndex(kind, listing.order, entity.id),
      ...(listing.scope ? scopeIndex(kind, listing.scope.name, listing.scope.id, listing.order, entity.id) : {}),
      ...entity,
    };
  }

  /** Create once: a second put of the same id is a no-op when `idempotent`, else an error. */
  protected async putEntity<T extends { id: string }>(kind: Kind, entity: T, listing: Listing, { idempotent = true } = {}): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.entityItem(kind, entity, listing),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (idempotent && (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  protected listKind<T>(kind: Kind): Promise<T[]> {
    return this.queryAll<T>({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': kind },
    });
  }

  protected listScope<T>(kind: Kind, scope: string, scopeId: string): Promise<T[]> {
    return this.queryAll<T>({
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p',
      ExpressionAttributeValues: { ':p': scopePartition(kind, scope, scopeId) },
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
