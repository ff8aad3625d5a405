/**
 * Every key and index attribute of the table is built here and nowhere else (see table.ts for the
 * layout). An item's own attributes never include these; `strip` removes them on the way out.
 */
export type Kind =
  | 'DOMAIN'
  | 'ACCOUNT'
  | 'USER'
  | 'ZONE'
  | 'POD'
  | 'CLUSTER'
  | 'HOST'
  | 'OFFERING'
  | 'TEMPLATE'
  | 'NETWORK'
  | 'VM'
  | 'JOB'
  | 'EVENT'
  | 'AFFINITYGROUP';

export interface ItemKey {
  pk: string;
  sk: string;
}

export const entityKey = (kind: Kind, id: string): ItemKey => ({ pk: `${kind}#${id}`, sk: kind });

/** gsi1: all items of a kind, ordered by `order` (a name or a creation time, then the id for uniqueness). */
export const kindIndex = (kind: Kind, order: string, id: string) => ({ gsi1pk: kind, gsi1sk: `${order}#${id}` });

/** gsi2: the items of a kind within a scope (an account, a zone, a VM). */
export const scopeIndex = (kind: Kind, scope: string, scopeId: string, order: string, id: string) => ({
  gsi2pk: `${kind}#${scope}#${scopeId}`,
  gsi2sk: `${order}#${id}`,
});
export const scopePartition = (kind: Kind, scope: string, scopeId: string) => `${kind}#${scope}#${scopeId}`;

export const apiKeyKey = (apiKey: string): ItemKey => ({ pk: `APIKEY#${apiKey}`, sk: 'APIKEY' });
export const registrationTokenKey = (token: string): ItemKey => ({ pk: `REGTOKEN#${token}`, sk: 'REGTOKEN' });
export const hostSecretKey = (hostId: string): ItemKey => ({ pk: `HOST#${hostId}`, sk: 'SECRET' });
export const sequenceKey = (name: string): ItemKey => ({ pk: `SEQ#${name}`, sk: 'SEQ' });

/** A setting's value: `CONFIG#<name>` / `GLOBAL`, or `ZONE#<id>` / `CLUSTER#<id>` for an override. */
export const settingKey = (name: string, at: { zoneId?: string; clusterId?: string }): ItemKey => ({
  pk: `CONFIG#${name}`,
  sk: at.clusterId ? `CLUSTER#${at.clusterId}` : at.zoneId ? `ZONE#${at.zoneId}` : 'GLOBAL',
});
export const settingPartition = (name: string) => `CONFIG#${name}`;

export const taskPartition = (hostId: string) => `TASK#${hostId}`;
export const taskKey = (hostId: string, taskId: string): ItemKey => ({ pk: taskPartition(hostId), sk: `TASK#${taskId}` });

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt'] as const;

/** The domain object behind a stored item. */
export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}
