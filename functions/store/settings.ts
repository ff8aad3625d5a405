import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { settingBoolean, settingDef, settingNumber } from '../../core/settings';
import { InternalError } from '../../core/errors';
import { settingKey, settingPartition } from './keys';

/**
 * Setting values: the zone's override, else the global value, else the catalogue's default
 * (core/settings.ts). One Query reads a setting's global value and every zone override together;
 * results are cached for a few seconds per process and dropped on this process's own writes, so a
 * change made through this process applies at once and elsewhere within SETTINGS_CACHE_MS.
 */
export const SETTINGS_CACHE_MS = 5_000;

interface Values {
  global?: string;
  zones: Record<string, string>;
}

export class SettingsRepository {
  private readonly cache = new Map<string, { values: Values; until: number }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The stored values of a setting (global and per zone), without defaults. */
  async values(name: string): Promise<Values> {
    const hit = this.cache.get(name);
    if (hit && hit.until > this.clock()) return hit.values;
    const out = await this.db.send(
      new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': settingPartition(name) } }),
    );
    const values: Values = { zones: {} };
    for (const item of out.Items ?? []) {
      const sk = String(item.sk);
      if (sk === 'GLOBAL') values.global = String(item.value);
      else if (sk.startsWith('ZONE#')) values.zones[sk.slice('ZONE#'.length)] = String(item.value);
    }
    this.cache.set(name, { values, until: this.clock() + SETTINGS_CACHE_MS });
    return values;
  }

  /** The effective text of a setting, for a zone when given. */
  async get(name: string, zoneId?: string): Promise<string> {
    const def = settingDef(name);
    if (!def) throw new InternalError(`Unknown setting ${name}`);
    const v = await this.values(name);
    return (zoneId !== undefined ? v.zones[zoneId] : undefined) ?? v.global ?? def.defaultValue;
  }

  getBoolean = async (name: string, zoneId?: string) => settingBoolean(await this.get(name, zoneId));
  getNumber = async (name: string, zoneId?: string) => settingNumber(await this.get(name, zoneId));

  /** Set the global value, or a zone's override when `zoneId` is given. The caller validates. */
  async put(name: string, value: string, zoneId?: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...settingKey(name, zoneId), name, value, ...(zoneId ? { zoneId } : {}) } }));
    this.cache.delete(name);
  }
}
