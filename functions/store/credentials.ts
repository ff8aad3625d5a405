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

  /** Store (or replace) a key pair for a caller; used by the bootstrap and key registration. */
  async put(apiKey: string, secretKey: string, caller: Caller, enabled = true): Promise<void> {
    const item = { ...apiKeyKey(apiKey), ...caller, secretKey, enabled };
    await this.db.send(new PutCommand({ TableName: this.table, Item: item }));
    this.cache.set(apiKey, { value: { caller: { ...caller }, secretKey, enabled }, until: this.clock() + CREDENTIALS_CACHE_MS });
  }
}
