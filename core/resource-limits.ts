import type { Backup, Volume, Vm } from './entities';

/**
 * Resource limits and counts as CloudStack keeps them (ResourceLimitManagerImpl): per account and
 * per domain, -1 unlimited, root admin accounts and the ROOT domain never limited, a domain's count
 * the sum of its accounts' and subdomains'. Stratus counts the types below in the same transaction
 * that takes or gives back the resource (functions/store/resource-counts.ts); the types it does not
 * count (public IPs, templates, projects, networks, VPCs, secondary storage, volume snapshots) are
 * neither listed nor settable, so no limit is accepted that nothing would enforce.
 */
export const RESOURCE_TYPES = [
  { id: 0, name: 'user_vm', account: 'max.account.user.vms', domain: 'max.domain.user.vms' },
  { id: 2, name: 'volume', account: 'max.account.volumes', domain: 'max.domain.volumes' },
  { id: 8, name: 'cpu', account: 'max.account.cpus', domain: 'max.domain.cpus' },
  { id: 9, name: 'memory', account: 'max.account.memory', domain: 'max.domain.memory' },
  { id: 10, name: 'primary_storage', account: 'max.account.primary.storage', domain: 'max.domain.primary.storage' },
  { id: 12, name: 'backup', account: 'max.account.backups', domain: 'max.domain.backups' },
  { id: 13, name: 'backup_storage', account: 'max.account.backup.storage', domain: 'max.domain.backup.storage' },
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];
export type ResourceTypeName = ResourceType['name'];
export type Usage = Partial<Record<ResourceTypeName, number>>;

/** CloudStack's types that Stratus does not count, by number: named in the refusal of a limit on them. */
export const UNCOUNTED_TYPES: Readonly<Record<number, string>> = { 1: 'public_ip', 3: 'snapshot', 4: 'template', 5: 'project', 6: 'network', 7: 'vpc', 11: 'secondary_storage' };

export const UNLIMITED = -1;
export const GIB = 1024 ** 3;

/** Storage limits are given and shown in GiB and kept in bytes, as CloudStack does. */
export const inBytes = (type: ResourceTypeName) => type === 'primary_storage' || type === 'backup_storage';

export const resourceTypeById = (id: number): ResourceType | undefined => RESOURCE_TYPES.find((t) => t.id === id);
export const resourceTypeByName = (name: string): ResourceType | undefined => RESOURCE_TYPES.find((t) => t.name === name.toLowerCase());

/**
 * What a VM takes from its account's limits: everything until it is destroyed (a recovered VM takes
 * it again); while a scale is pending, the larger of its size and the new one, so a scale takes its
 * growth when it starts (refused then, before the host does anything) and gives it back if it fails.
 */
export function vmUsage(vm: Pick<Vm, 'state' | 'cpuNumber' | 'memory' | 'pendingScale'> | undefined): Usage {
  if (!vm || vm.state === 'Destroyed' || vm.state === 'Expunging' || vm.state === 'Expunged') return {};
  const pending = vm.pendingScale;
  return { user_vm: 1, cpu: Math.max(vm.cpuNumber, pending?.cpuNumber ?? 0), memory: Math.max(vm.memory, pending?.memory ?? 0) };
}

/**
 * What a volume takes: its count and allocated size until it is destroyed (deleted, or a ROOT a
 * restore replaced), as CloudStack gives them back at destroy; a destroyed VM's ROOT keeps them
 * until the VM is expunged, since a volume item does not know its VM's state.
 */
export function volumeUsage(volume: Pick<Volume, 'state' | 'size'> | undefined): Usage {
  if (!volume || volume.state === 'Destroy' || volume.state === 'Expunging' || volume.state === 'Expunged') return {};
  return { volume: 1, primary_storage: volume.size };
}

/**
 * What a backup takes: from its creation until it is gone (Removed counts until its files are
 * deleted, so a deletion that fails gives nothing back to take again). While it is taken it holds its
 * VM's disks' size (`virtualSize`, known at its start, as CloudStack checks the limit with the
 * volumes' sizes); once taken, its own size (settled by the workflow, never refused then).
 */
export function backupUsage(backup: Pick<Backup, 'status' | 'size' | 'virtualSize'> | undefined): Usage {
  if (!backup || backup.status === 'Expunged' || backup.status === 'Error' || backup.status === 'Failed') return {};
  const taking = backup.status === 'Allocated' || backup.status === 'Queued' || backup.status === 'BackingUp';
  return { backup: 1, backup_storage: taking ? backup.virtualSize : backup.size };
}

/** The change from `before` to `after`, without the types that did not move. */
export function usageDelta(before: Usage, after: Usage): Usage {
  const delta: Usage = {};
  for (const { name } of RESOURCE_TYPES) {
    const d = (after[name] ?? 0) - (before[name] ?? 0);
    if (d !== 0) delta[name] = d;
  }
  return delta;
}

