import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../../core/entities';
import type { ItemKey } from './keys';
import { TTL_ATTRIBUTE } from './table';

/**
 * Login sessions (`login`, then `sessionkey=` on each request): one item per session, keyed by a
 * hash of its key (the table never holds a usable key), expiring by DynamoDB TTL and checked
 * against `expiresAt` on every read, since TTL deletes lazily. Any API front reads the same item,
 * so a session works across every instance and ends everywhere at logout.
 */
export interface Session {
  caller: Caller;
  created: string;
  /** epoch seconds: the session ends then unless used again (each use moves it on) */
  expiresAt: number;
}

const sessionKey = (key: string): ItemKey => ({ pk: `SESSION#${createHash('sha256').update(key).digest('base64url')}`, sk: 'SESSION' });

export class SessionsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(key: string, session: Session): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...sessionKey(key), caller: session.caller, created: session.created, [TTL_ATTRIBUTE]: session.expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  /** The live session of a key; undefined when there is none or it has expired by `nowSeconds`. */
  async get(key: string, nowSeconds: number): Promise<Session | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: sessionKey(key), ConsistentRead: true }))).Item;
    if (!item || Number(item[TTL_ATTRIBUTE]) <= nowSeconds) return undefined;
    return { caller: item.caller as Caller, created: item.created as string, expiresAt: Number(item[TTL_ATTRIBUTE]) };
  }

  /** Move a live session's end on (a no-op when it has ended meanwhile). */
  async extend(key: string, expiresAt: number, nowSeconds: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sessionKey(key),
          UpdateExpression: 'SET #ttl = :until',
          ConditionExpression: 'attribute_exists(pk) AND #ttl > :now AND #ttl < :until',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': expiresAt, ':now': nowSeconds },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: sessionKey(key) }));
  }
}
