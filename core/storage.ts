import type { DiskOffering, Host, StoragePool, StoragePoolType, Volume } from './entities';
import { InvalidParameterError } from './errors';

/**
 * Primary storage, as the domain sees it: which pools a host reaches, which pool a volume may go to
 * and why the others may not (the storage allocator), the device ids volumes take on a VM, and the
 * storage URLs createStoragePool accepts. Pure: the store holds the ledger (functions/store/storage.ts).
 */

export const GiB = 1024 ** 3;

/** Device ids as CloudStack allocates them: 0 is ROOT, 3 the CD-ROM, data disks the lowest free of the rest. */
export const ROOT_DEVICE_ID = 0;
export const CDROM_DEVICE_ID = 3;
/** KVM's data disk limit (CloudStack's hypervisor_capabilities.max_data_volumes_limit for KVM). */
export const MAX_DATA_DISKS_KVM = 32;

/** The lowest free data-disk device id, or undefined when the VM has as many data disks as it may. */
export function nextDeviceId(used: readonly number[], maxDataDisks = MAX_DATA_DISKS_KVM): number | undefined {
  const taken = new Set(used);
  const dataDisks = used.filter((d) => d !== ROOT_DEVICE_ID).length;
  if (dataDisks >= maxDataDisks) return undefined;
  for (let d = 1; d <= maxDataDisks + 1; d++) if (d !== CDROM_DEVICE_ID && !taken.has(d)) return d;
  return undefined;
}

/** A device id a caller asked for: CloudStack's rule and text (VolumeApiServiceImpl). */
export function checkDeviceId(deviceId: number, maxDataDisks = MAX_DATA_DISKS_KVM): void {
  if (deviceId === CDROM_DEVICE_ID || deviceId < 0 || deviceId > maxDataDisks + 1) throw new InvalidParameterError(`deviceId should be 0,1,2,4-${maxDataDisks + 1}`);
}

/** libvirt's target device for a device id: vda, vdb, ... (the CD-ROM's 3 is hdc, never a vd*). */
export function targetDevice(deviceId: number): string {
  let n = deviceId;
  let name = '';
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `vd${name}`;
}

/** What createStoragePool's URL says: the pool type, its server and its path. */
export function parseStorageUrl(url: string): { type: StoragePoolType; host: string; path: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(\/.*)$/.exec(url.trim());
  if (!m) throw new InvalidParameterError(`${url} is not a valid uri`);
  const [, scheme, host, rawPath] = m;
  const path = rawPath.replace(/\/+$/, '') || '/';
  if (!/^\/[A-Za-z0-9_.\/-]*$/.test(path) || path.split('/').includes('..')) throw new InvalidParameterError(`Invalid path ${JSON.stringify(rawPath)} in ${url}: use an absolute path of letters, digits, '_', '.', '-' and '/'`);
  switch (scheme.toLowerCase()) {
    case 'nfs':
      if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new InvalidParameterError(`host or path is null, should be nfs://hostname/path`);
      return { type: 'NetworkFilesystem', host, path };
    case 'sharedmountpoint':
      return { type: 'SharedMountPoint', host: host || 'localhost', path };
    case 'file':
      return { type: 'Filesystem', host: host || 'localhost', path };
    default:
      throw new InvalidParameterError(`Unable to create storage pool: scheme ${scheme} is not supported; use nfs://, SharedMountPoint:// or file://`);
  }
}

/** Whether `host` reaches the pool: its cluster's pools, its zone's zone-wide pools, its own local pool. */
export function poolReaches(pool: Pick<StoragePool, 'scope' | 'zoneId' | 'clusterId' | 'hostId'>, host: Pick<Host, 'id' | 'zoneId' | 'clusterId'>): boolean {
  switch (pool.scope) {
    case 'CLUSTER':
      return pool.clusterId === host.clusterId;
    case 'ZONE':
      return pool.zoneId === host.zoneId;
    case 'HOST':
      return pool.hostId === host.id;
  }
}