/** `ROOT/a/b` -> [`ROOT/a`, `ROOT/a/b`]: the domains whose counts a resource of that domain adds to (ROOT is never limited, so never counted as it goes). */
export function countedDomainPaths(domainPath: string): string[] {
  const parts = domainPath.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 2).join('/'));
}

/** CloudStack's toHumanReadableSize, for storage amounts in its texts. */
export function humanReadableSize(bytes: number): string {
  const units = [
    ['TB', 1024 ** 4],
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const;
  for (const [unit, size] of units) if (bytes >= size) return `${(bytes / size).toFixed(2)} ${unit}`;
  return `${bytes} bytes`;
}

const shown = (type: ResourceTypeName, amount: number) => (inBytes(type) ? humanReadableSize(amount) : String(amount));

/** The refusal text of an account limit (checkAccountResourceLimit; Stratus reserves nothing ahead, so the reservation is 0). */
export function accountLimitText(type: ResourceTypeName, account: { name: string; domainId: string }, limit: number, current: number, requested: number): string {
  return (
    `Maximum amount of resources of Type = '${type}', tag = 'null' for Account Name = ${account.name} in Domain Id = ${account.domainId} is exceeded: ` +
    `Account Resource Limit = ${shown(type, limit)}, Current Account Resource Amount = ${shown(type, current)}, Current Account Resource Reservation = ${shown(type, 0)}, Requested Resource Amount = ${shown(type, requested)}.`
  );
}

/** The refusal text of a domain limit (checkDomainResourceLimit). */
export function domainLimitText(type: ResourceTypeName, domainId: string, limit: number, current: number, requested: number): string {
  return (
    `Maximum domain resource limits of Type '${type}' for Domain Id = ${domainId} is exceeded: Domain Resource Limit = ${shown(type, limit)}, ` +
    `Current Domain Resource Amount = ${shown(type, current)}, Current Resource Reservation = ${shown(type, 0)}, Requested Resource Amount = ${shown(type, requested)}.`
  );
}

/** A configured default (max.account.* / max.domain.*, storage in GiB) as a limit in the counted unit; negative is unlimited. */
export function defaultLimit(type: ResourceTypeName, configured: number): number {
  if (configured < 0) return UNLIMITED;
  return inBytes(type) ? configured * GIB : configured;
}

/** A limit as the API shows it (`max`): storage in GiB, rounded up, as ApiResponseHelper does. */
export const shownLimit = (type: ResourceTypeName, max: number) => (max >= 0 && inBytes(type) ? Math.ceil(max / GIB) : max);

/**
 * A domain's limit of a type (findCorrectResourceLimitForDomain): its own, else the nearest
 * ancestor's below ROOT, else the configured default. `overrides` maps domain paths to their own limits.
 */
export function domainLimit(path: string, overrides: ReadonlyMap<string, number | undefined>, configured: number, type: ResourceTypeName): number {
  if (!path.includes('/')) return UNLIMITED; // ROOT
  const chain = countedDomainPaths(path).reverse();
  for (const p of chain) {
    const own = overrides.get(p);
    if (own !== undefined) return own;
  }
  return defaultLimit(type, configured);
}

/** The field stem of each type in the account and domain objects (AccountJoinDaoImpl.setResourceLimits): vmlimit, vmtotal, vmavailable, ... */
const FIELD_STEMS: Record<ResourceTypeName, string> = { user_vm: 'vm', volume: 'volume', cpu: 'cpu', memory: 'memory', primary_storage: 'primarystorage', backup: 'backup', backup_storage: 'backupstorage' };

/**
 * `<stem>limit`, `<stem>total` and `<stem>available` of each counted type, as CloudStack shows them
 * on an account or domain: limits and what is left as strings ("Unlimited" for -1, and always for a
 * root admin's account), totals as numbers, storage in GiB. `counts` undefined: totals not kept (ROOT).
 */
export function limitFields(limits: Record<ResourceTypeName, number>, counts: Usage | undefined, unlimitedView: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const { name } of RESOURCE_TYPES) {
    const stem = FIELD_STEMS[name];
    const unit = inBytes(name) ? GIB : 1;
    const limit = limits[name];
    const unlimited = unlimitedView || limit === UNLIMITED;
    out[`${stem}limit`] = unlimited ? 'Unlimited' : String(Math.floor(limit / unit));
    if (counts === undefined) continue;
    const total = Math.floor((counts[name] ?? 0) / unit);
    out[`${stem}total`] = total;
    out[`${stem}available`] = unlimited ? 'Unlimited' : String(Math.floor(limit / unit) - total);
  }
  return out;
}
