import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Caller } from '../../core/entities';
import { apiKeyKey } from './keys';

/**
 * API keys -> the caller they authenticate and the secret that signs their requests. Every API
 * request looks its key up, so found keys are cached in the process for a short time: a warm
 * Lambda verifies a signature with no DynamoDB read. Unknown keys are not cached, so a key created
 * a moment ago works at once.
 */

export interface Credentials {
  caller: Caller;
  secretKey: string;
  enabled: boolean;
}

const Item = z.object({
  userId: z.string(),
  username: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  domainId: z.string(),
  // Keys stored before callers carried their domain path were all in ROOT, the only domain then.
  domainPath: z.string().default('ROOT'),
  role: z.enum(['rootAdmin', 'domainAdmin', 'user']),
  secretKey: z.string(),
  enabled: z.boolean(),
});

export const CREDENTIALS_CACHE_MS = 30_000;

export class CredentialsRepository {
  private readonly cache = new Map<string, { value: Credentials; until: number }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async lookup(apiKey: string): Promise<Credentials | undefined> {
    const hit = this.cache.get(apiKey);
    if (hit && hit.until > this.clock()) return hit.value;
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: apiKeyKey(apiKey) }));
    if (!out.Item) {
      this.cache.delete(apiKey);
      return undefined;
    }
    const item = Item.parse(out.Item);
    const value: Credentials = {
      caller: {
        userId: item.userId,
        username: item.username,
        accountId: item.accountId,
        accountName: item.accountName,
        domainId: item.domainId,
        domainPath: item.domainPath,
        role: item.role,
      },
      secretKey: item.secretKey,
      enabled: item.enabled,
    };
    this.cache.set(apiKey, { value, until: this.clock() + CREDENTIALS_CACHE_MS });
    return value;
  }

  /** Store (or replace) a key pair for a caller; used by the bootstrap. */
  async put(apiKey: string, secretKey: string, caller: Caller, enabled = true): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: this.item(apiKey, secretKey, caller, enabled) }));
    this.cache.set(apiKey, { value: { caller: { ...caller }, secretKey, enabled }, until: this.clock() + CREDENTIALS_CACHE_MS });
  }

  /** The Put of a new key item, for a transaction (registerUserKeys). */
  putOperation(apiKey: string, secretKey: string, caller: Caller, enabled: boolean) {
    return { Put: { TableName: this.table, Item: this.item(apiKey, secretKey, caller, enabled), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  /** The Update that enables or disables a key, for a transaction (an account's state change). */
  setEnabledOperation(apiKey: string, enabled: boolean) {
    return {
      Update: {
        TableName: this.table,
        Key: apiKeyKey(apiKey),
        UpdateExpression: 'SET enabled = :enabled',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':enabled': enabled },
      },
    };
  }

  /** The Delete of a key, for a transaction (a replaced key stops working). */
  deleteOperation(apiKey: string) {
    return { Delete: { TableName: this.table, Key: apiKeyKey(apiKey) } };
  }

  /**
   * Drop cached keys after this process changed them, so its next request reads the table. Other
   * processes (other Lambda instances) keep theirs for up to CREDENTIALS_CACHE_MS (docs/decisions.md).
   */
  forget(apiKey: string): void {
    this.cache.delete(apiKey);
  }

  forgetAccount(accountId: string): void {
    for (const [key, hit] of this.cache) if (hit.value.caller.accountId === accountId) this.cache.delete(key);
  }

  private item(apiKey: string, secretKey: string, caller: Caller, enabled: boolean) {
    return { ...apiKeyKey(apiKey), ...caller, secretKey, enabled };
  }
}
