import { hashPassword } from '../api/tenancy';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Caller, Cluster, Host, Network, Pod, ServiceOffering, StoragePool, Template, Zone } from '../../core/entities';
import { stableId } from '../../core/ids';
import { newHostRecord, REGISTRATION_TOKEN_TTL_SECONDS } from '../../core/infrastructure';
import type { Store } from '../store';

/**
 * The inventory a fresh installation starts with: the ROOT domain, the admin account and user with
 * an API key pair, one zone with a pod and a cluster, service offerings, a template and a shared
 * guest network. Every id is derived from a name, so running it again (every `npm start`) changes
 * nothing that exists and never makes a second of anything.
 */
export interface SeedOptions {
  hypervisor: 'Simulator' | 'KVM';
  now?: Date;
  /** the admin's login password, set when the admin has none yet (never replaced by a later start) */
  adminPassword?: string;
}

export interface SeedResult {
  admin: { apiKey: string; secretKey: string; caller: Caller };
  zone: Zone;
  pod: Pod;
  cluster: Cluster;
}

const apiKeyText = () => randomBytes(64).toString('base64url').slice(0, 86);

export const OFFERINGS: Array<
  Pick<ServiceOffering, 'name' | 'displayText' | 'cpuNumber' | 'cpuSpeed' | 'memory'> &
    Partial<Pick<ServiceOffering, 'isCustomized' | 'minCpuNumber' | 'maxCpuNumber' | 'minMemory' | 'maxMemory'>>
> = [
  { name: 'Small Instance', displayText: 'Small Instance, 1 vCPU at 500 MHz, 512 MiB', cpuNumber: 1, cpuSpeed: 500, memory: 512 },
  { name: 'Medium Instance', displayText: 'Medium Instance, 1 vCPU at 1 GHz, 1 GiB', cpuNumber: 1, cpuSpeed: 1000, memory: 1024 },
  { name: 'Large Instance', displayText: 'Large Instance, 4 vCPU at 2 GHz, 8 GiB', cpuNumber: 4, cpuSpeed: 2000, memory: 8192 },
  // Sized by deployVirtualMachine's details[0].cpuNumber/cpuSpeed/memory (core/scaling.ts sizeFor):
  // CloudStack's unconstrained custom offering, no size and no bounds of its own. A constrained one
  // (createServiceOffering customized=true with cpuspeed and bounds) fixes the speed.
  {
    name: 'Custom Instance',
    displayText: 'Custom Instance, the vCPUs, speed and memory given at deploy',
    cpuNumber: 1,
    cpuSpeed: 0,
    memory: 32,
    isCustomized: true,
  },
];

export async function seedInventory(store: Store, opts: SeedOptions): Promise<SeedResult> {
  const created = (opts.now ?? new Date()).toISOString();
  const inv = store.inventory;

  const domainId = stableId('domain', 'ROOT');
  await inv.putDomain({ id: domainId, name: 'ROOT', path: 'ROOT', created });
  const accountId = stableId('account', 'admin');
  await inv.putAccount({ id: accountId, name: 'admin', domainId, role: 'rootAdmin', state: 'enabled', created });
  const userId = stableId('user', 'admin');
  await inv.putUser({ id: userId, numericId: 2, username: 'admin', accountId, domainId, state: 'enabled', firstName: 'Admin', lastName: 'User', created });
  if (opts.adminPassword) await store.tenancy.setPasswordHash(userId, await hashPassword(opts.adminPassword), { onlyIfUnset: true });
  const caller: Caller = { userId, username: 'admin', accountId, accountName: 'admin', domainId, domainPath: 'ROOT', role: 'rootAdmin' };
  const keys = await adminKeys(store, userId, caller);

  const zone: Zone = { id: stableId('zone', 'zone1'), name: 'zone1', networkType: 'Advanced', allocationState: 'Enabled', created };
  await inv.putZone(zone);
  const pod: Pod = { id: stableId('pod', 'pod1'), name: 'pod1', zoneId: zone.id, gateway: '192.168.56.1', netmask: '255.255.255.0', allocationState: 'Enabled', created };
  await inv.putPod(pod);
  const cluster: Cluster = { id: stableId('cluster', 'cluster1'), name: 'cluster1', zoneId: zone.id, podId: pod.id, hypervisor: opts.hypervisor, allocationState: 'Enabled', created };
  await inv.putCluster(cluster);

  // One millisecond apart, in OFFERINGS' order: offerings list in creation order (CloudStack's id
  // ascending), so the first a client takes is the smallest, not the custom one.
  const base = Date.parse(created);
  for (const [i, o] of OFFERINGS.entries()) {
    await inv.putServiceOffering({ ...o, id: stableId('offering', o.name), offerHa: false, storageType: 'shared', dynamicScalingEnabled: true, created: new Date(base + i).toISOString() });
  }
  const template: Template = {
    id: stableId('template', 'debian-12'),
    name: 'Debian 12 (64-bit)',
    displayText: 'Debian GNU/Linux 12 (64-bit), cloud image',
    format: 'QCOW2',
    hypervisor: opts.hypervisor,
    osTypeId: stableId('ostype', 'debian-12'),
    osTypeName: 'Debian GNU/Linux 12 (64-bit)',
    url: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2',
    size: 2147483648,
    isPublic: true,
    isFeatured: true,
    passwordEnabled: false,
    isDynamicallyScalable: true,
    accountId,
    domainId,
    created,
  };
  await inv.putTemplate(template);
  const network: Network = {
    id: stableId('network', 'guestnet1'),
    name: 'guestnet1',
    displayText: 'Shared guest network of zone1',
    zoneId: zone.id,
    type: 'Shared',
    cidr: '10.1.1.0/24',
    gateway: '10.1.1.1',
    netmask: '255.255.255.0',
    domainId,
    created,
  };
  await inv.putNetwork(network);
  await seedPrimaryStorage(store, { zone, pod, cluster }, opts.hypervisor, created);
  return { admin: { ...keys, caller }, zone, pod, cluster };
}

