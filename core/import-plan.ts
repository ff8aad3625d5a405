import type { DiskOffering, Host, Network, ServiceOffering, StoragePool, UnmanagedInstance } from './entities';
import { sizeFor, type VmSize } from './scaling';
import { nextDeviceId, ROOT_DEVICE_ID, volumeRequest, ruleOutPool } from './storage';
import { isHostAddressIn } from './ipv4';

/**
 * importUnmanagedInstance's rules (R-IMP.1-22, UnmanagedVMsManagerImpl on KVM) as a pure function:
 * from the unmanaged domain and what the command named, the plan (size, each NIC's network, address
 * and MAC, each disk's pool, volume and offering, whether the VM must move) or every refusal, in
 * CloudStack's words where it has them. The command answers the refusals (the first, or all of them
 * for a dry run); the workflow carries out the plan.
 */

/** A refusal and the code CloudStack answers it with. */
export interface Refusal {
  code: 431 | 530 | 533;
  text: string;
}

/** Who holds a MAC address now (the MAC registry): a VM, and whether that VM only keeps it for an import (an unmanaged VM's preserved NIC). */
export interface MacHolder {
  vmId: string;
  networkId: string;
  ipAddress: string;
  /** the holder is an unmanaged VM whose NICs were kept (unmanage.vm.preserve.nics): an import of the domain takes the NIC back */
  preserved: boolean;
}

export interface ImportRequest {
  instance: UnmanagedInstance;
  host: Pick<Host, 'id' | 'name' | 'zoneId' | 'clusterId' | 'hostTags'>;
  offering: ServiceOffering;
  details: Readonly<Record<string, string>>;
  /** nicnetworklist: NIC id ("0", "1", ...) -> network */
  nicNetworks: Readonly<Record<string, Network>>;
  /** nicipaddresslist: NIC id -> an IPv4 address or `auto` */
  nicIps: Readonly<Record<string, string>>;
  /** datadiskofferinglist: disk id -> disk offering */
  diskOfferings: Readonly<Record<string, DiskOffering>>;
  /** the ROOT volume's disk offering (the service offering's, if any) */
  rootDiskOffering?: DiskOffering;
  /** the zone's networks the owner may use: NICs without a map are matched to these by VLAN */
  networks: readonly Network[];
  /** the pools the host reaches */
  pools: readonly StoragePool[];
  /** each pool's overprovisioning factor */
  poolFactor: (pool: StoragePool) => number;
  /** the MAC registry's holders of the domain's MACs */
  macHolders: Readonly<Record<string, MacHolder>>;
  /** addresses already taken, per network: an explicit or reported address must be free (or the preserved NIC's own) */
  takenAddresses: Readonly<Record<string, Readonly<Record<string, string>>>>;
  migrateAllowed: boolean;
  forced: boolean;
}

export interface PlannedNic {
  id: string; // the unmanaged NIC's id
  macAddress: string; // the MAC the inventory records ('' : a new one, forced)
  networkId: string;
  networkName: string;
  /** the address the NIC gets ('' : one allocated from the network's range) */
  ipAddress: string;
  matchedBy: 'nicnetworklist' | 'vlan';
  /** the domain's MAC was held by another VM and `forced` gave this NIC a new one */
  newMac?: boolean;
  /** taken back from an unmanaged VM that kept it (its address and MAC) */
  takenFromVmId?: string;
}

export interface PlannedDisk {
  id: string;
  label: string;
  type: 'ROOT' | 'DATADISK';
  deviceId: number;
  poolId: string;
  poolName: string;
  /** the file's name in its pool (the libvirt volume) */
  path: string;
  size: number; // bytes: the disk's own size (never resized)
  diskOfferingId?: string;
}

export interface ImportPlan {
  instanceName: string;
  hostId: string;
  hostName: string;
  powerState: UnmanagedInstance['powerState'];
  size: VmSize;
  /** custom: the domain's size; matches: a fixed offering the same size; at-next-start: off, reconfigured when started */
  offeringFit: 'custom' | 'matches' | 'at-next-start';
  nics: PlannedNic[];
  disks: PlannedDisk[];
  /** the offering's host tags rule its host out: a running VM moves (migrateallowed), a stopped one is placed anew at its next start */
  move: 'none' | 'live-migration' | 'at-next-start';
}

