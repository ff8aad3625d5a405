import { PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from './events';
import { settingBoolean, settingDef, settingNumber } from '../../core/settings';
import { InternalError } from '../../core/errors';
import { settingKey, settingPartition } from './keys';

/**
 * Setting values: the cluster's or zone's override, else the global value, else the catalogue's default
 * (core/settings.ts). One Query reads a setting's global value and every zone override together;
 * results are cached for a few seconds per process and dropped on this process's own writes, so a
 * change made through this process applies at once and elsewhere (another Lambda function, another
 * instance) within SETTINGS_CACHE_MS; the environment's SETTINGS_CACHE_MS may change that bound.
 */
export const SETTINGS_CACHE_MS = 5_000;
/** How long a process trusts administrator configuration it read (SETTINGS_CACHE_MS, default 5 s). */
export const settingsCacheMs = () => {
  const configured = Number(process.env.SETTINGS_CACHE_MS);
  return process.env.SETTINGS_CACHE_MS !== undefined && Number.isFinite(configured) && configured >= 0 ? configured : SETTINGS_CACHE_MS;
};

interface Values {
  global?: string;
  zones: Record<string, string>;
  clusters: Record<string, string>;
}

/** Where a setting is read: the most specific override present wins (cluster, then zone, then global). */
export interface SettingScopeIds {
  zoneId?: string;
  clusterId?: string;
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
    const values: Values = { zones: {}, clusters: {} };
    for (const item of out.Items ?? []) {
      const sk = String(item.sk);
      if (sk === 'GLOBAL') values.global = String(item.value);
      else if (sk.startsWith('ZONE#')) values.zones[sk.slice('ZONE#'.length)] = String(item.value);
      else if (sk.startsWith('CLUSTER#')) values.clusters[sk.slice('CLUSTER#'.length)] = String(item.value);
    }
    this.cache.set(name, { values, until: this.clock() + settingsCacheMs() });
    return values;
  }

  /** The effective text of a setting where `at` says (cluster, zone), else its global value or default. */
  async get(name: string, at: SettingScopeIds = {}): Promise<string> {
    const def = settingDef(name);
    if (!def) throw new InternalError(`Unknown setting ${name}`);
    const v = await this.values(name);
    return (at.clusterId !== undefined ? v.clusters[at.clusterId] : undefined) ?? (at.zoneId !== undefined ? v.zones[at.zoneId] : undefined) ?? v.global ?? def.defaultValue;
  }

  getBoolean = async (name: string, at?: SettingScopeIds) => settingBoolean(await this.get(name, at));
  getNumber = async (name: string, at?: SettingScopeIds) => settingNumber(await this.get(name, at));

  /**
   * Set the global value, or the override of one zone or cluster; with `also` (the event recording
   * the change) in the same transaction. The caller validates. Last writer wins, as in CloudStack.
   */
  async put(name: string, value: string, at: { zoneId: string } | { clusterId: string } | Record<string, never> = {}, also: readonly TransactItem[] = []): Promise<void> {
    const item = { ...settingKey(name, at), name, value, ...at };
    if (also.length === 0) await this.db.send(new PutCommand({ TableName: this.table, Item: item }));
    else await this.db.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: this.table, Item: item } }, ...also] }));
    this.cache.delete(name);
  }
}