/** The most a pool may hold: its size times the overprovisioning factor (thin QCOW2 files on every type Stratus mounts). */
export const poolLimit = (pool: Pick<StoragePool, 'capacityBytes'>, factor: number) => Math.floor(pool.capacityBytes * factor);

/** What a volume asks of a pool. */
export interface VolumeRequest {
  name: string;
  size: number; // bytes
  storageType: 'shared' | 'local';
  tags: string[];
}

export const tagsOf = (tags: string | undefined): string[] => (tags ? tags.split(',').map((t) => t.trim()).filter(Boolean) : []);

/** A volume's request from its disk offering (a ROOT volume's from its service offering's storage type, no tags). */
export function volumeRequest(volume: Pick<Volume, 'name' | 'size'>, offering: Pick<DiskOffering, 'tags' | 'storageType'> | undefined, fallbackStorage: 'shared' | 'local' = 'shared'): VolumeRequest {
  return { name: volume.name, size: volume.size, storageType: offering?.storageType ?? fallbackStorage, tags: tagsOf(offering?.tags) };
}

export interface PoolVerdict {
  pool: StoragePool;
  reason?: string;
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(bytes % GiB === 0 ? 0 : 2)} GiB`;

/** Why a pool cannot take the volume for a VM on `host` (undefined: it can). */
export function ruleOutPool(pool: StoragePool, request: VolumeRequest, host: Pick<Host, 'id' | 'zoneId' | 'clusterId' | 'name'> | undefined, factor: number): string | undefined {
  if (pool.state !== 'Up') return `it is ${pool.state}`;
  if (host && !poolReaches(pool, host)) return `host ${host.name} cannot reach it (${pool.scope.toLowerCase()} scope)`;
  if (request.storageType === 'local' && pool.scope !== 'HOST') return 'the disk offering asks for local storage and it is shared';
  if (request.storageType === 'shared' && pool.scope === 'HOST') return 'the disk offering asks for shared storage and it is local';
  const missing = request.tags.filter((t) => !pool.tags.includes(t));
  if (missing.length) return `it lacks the storage tag${missing.length > 1 ? 's' : ''} ${missing.join(',')}`;
  const limit = poolLimit(pool, factor);
  if (pool.allocatedBytes + request.size > limit) return `${gib(Math.max(0, limit - pool.allocatedBytes))} of its ${gib(limit)} (x${factor}) is unallocated, the volume needs ${gib(request.size)}`;
  return undefined;
}

/**
 * The storage allocator: of the pools that can take the volume, the one with the most unallocated
 * room (spreading volumes, so one pool does not fill while others idle); or every pool's reason.
 */
export function choosePool(pools: readonly StoragePool[], request: VolumeRequest, host: Parameters<typeof ruleOutPool>[2], factorOf: (pool: StoragePool) => number): { pool: StoragePool } | { ruledOut: PoolVerdict[] } {
  const verdicts = pools.map((pool) => ({ pool, reason: ruleOutPool(pool, request, host, factorOf(pool)) }));
  const fits = verdicts.filter((v) => !v.reason).map((v) => v.pool);
  if (fits.length === 0) return { ruledOut: verdicts };
  const room = (p: StoragePool) => poolLimit(p, factorOf(p)) - p.allocatedBytes;
  return { pool: [...fits].sort((a, b) => room(b) - room(a) || a.created.localeCompare(b.created))[0] };
}

/** The 533 text of a volume no pool can take, naming each pool and why. */
export function explainNoPool(label: string, request: VolumeRequest, where: string, ruledOut: readonly PoolVerdict[]): string {
  const head = `Unable to create a deployment for ${label}: no storage pool ${where} can hold volume ${request.name} (${gib(request.size)}${request.tags.length ? `, tags ${request.tags.join(',')}` : ''})`;
  if (ruledOut.length === 0) return `${head}: there is no primary storage there`;
  return `${head}: ${ruledOut.map((v) => `pool ${v.pool.name}: ${v.reason}`).join('; ')}`;
}