/**
 * The cluster's primary storage, as createStoragePool makes it: a directory every host mounts
 * (SharedMountPoint). On KVM, libvirt's own images directory (the agent adopts the `default` pool
 * there) sized by what the hosts report; the simulated hosts share one of 4 TiB.
 */
/** The seeded cluster's primary storage pool: its id and where it is (demo guests put their disks there). */
export const seededPool = (clusterId: string, hypervisor: SeedOptions['hypervisor']) => ({
  id: stableId('storagepool', clusterId, 'primary1'),
  path: hypervisor === 'KVM' ? '/var/lib/libvirt/images' : '/var/lib/stratus/primary1',
});

async function seedPrimaryStorage(store: Store, where: { zone: Zone; pod: Pod; cluster: Cluster }, hypervisor: SeedOptions['hypervisor'], created: string): Promise<void> {
  const { id, path } = seededPool(where.cluster.id, hypervisor);
  if (await store.storage.getPool(id)) return;
  const pool: StoragePool = {
    id,
    name: 'primary1',
    zoneId: where.zone.id,
    podId: where.pod.id,
    clusterId: where.cluster.id,
    scope: 'CLUSTER',
    type: 'SharedMountPoint',
    host: 'localhost',
    path,
    url: `SharedMountPoint://localhost${path}`,
    state: 'Up',
    tags: [],
    ...(hypervisor === 'KVM' ? { capacityBytes: 0 } : { capacityBytes: 4 * 1024 ** 4, capacityFixed: true }),
    allocatedBytes: 0,
    usedBytes: 0,
    created,
    version: 1,
  };
  await store.storage.createPool(pool).catch((err: Error) => {
    if (err.name !== 'ConditionalCheckFailedException') throw err; // made by a concurrent bootstrap
  });
}

/** The admin's key pair: made once, then read back on every later start. */
async function adminKeys(store: Store, userId: string, caller: Caller): Promise<{ apiKey: string; secretKey: string }> {
  const user = await store.inventory.getUser(userId);
  if (user?.apiKey) {
    const known = await store.credentials.lookup(user.apiKey);
    if (known) return { apiKey: user.apiKey, secretKey: known.secretKey };
  }
  const apiKey = apiKeyText();
  const secretKey = apiKeyText();
  await store.credentials.put(apiKey, secretKey, caller);
  await store.inventory.setUserApiKey(userId, apiKey);
  return { apiKey, secretKey };
}

/**
 * A host the way addHost creates one (core/infrastructure.ts newHostRecord, through the same
 * repository call): known to the inventory but not Up until its agent registers with the one-time
 * token returned here. Adding a host whose id exists again only issues a new token, so `npm start`
 * can re-add its simulated hosts on every start.
 */
export async function addHostRecord(
  store: Store,
  where: { zone: Zone; pod: Pod; cluster: Cluster },
  host: { name: string; id?: string; hostTags?: string[]; resourceState?: Host['resourceState'] },
  now = new Date(),
): Promise<{ hostId: string; token: string; host: Host }> {
  const id = host.id ?? stableId('host', where.cluster.id, host.name);
  const record = newHostRecord(where, { ...host, id }, now);
  await store.infrastructure.createHost(record);
  const token = await store.hostAgent.createRegistrationToken(id, REGISTRATION_TOKEN_TTL_SECONDS, now);
  return { hostId: id, token, host: record };
}

/**
 * The file `npm start` and `npm run bootstrap` write for the admin (mode 0600): source it, and the
 * `cloudstack` CLI (and anything reading CLOUDSTACK_*) calls the API as the admin.
 */
export function writeCredentialsFile(path: string, writtenBy: string, apiUrl: string, keys: { apiKey: string; secretKey: string }): void {
  writeFileSync(
    path,
    `# Written by ${writtenBy}: source it, then e.g. \`cloudstack listZones\`\nexport CLOUDSTACK_ENDPOINT=${apiUrl}\nexport CLOUDSTACK_KEY=${keys.apiKey}\nexport CLOUDSTACK_SECRET=${keys.secretKey}\n`,
    { mode: 0o600 },
  );
}
