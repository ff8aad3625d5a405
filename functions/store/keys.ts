/**
 * Every item key of the table is built here and nowhere else (see table.ts for the layout; an
 * item's index attributes come from indexing.ts). An item's own attributes never include these;
 * `strip` removes them on the way out.
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
  | 'USAGE'
  | 'AFFINITYGROUP'
  | 'ALERT'
  | 'STORAGEPOOL'
  | 'DISKOFFERING'
  | 'VOLUME'
  | 'VMSNAPSHOT'
  | 'TAG'
  | 'UNMANAGED'
  | 'BACKUPOFFERING'
  | 'BACKUP'
  | 'BACKUPSCHEDULE'
  | 'BACKUPREPOSITORY'
  | 'SSHKEYPAIR';

export interface ItemKey {
  pk: string;
  sk: string;
}

export const entityKey = (kind: Kind, id: string): ItemKey => ({ pk: `${kind}#${id}`, sk: kind });

export const apiKeyKey = (apiKey: string): ItemKey => ({ pk: `APIKEY#${apiKey}`, sk: 'APIKEY' });
export const registrationTokenKey = (token: string): ItemKey => ({ pk: `REGTOKEN#${token}`, sk: 'REGTOKEN' });
export const hostSecretKey = (hostId: string): ItemKey => ({ pk: `HOST#${hostId}`, sk: 'SECRET' });
/**
 * An account's or a domain's resource counts and its own limits (resource-counts.ts). A domain's is
 * keyed by its path, which never changes, so a resource's write names its domain and all above it
 * from the path it carries, without reading the tree.
 */
export const RESOURCE_COUNTS = 'RESOURCES#';
export const accountCountsKey = (accountId: string): ItemKey => ({ pk: `${RESOURCE_COUNTS}ACCOUNT#${accountId}`, sk: 'RESOURCES' });
export const domainCountsKey = (domainPath: string): ItemKey => ({ pk: `${RESOURCE_COUNTS}DOMAIN#${domainPath}`, sk: 'RESOURCES' });
export const sequenceKey = (name: string): ItemKey => ({ pk: `SEQ#${name}`, sk: 'SEQ' });

/**
 * A name that must be unique in a scope (a domain's name under its parent, an account's in its
 * domain, a username everywhere): one item per name, claimed with a conditional put. Names compare
 * case-insensitively, as CloudStack's MySQL collation does.
 */
export type NameKind = 'DOMAIN' | 'ACCOUNT' | 'USER';
export const nameLockKey = (kind: NameKind, scope: string, name: string): ItemKey => ({ pk: `NAME#${kind}#${scope}#${name.toLowerCase()}`, sk: 'NAME' });
/** A name taken within a scope (zone names globally, pod names per zone, ...): a conditional put makes it unique. */
export const nameClaimKey = (kind: Kind, scopeId: string, name: string): ItemKey => ({ pk: `NAME#${kind}#${scopeId}#${name.toLowerCase()}`, sk: 'NAME' });

/**
 * A host affinity group's pin: the host its placed members share and how many are placed, beside the
 * group's item (it outlives the group while deleted members still hold capacity).
 */
export const affinityPinKey = (groupId: string): ItemKey => ({ pk: `AFFINITYGROUP#${groupId}`, sk: 'PIN' });

/** A setting's value: `CONFIG#<name>` / `GLOBAL`, or `ZONE#<id>` / `CLUSTER#<id>` for an override. */
export const settingKey = (name: string, at: { zoneId?: string; clusterId?: string }): ItemKey => ({
  pk: `CONFIG#${name}`,
  sk: at.clusterId ? `CLUSTER#${at.clusterId}` : at.zoneId ? `ZONE#${at.zoneId}` : 'GLOBAL',
});
export const settingPartition = (name: string) => `CONFIG#${name}`;

/** Destroyed VMs waiting for the scheduled expunge, ordered by when they were destroyed. */
export const EXPUNGE_QUEUE = 'EXPUNGE#QUEUE';
export const expungeQueueKey = (destroyed: string, vmId: string): ItemKey => ({ pk: EXPUNGE_QUEUE, sk: `${destroyed}#${vmId}` });

/** Jobs not yet completed, ordered by creation: the reconciler's worklist. */
export const PENDING_JOBS = 'JOB#PENDING';
export const pendingJobKey = (created: string, jobId: string): ItemKey => ({ pk: PENDING_JOBS, sk: `${created}#${jobId}` });

/** VMs a failed job left in Error still holding host capacity: the reconciler frees it once the host shows the domain off. */
export const ERROR_HOLDS = 'VM#ERRORHOLD';
export const errorHoldKey = (vmId: string): ItemKey => ({ pk: ERROR_HOLDS, sk: vmId });

/** VMs the HA monitor started a restart job for: it follows each job to its end, then raises the outcome's alert. */
export const HA_RESTARTS = 'HA#RESTART';
export const haRestartKey = (vmId: string): ItemKey => ({ pk: HA_RESTARTS, sk: vmId });

/**
 * Hosts the HA monitor must look at although their heartbeat is on time: back from Alert or Down,
 * reporting a domain that changed, receiving a migrated VM. Written by what changed; the monitor
 * deletes each once it has nothing left to decide there.
 */
export const HA_ATTENTION = 'HA#ATTENTION';
export const haAttentionKey = (hostId: string): ItemKey => ({ pk: HA_ATTENTION, sk: hostId });

/** VMs stopped for an HA restart that has not started yet (the flag `haRestartPending` on the VM), written with the flag. */
export const HA_PENDING = 'HA#PENDING';
export const haPendingKey = (vmId: string): ItemKey => ({ pk: HA_PENDING, sk: vmId });

/** A guest address in use on a network: one item per address, so an address is never given twice. */
export const addressKey = (networkId: string, ip: string): ItemKey => ({ pk: `ADDR#${networkId}`, sk: ip });
/**
 * A disk image file a volume was made of in place (imported: its path is not the volume's id, as the
 * files Stratus makes are named): one volume per file, so no two VMs ever write one image.
 */
export const diskPathKey = (poolId: string, path: string): ItemKey => ({ pk: `DISKPATH#${poolId}#${path}`, sk: 'DISKPATH' });
/** The MAC registry: who holds a MAC address (one NIC in the whole cloud). */
export const macKey = (mac: string): ItemKey => ({ pk: `MAC#${mac.toLowerCase()}`, sk: 'MAC' });

/** A VM's instance name (the libvirt domain name a heartbeat reports), pointing at its VM. */
export const instanceNameKey = (instanceName: string): ItemKey => ({ pk: `INSTANCE#${instanceName}`, sk: 'INSTANCE' });

/** When a scheduled job last ran. */
export const scheduleKey = (name: string): ItemKey => ({ pk: `SCHEDULE#${name}`, sk: 'SCHEDULE' });

export const taskPartition = (hostId: string) => `TASK#${hostId}`;
export const taskKey = (hostId: string, taskId: string): ItemKey => ({ pk: taskPartition(hostId), sk: `TASK#${taskId}` });
/** How many tasks the host's partition holds: what an idle agent's poll reads instead of the partition. */
export const taskMarkKey = (hostId: string): ItemKey => ({ pk: taskPartition(hostId), sk: 'MARK' });

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'gsi5pk', 'gsi5sk', 'text', 'expiresAt'] as const;

/** The domain object behind a stored item. */
export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
}
