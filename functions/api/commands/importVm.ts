import { z } from 'zod';
import type { Cluster, Host, Network, StoragePool, Template } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError, OperationRefusedError } from '../../../core/errors';
import { stableId } from '../../../core/ids';
import { isHostAddressIn } from '../../../core/ipv4';
import { checkHostName } from '../../../core/naming';
import { sizeFor } from '../../../core/scaling';
import { poolReaches } from '../../../core/storage';
import { usableBy } from '../../../core/templates';
import type { Store } from '../../store';
import { defineCommand, type CommandContext } from '../define-command';
import { newInstanceName } from '../instance-names';
import { entries, ownerFor } from '../import-params';
import { startImport } from '../import-start';
import { cs, mergeMap } from '../params';
import importUnmanagedInstance from './importUnmanagedInstance';

/** The template of a VM imported from a disk without one named (CloudStack's KVM dummy): never listed, never deployed from. */
export const IMPORT_DUMMY_TEMPLATE = 'kvm-default-vm-import-dummy-template';

const SOURCES = ['unmanaged', 'vmware', 'external', 'local', 'shared'] as const;

const params = importUnmanagedInstance.params.extend({
  zoneid: cs.uuid().meta({ description: 'the zone ID' }),
  hypervisor: cs.string().meta({ description: 'hypervisor type (KVM)' }),
  importsource: cs.string().meta({ description: 'Source location for Import: unmanaged, local, shared (vmware and external are refused: Stratus converts and copies nothing)' }),
  host: cs.string().optional().meta({ description: 'the host name or IP address (importsource=external)' }),
  username: cs.string().optional().meta({ description: 'the username for the host (importsource=external)' }),
  password: cs.string().optional().meta({ description: 'the password for the host (importsource=external)' }),
  temppath: cs.string().optional().meta({ description: 'Temp Path on external host for disk image copy (importsource=external)' }),
  diskpath: cs.string().optional().meta({ description: 'path of the disk image: its file name in the storage pool (importsource=local or shared)' }),
  networkid: cs.uuid().optional().meta({ description: 'the network for the VM\'s NIC (importsource=local or shared)' }),
  hostid: cs.uuid().optional().meta({ description: 'Host where local disk is located (importsource=local)' }),
  storageid: cs.uuid().optional().meta({ description: 'Shared storage pool where disk is located (importsource=local: the host\'s local pool)' }),
});
type Params = z.output<typeof params>;

/**
 * importVm (CloudStack 4.19+'s UnmanagedVMsManagerImpl.importVm on KVM; the VMware-to-KVM
 * conversion parameters of 4.20+ are not declared: importsource=vmware is refused). `importsource=unmanaged`
 * is importUnmanagedInstance; `shared` and `local` adopt a QCOW2 file already on a pool as the ROOT
 * disk of a new stopped VM (workflows/import-disk.asl.json): the command refuses in CloudStack's
 * words what the inventory shows wrong, a host's agent then looks at the file itself (there, a
 * standalone QCOW2, used by nothing) and gives its size. `vmware` and `external` need conversion
 * and copying Stratus does not do: refused by name.
 */