export type PlanOutcome = { plan: ImportPlan; refusals: [] } | { plan?: undefined; refusals: Refusal[] };

const gb = (bytes: number) => Math.ceil(bytes / 2 ** 30);
const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);

export function planImport(r: ImportRequest): PlanOutcome {
  const refusals: Refusal[] = [];
  const refuse = (code: Refusal['code'], text: string) => void refusals.push({ code, text });
  const u = r.instance;

  // The size (R-IMP.3-5): a custom offering takes the domain's; a fixed one must match, or the VM be off.
  let size: VmSize | undefined;
  let offeringFit: ImportPlan['offeringFit'] = 'matches';
  if (r.offering.isCustomized) {
    offeringFit = 'custom';
    const cpuSpeed = r.details.cpuSpeed ?? (r.offering.cpuSpeed > 0 ? undefined : u.cpuSpeed > 0 ? String(u.cpuSpeed) : undefined);
    try {
      size = sizeFor(r.offering, { cpuNumber: String(u.cpuNumber), memory: String(u.memory), ...(cpuSpeed !== undefined ? { cpuSpeed } : {}) });
    } catch (err) {
      refuse(431, `Failed to import Unmanaged VM [${u.name}] because the service offering [${r.offering.name}] is not compatible due to [${(err as Error).message}].`);
    }
  } else {
    size = { cpuNumber: r.offering.cpuNumber, cpuSpeed: r.offering.cpuSpeed, memory: r.offering.memory };
    const problems: string[] = [];
    if (r.offering.cpuNumber !== u.cpuNumber) problems.push(`Service offering (${r.offering.name}) ${r.offering.cpuNumber} CPU cores do not match VM CPU cores ${u.cpuNumber} and VM is not in powered off state (Power state: ${u.powerState})`);
    if (r.offering.memory !== u.memory) problems.push(`Service offering (${r.offering.name}) ${r.offering.memory}MB memory does not match VM memory ${u.memory}MB and VM is not in powered off state (Power state: ${u.powerState})`);
    if (problems.length && u.powerState !== 'PowerOff') for (const p of problems) refuse(530, `Failed to import Unmanaged VM [${u.name}] because the service offering [${r.offering.name}] is not compatible due to [${p}].`);
    else if (problems.length) offeringFit = 'at-next-start';
  }

  // Host tags (R-IMP.13): where the domain is must suit the offering, or the VM may move.
  const tags = (r.offering.hostTags ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const missing = tags.filter((t) => !r.host.hostTags.includes(t));
  let move: ImportPlan['move'] = 'none';
  if (missing.length) {
    if (!r.migrateAllowed) refuse(530, `Service offering: ${r.offering.name} or template is not compatible with host: ${r.host.name} of unmanaged VM: ${u.name} (it lacks host tag(s) ${missing.join(',')}); import with migrateallowed=true to move it`);
    else move = u.powerState === 'PowerOn' ? 'live-migration' : 'at-next-start';
  }

  // NICs (R-IMP.9-11, 16-17): each to a network by the map or by its VLAN; its address; its MAC.
  const adapters = new Set(u.nics.map((n) => n.adapterType));
  if (adapters.size > 1) refuse(431, `Importing VM ${u.name} with multiple NICs of different types (${[...adapters].join(', ')}) is not supported`);
  const knownNics = new Set(u.nics.map((_, i) => String(i)));
  for (const id of [...Object.keys(r.nicNetworks), ...Object.keys(r.nicIps)]) if (!knownNics.has(id)) refuse(431, `NIC ID ${id} not found for unmanaged VM ${u.name}: its NICs are ${[...knownNics].join(', ') || 'none'}`);
  const nics: PlannedNic[] = [];
  for (const [i, nic] of u.nics.entries()) {
    const id = String(i);
    const vlan = nic.vlanId === undefined ? 'untagged' : `vlan://${nic.vlanId}`;
    let network = r.nicNetworks[id];
    let matchedBy: PlannedNic['matchedBy'] = 'nicnetworklist';
    if (network) {
      if ((network.vlan ?? undefined) !== nic.vlanId) refuse(431, `VLAN of network(ID: ${network.id}) ${network.vlan === undefined ? 'untagged' : `vlan://${network.vlan}`} is found different from the VLAN of nic(ID: ${id}) ${vlan} during VM import`);
    } else {
      matchedBy = 'vlan';
      const same = r.networks.filter((n) => n.vlan === nic.vlanId);
      if (same.length === 1) network = same[0];
      else if (same.length === 0) refuse(431, `Suitable network for nic(ID: ${id}) ${vlan} not found during VM import: create a network on that VLAN or give nicnetworklist[${i}].network`);
      else refuse(431, `More than one network suits nic(ID: ${id}) ${vlan} (${same.map((n) => n.name).join(', ')}): choose one with nicnetworklist[${i}].network`);
    }
    if (!network) continue;
    const holder = r.macHolders[nic.macAddress];
    let macAddress = nic.macAddress;
    let newMac = false;
    let takenFromVmId: string | undefined;
    if (holder?.preserved && holder.networkId === network.id) takenFromVmId = holder.vmId;
    else if (holder) {
      if (r.forced) {
        macAddress = '';
        newMac = true;
      } else refuse(530, `Failed to import NICs while importing vm: ${u.name}. NIC with MAC address ${nic.macAddress} exists on network ${network.name} and forced flag is disabled`);
    }
    // The address: given, `auto` (the one the domain reports), the preserved NIC's, or one allocated.
    const asked = r.nicIps[id];
    let ipAddress = '';
    if (asked === 'auto') {
      if (nic.ipAddresses.length === 1) ipAddress = nic.ipAddresses[0];
      else if (nic.ipAddresses.length === 0) refuse(431, `No IP address is known for nic(ID: ${id}) of VM ${u.name} (its host reports none): give it in nicipaddresslist[${i}].ip4Address, or leave it out for one from network ${network.name}`);
      else refuse(431, `Unable to auto-assign an IP address to nic(ID: ${id}): VM ${u.name} reports more than one (${nic.ipAddresses.join(', ')}); give the first in nicipaddresslist[${i}].ip4Address and add the others with addIpToNic`);
    } else if (asked !== undefined) ipAddress = asked;
    if (takenFromVmId && ipAddress && ipAddress !== holder!.ipAddress)
      refuse(431, `NIC(ID: ${id}) takes back the NIC VM ${takenFromVmId} kept (unmanage.vm.preserve.nics) with its address ${holder!.ipAddress}: leave nicipaddresslist[${i}] out, or give that address`);
    if (takenFromVmId) ipAddress = holder!.ipAddress;
    if (ipAddress) {
      const owner = r.takenAddresses[network.id]?.[ipAddress];
      const usable = isHostAddressIn(ipAddress, network.cidr) && ipAddress !== network.gateway;
      if (!usable || (owner !== undefined && owner !== takenFromVmId)) refuse(431, `IP address ${ipAddress} for NIC(ID: ${id}) is not available in network(ID: ${network.id})`);
    }
    nics.push({ id, macAddress, networkId: network.id, networkName: network.name, ipAddress, matchedBy, ...(newMac ? { newMac } : {}), ...(takenFromVmId ? { takenFromVmId } : {}) });
  }
  const addresses = nics.filter((n) => n.ipAddress).map((n) => `${n.networkId}/${n.ipAddress}`);
  const sameAddress = addresses.find((a, i) => addresses.indexOf(a) !== i);
  if (sameAddress) refuse(431, `Two NICs of VM ${u.name} would have address ${sameAddress.split('/')[1]} on one network`);
  const macs = nics.map((n) => n.macAddress).filter(Boolean);
  const twice = macs.find((m, i) => macs.indexOf(m) !== i);
  if (twice) refuse(431, `VM ${u.name} has two NICs with MAC address ${twice}`);

  // Disks (R-IMP.12, 16-17): the one without an offering is ROOT; each on a pool Stratus knows by id or by directory.
  const knownDisks = new Set(u.disks.map((_, i) => String(i)));
  for (const id of Object.keys(r.diskOfferings)) if (!knownDisks.has(id)) refuse(431, `Disk ID ${id} not found for unmanaged VM ${u.name}: its disks are ${[...knownDisks].join(', ') || 'none'}`);
  const mapped = Object.keys(r.diskOfferings).filter((id) => knownDisks.has(id)).length;
  if (u.disks.length === 0) refuse(431, `No attached disks found for the unmanaged VM: ${u.name}`);
  else if (mapped !== u.disks.length - 1) refuse(431, `VM has total ${u.disks.length} disks for which ${mapped} disk offering mappings provided. ${u.disks.length - 1} disks need a disk offering for import`);
  const dataControllers = new Set(u.disks.filter((_, i) => r.diskOfferings[String(i)]).map((d) => d.controller));
  if (dataControllers.size > 1) refuse(431, `Importing VM ${u.name} with different types of disk controllers for data disks (${[...dataControllers].join(', ')}) is not supported`);
  const disks: PlannedDisk[] = [];
  const deviceIds: number[] = [ROOT_DEVICE_ID];
  for (const [i, d] of u.disks.entries()) {
    const id = String(i);
    const offering = r.diskOfferings[id];
    const type = offering ? 'DATADISK' : 'ROOT';
    const pool = r.pools.find((p) => p.id === d.datastoreName) ?? r.pools.find((p) => d.datastorePath !== undefined && (p.path.replace(/\/+$/, '') === d.datastorePath.replace(/\/+$/, '') || `/mnt/${p.id}` === d.datastorePath));
    if (!pool) {
      refuse(431, `Storage pool for disk ${d.label}(${id}) with datastore: ${d.datastoreName ?? d.datastorePath ?? d.imagePath} not found in zone ID: ${r.host.zoneId}`);
      continue;
    }
    // Stratus defines a VM's disks as QCOW2 on virtio at its next start: another format would be misread, another bus unbootable.
    if (d.format !== undefined && d.format !== 'qcow2') refuse(431, `Disk ${d.label}(${id}) of VM ${u.name} is ${d.format}: Stratus runs QCOW2 disks; convert it (qemu-img convert -O qcow2) before importing`);
    if (d.controller && d.controller !== 'virtio') refuse(431, `Disk ${d.label}(${id}) of VM ${u.name} is on the ${d.controller} bus: Stratus defines disks on virtio at the VM's next start, so the guest needs virtio drivers and a virtio disk before it is imported`);
    const diskOffering = offering ?? r.rootDiskOffering;
    if (offering && !offering.isCustomized && offering.diskSize * 2 ** 30 < d.capacity)
      refuse(431, `Size of disk offering(ID: ${offering.id}) ${offering.diskSize}GB is found less than the size of disk(ID: ${id}) ${gb(d.capacity)}GB during VM import`);
    // Storage tags and shared/local: the pool it is on must suit its offering (Stratus cannot move volumes yet).
    const why = ruleOutPool({ ...pool, state: 'Up', allocatedBytes: 0 }, { ...volumeRequest({ name: d.label, size: 0 }, diskOffering) }, undefined, r.poolFactor(pool));
    if (why && diskOffering) refuse(530, `Disk offering: ${diskOffering.name} is not compatible with storage pool: ${pool.name} of unmanaged disk: ${d.label} (${why})${r.migrateAllowed ? '; Stratus cannot migrate volumes yet, so migrateallowed does not help' : ''}`);
    if (pool.state !== 'Up') refuse(530, `Storage pool ${pool.name} of unmanaged disk ${d.label} is ${pool.state}`);
    const deviceId = type === 'ROOT' ? ROOT_DEVICE_ID : nextDeviceId(deviceIds)!;
    if (type === 'DATADISK') deviceIds.push(deviceId);
    const path = d.datastoreName === pool.id && d.imagePath.startsWith(`${pool.id}/`) ? d.imagePath.slice(pool.id.length + 1) : base(d.imagePath);
    disks.push({ id, label: d.label, type, deviceId, poolId: pool.id, poolName: pool.name, path, size: d.capacity, ...(diskOffering ? { diskOfferingId: diskOffering.id } : {}) });
  }
  // ROOT first, as a VM lists its volumes.
  disks.sort((a, b) => a.deviceId - b.deviceId);

  if (refusals.length || !size) return { refusals };
  return { plan: { instanceName: u.name, hostId: r.host.id, hostName: r.host.name, powerState: u.powerState, size, offeringFit, nics, disks, move }, refusals: [] };
}