export default defineCommand({
  name: 'importVm',
  description: 'Import virtual machine from a unmanaged host into CloudStack',
  since: '4.19.0',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['listUnmanagedInstances', 'importUnmanagedInstance', 'unmanageVirtualMachine'],
  params,
  async handle(ctx) {
    const { params: p, store, command } = ctx;
    const source = p.importsource.toLowerCase();
    if (!(SOURCES as readonly string[]).includes(source)) throw new InvalidParameterError(`Invalid importsource ${p.importsource}: one of ${SOURCES.join(', ')}`);
    if (source === 'vmware') throw new InvalidParameterError('importsource=vmware is not supported: Stratus does not convert VMware VMs (virt-v2v); convert the disks to QCOW2, copy them to a primary storage pool and import each with importsource=shared');
    if (source === 'external') throw new InvalidParameterError('importsource=external is not supported: Stratus does not copy disks from hosts it does not manage; copy the disk to a primary storage pool and import it with importsource=shared (or local)');
    for (const name of ['host', 'username', 'password', 'temppath'] as const) if (p[name] !== undefined) throw new InvalidParameterError(`Parameter ${name} is for importsource=external, which Stratus does not support`);
    const zone = await store.inventory.getZone(p.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', p.zoneid);
    const cluster = await store.inventory.getCluster(p.clusterid);
    if (!cluster) throw new EntityNotFoundError(command, 'clusterid', p.clusterid);
    if (cluster.zoneId !== zone.id) throw new InvalidParameterError(`Cluster ${cluster.name} is not in zone ${zone.name}`);
    if (p.hypervisor.toLowerCase() !== cluster.hypervisor.toLowerCase()) throw new InvalidParameterError(`VM import is currently not supported for hypervisor: ${p.hypervisor} (cluster ${cluster.name} is ${cluster.hypervisor})`);
    if (source === 'unmanaged') {
      for (const name of ['diskpath', 'networkid', 'hostid', 'storageid'] as const) if (p[name] !== undefined) throw new InvalidParameterError(`Parameter ${name} is for importsource=local or shared; importsource=unmanaged imports a domain of the cluster by its name`);
      return importUnmanagedInstance.handle(ctx);
    }
    return importDisk(ctx, source as 'local' | 'shared', cluster);
  },
});

/** importsource=shared or local: a new stopped VM whose ROOT disk is the file `diskpath` of pool `storageid`. */
async function importDisk(ctx: CommandContext<Params>, source: 'local' | 'shared', cluster: Cluster) {
  const { params: p, store, caller, command, jobs, now } = ctx;
  // CloudStack's checks, in its order and words.
  if (!p.diskpath?.trim()) throw new InvalidParameterError('Disk Path is required for Import from shared/local storage');
  if (!p.networkid) throw new InvalidParameterError('Network is required for Import from shared/local storage');
  if (!p.storageid) throw new InvalidParameterError('Storage Pool is required for Import from shared/local storage');
  const pool = await store.storage.getPool(p.storageid, true);
  if (!pool) throw new EntityNotFoundError(command, 'storageid', p.storageid);
  const path = p.diskpath.trim();
  if (path.includes('/')) throw new InvalidParameterError(`Disk Path ${path} must be the file's name in storage pool ${pool.name} (its directory is the pool's, ${pool.path})`);
  const inUse = await usedBy(store, pool, path);
  if (inUse) throw new InvalidParameterError(`Disk image is already in use: ${inUse}`);
  const offering = await store.inventory.offeredServiceOffering(p.serviceofferingid);
  if (!offering) throw new EntityNotFoundError(command, 'serviceofferingid', p.serviceofferingid);
  if ((offering.storageType === 'local') !== (pool.scope === 'HOST')) throw new InvalidParameterError(`Service offering: ${offering.id} storage tags are not compatible with selected storage pool: ${pool.id}`);
  let host: Host | undefined;
  if (source === 'local') {
    if (!p.hostid) throw new InvalidParameterError('Host is required for Import from local storage');
    host = await store.hosts.get(p.hostid, true);
    if (!host) throw new EntityNotFoundError(command, 'hostid', p.hostid);
    if (pool.scope !== 'HOST' || pool.hostId !== host.id) throw new InvalidParameterError('Specified Local Storage Pool not found on Host');
    if (host.clusterId !== cluster.id) throw new InvalidParameterError(`Host ${host.name} is not in cluster ${cluster.name}`);
  } else {
    if (pool.scope === 'HOST') throw new InvalidParameterError(`Storage pool ${pool.name} is a host's local storage: import from it with importsource=local and its hostid`);
    if (p.hostid) throw new InvalidParameterError('Parameter hostid is for importsource=local: a shared pool\'s file is looked at by any Up host of the cluster');
    if (!poolReaches(pool, { id: '', zoneId: cluster.zoneId, clusterId: cluster.id })) throw new InvalidParameterError(`Storage pool ${pool.name} is not reachable from cluster ${cluster.name}`);
  }
  if (pool.state !== 'Up') throw new OperationRefusedError(`Storage pool ${pool.name} is ${pool.state}: a disk image on it cannot be imported now`);
  // The agent that looks at the file: the local disk's host, or an Up host of the cluster reaching the shared pool.
  const checker = host ?? (await store.hosts.upInCluster(cluster.id)).filter((h) => poolReaches(pool, h)).sort((a, b) => Number(b.resourceState === 'Enabled') - Number(a.resourceState === 'Enabled'))[0];
  if (!checker || checker.state !== 'Up') throw new OperationRefusedError(`No Up host of cluster ${cluster.name} can look at disk image ${path} on storage pool ${pool.name}${host ? `: host ${host.name} is ${host.state}` : ''}`);

  if (p.projectid) throw new InvalidParameterError('Parameter projectid is not supported: Stratus has no projects; import for an account with account and domainid');
  if ((p.account === undefined) !== (p.domainid === undefined)) throw new InvalidParameterError('account and domainid must be given together');
  for (const name of ['nicnetworklist', 'datadiskofferinglist'] as const)
    if (p[name] && Object.keys(p[name]).length) throw new InvalidParameterError(`Parameter ${name} is for importsource=unmanaged: an import from shared/local storage makes one NIC, on networkid, and one disk, the ROOT`);
  const owner = await ownerFor(ctx, p);
  const network = await store.inventory.getNetwork(p.networkid);
  if (!network) throw new EntityNotFoundError(command, 'networkid', p.networkid);
  const usable = (n: Network) => !n.accountId || n.accountId === owner.accountId;
  if (network.zoneId !== cluster.zoneId || !usable(network)) throw new InvalidParameterError(`Network ${network.name} is not usable by the VM's account in zone ${cluster.zoneId}`);
  const ips = entries(command, 'nicipaddresslist', p.nicipaddresslist, 'nic', 'ip4Address');
  const unknownNic = Object.keys(ips).find((k) => k !== '0');
  if (unknownNic !== undefined) throw new InvalidParameterError(`nicipaddresslist names nic ${unknownNic}: an import from shared/local storage has one NIC, 0`);
  if (ips['0'] === 'auto') throw new InvalidParameterError('nicipaddresslist ip4Address=auto needs a running guest that reports its address: give the address, or leave it out for one from the network');
  const ipAddress = ips['0'] ?? '';
  const usableAddress = isHostAddressIn(ipAddress, network.cidr) && ipAddress !== network.gateway;
  if (ipAddress && (!usableAddress || (await store.addresses.addressHolders([{ networkId: network.id, ip: ipAddress }]))[network.id]?.[ipAddress]))
    throw new InvalidParameterError(`IP address ${ipAddress} for NIC(ID: 0) is not available in network(ID: ${network.id})`);

  const details = mergeMap(p.details);
  const size = sizeFor(offering, details);
  const named = p.templateid ? await store.inventory.getTemplate(p.templateid) : undefined;
  if (p.templateid && (!named || named.removed || !usableBy(named, { caller, ownerAccountId: owner.accountId }))) throw new EntityNotFoundError(command, 'templateid', p.templateid);
  if (named?.format === 'ISO') throw new InvalidParameterError(`Template ${named.name} is an ISO: an imported VM needs a template`);
  const name = p.hostname ?? p.name;
  checkHostName(name);
  const plan = {
    powerState: 'PowerOff' as const,
    size,
    move: 'none' as const,
    nics: [{ id: '0', networkId: network.id, networkName: network.name, ipAddress, macAddress: '', matchedBy: 'nicnetworklist' as const }],
    disks: [{ id: path, label: 'vda', type: 'ROOT' as const, deviceId: 0, poolId: pool.id, poolName: pool.name, path, size: 0 }],
  };
  // The dry run takes nothing: no VM number, no dummy template.
  if (p.dryrun) {
    const value = { importable: true, name, templatename: named?.name ?? IMPORT_DUMMY_TEMPLATE, powerstate: 'PowerOff', cpunumber: size.cpuNumber, cpuspeed: size.cpuSpeed, memory: size.memory, checkedbyhostid: checker.id, checkedbyhostname: checker.name, nic: [{ id: '0', networkid: network.id, networkname: network.name, macaddress: 'new', ipaddress: ipAddress || 'allocated' }], disk: [{ id: path, type: 'ROOT', deviceid: 0, storageid: pool.id, storage: pool.name, path, size: 'the image\'s virtual size, read on the host' }] };
    return { kind: 'object' as const, key: 'importplan', value };
  }
  const template = named ?? (await importDummyTemplate(store, cluster, owner, now));
  const { seq, instanceName } = await newInstanceName(store, owner.userNumericId, p.displayname);
  return startImport(
    { store, jobs, now, caller },
    {
      plan,
      instanceName,
      vmSeq: seq,
      zoneId: cluster.zoneId,
      ...(host ? { host } : {}),
      owner,
      offering,
      template,
      name,
      displayName: p.displayname ?? p.name,
      details,
      job: { workflow: 'import-disk', cmd: 'org.apache.cloudstack.api.command.admin.vm.ImportVmCmd', input: ({ volumes }) => ({ hostId: checker.id, volumeId: volumes[0].id }) },
    },
  );
}

/**
 * Who uses a pool's file already, read by key: a volume imported from it (its claim), a volume
 * Stratus made (its file is named by the volume's id), a template's image (overlays' backing file).
 * The host's agent then checks the domains it defines and the image's lock.
 */
async function usedBy(store: Store, pool: StoragePool, path: string): Promise<string | undefined> {
  if (/^template-[0-9a-f-]{36}\.(qcow2|raw|iso)$/i.test(path)) return 'it is a template\'s image, the backing file of the VMs made from it';
  // A VM made before storage boots `<instance name>-root` of its host's default pool.
  const legacy = /^(.+)-root$/.exec(path)?.[1];
  // The three key reads at once.
  const [claim, volume, legacyNames] = await Promise.all([
    store.storage.fileHolder(pool.id, path),
    store.storage.getVolume(path.replace(/\.qcow2$/, ''), true),
    legacy ? store.vms.instanceNamesTaken([legacy]) : Promise.resolve(new Set<string>()),
  ]);
  if (claim) return `volume ${claim.volumeId}${claim.vmId ? ` of VM ${claim.vmId}` : ''} was imported from it`;
  if (volume && volume.poolId === pool.id && volume.state !== 'Expunged') return `it is the file of volume ${volume.name} (${volume.id})`;
  if (legacy && legacyNames.size) return `it is the root disk of VM ${legacy}, made before storage`;
  return undefined;
}

/** CloudStack's KVM import dummy template, made on first use (one per hypervisor), removed from the start so nobody deploys from it. */
async function importDummyTemplate(store: Store, cluster: Cluster, owner: { accountId: string; domainId: string }, now: Date): Promise<Template> {
  const id = stableId('template', IMPORT_DUMMY_TEMPLATE, cluster.hypervisor);
  const found = await store.inventory.getTemplate(id);
  if (found) return found;
  const at = now.toISOString();
  const template: Template = {
    id,
    name: IMPORT_DUMMY_TEMPLATE,
    displayText: 'VM Import Default Template',
    format: 'QCOW2',
    hypervisor: cluster.hypervisor,
    osTypeId: stableId('ostype', 'other-64'),
    osTypeName: 'Other (64-bit)',
    url: '',
    size: 0,
    isPublic: false,
    isFeatured: false,
    passwordEnabled: false,
    isDynamicallyScalable: false,
    accountId: owner.accountId,
    domainId: owner.domainId,
    created: at,
    removed: at,
  };
  await store.inventory.putTemplate(template);
  return (await store.inventory.getTemplate(id)) ?? template;
}
