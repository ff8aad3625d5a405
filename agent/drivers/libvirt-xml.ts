import { XMLParser } from 'fast-xml-parser';
import type { DomainDescription, VmSnapshotSpec, VmSpec } from '../../core/agent-protocol';
import { stableId, UUID_PATTERN } from '../../core/ids';
import { DriverError } from './driver';

/**
 * Libvirt domain XML for a VM spec. Every value goes through escapeXml, names are validated first
 * (they also become virsh arguments and volume names), and the display name is only ever text in
 * <title>, <description> and the Stratus metadata, never markup: a display name such as
 * `</name><devices>` cannot change the domain.
 */

/** Where a VM's NICs attach on the host: a libvirt network (`default` is libvirt's NAT) or a bridge. */
export interface NicSource {
  type: 'network' | 'bridge';
  name: string;
}

/** A disk of the domain: a volume of a libvirt pool, at a target device (vda for ROOT). */
export interface DomainDisk {
  pool: string;
  volume: string;
  format: 'qcow2' | 'raw';
  target: string; // vda, vdb, ...
}

export interface DomainXmlOptions {
  uuid: string;
  disks: readonly DomainDisk[]; // the first boots
  nicSource: NicSource;
  domainType?: string; // default `kvm`
  /** the ISO file in the CD-ROM (hdc); absent: the drive is there, empty, for attachIso to fill live */
  cdromPath?: string;
  /** the config drive's ISO (a second CD-ROM, hdd, as CloudStack's KVM config drive): absent, none */
  configDrivePath?: string;
}

/** The CD-ROM every domain has (device id 3, CloudStack's hdc), with its ISO or empty. */
export function cdromXml(path: string | undefined, indent = '    ', target = 'hdc'): string {
  if (path !== undefined && !/^\/[A-Za-z0-9_.\/-]+$/.test(path)) throw invalid(`Invalid ISO path ${JSON.stringify(path)}`);
  return (
    `${indent}<disk type='file' device='cdrom'>\n` +
    `${indent}  <driver name='qemu' type='raw'/>\n` +
    (path ? `${indent}  <source file='${escapeXml(path)}'/>\n` : '') +
    `${indent}  <target dev='${target}' bus='ide'/>\n` +
    `${indent}  <readonly/>\n` +
    `${indent}</disk>\n`
  );
}

/** One disk's `<disk>` element: in the domain, and alone for attach-device / detach-device. */
export function diskXml(disk: DomainDisk, indent = '    '): string {
  const pool = validName('storage pool', disk.pool);
  const volume = validName('volume name', disk.volume);
  if (disk.format !== 'qcow2' && disk.format !== 'raw') throw invalid(`Invalid disk format ${JSON.stringify(disk.format)}`);
  if (!/^vd[a-z]{1,3}$/.test(disk.target)) throw invalid(`Invalid disk target ${JSON.stringify(disk.target)}`);
  const x = escapeXml;
  return (
    `${indent}<disk type='volume' device='disk'>\n` +
    `${indent}  <driver name='qemu' type='${x(disk.format)}'/>\n` +
    `${indent}  <source pool='${x(pool)}' volume='${x(volume)}'/>\n` +
    `${indent}  <target dev='${x(disk.target)}' bus='virtio'/>\n` +
    `${indent}</disk>\n`
  );
}

export const STRATUS_METADATA_NS = 'urn:stratus:libvirt:vm:1';

/** Domain, pool, volume and network names: what libvirt, virsh's shell and a file name all accept as is. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

function invalid(message: string): DriverError {
  return new DriverError('InvalidParameterError', message, false);
}

/** A name used as a domain, pool, volume or network name; throws InvalidParameterError otherwise. */
export function validName(kind: string, name: string): string {
  if (!SAFE_NAME.test(name)) {
    throw invalid(`Invalid ${kind} ${JSON.stringify(name)}: use 1-100 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
  return name;
}

/** A unicast MAC address in libvirt's lower-case form; throws InvalidParameterError otherwise. */
export function validMac(mac: string): string {
  const lower = mac.toLowerCase();
  if (!MAC.test(lower)) throw invalid(`Invalid MAC address ${JSON.stringify(mac)}`);
  if (parseInt(lower.slice(0, 2), 16) & 1) throw invalid(`MAC address ${mac} is multicast; a NIC needs a unicast address`);
  return lower;
}

/** The domain's UUID: the VM id when it is one (as CloudStack does), else one derived from it. */
export function domainUuid(vmId: string): string {
  const lower = vmId.toLowerCase();
  return UUID_PATTERN.test(lower) ? lower : stableId('libvirt-domain', vmId);
}

/** Characters XML 1.0 cannot carry at all, even escaped; they become U+FFFD. */
const NOT_XML = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Text or attribute content: markup characters escaped, characters XML cannot hold replaced. */
export function escapeXml(value: string | number): string {
  return String(value)
    .replace(NOT_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;'); // a raw CR would be read back as a newline
}

/**
 * CPU shares weigh the VM's CPU time as CloudStack does (cores x MHz), capped at 10000: the most
 * cgroup v2's cpu.weight (which libvirt writes the shares to) accepts.
 */
export function cpuShares(spec: Pick<VmSpec, 'cpuNumber' | 'cpuSpeed'>): number {
  return Math.max(2, Math.min(10_000, spec.cpuNumber * spec.cpuSpeed));
}

export function domainXml(spec: VmSpec, o: DomainXmlOptions): string {
  const name = validName('instance name', spec.instanceName);
  if (o.disks.length === 0) throw invalid(`Domain ${name} needs at least one disk`);
  const disks = o.disks.map((d) => diskXml(d));
  const targets = o.disks.map((d) => d.target);
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  if (twice) throw invalid(`Two disks of domain ${name} are at ${twice}`);
  const nicType = o.nicSource.type; // also an attribute name below, so only these two
  if (nicType !== 'network' && nicType !== 'bridge') throw invalid(`Invalid NIC source type ${JSON.stringify(nicType)}`);
  const source = validName(nicType, o.nicSource.name);
  if (!UUID_PATTERN.test(o.uuid)) throw invalid(`Invalid domain UUID ${JSON.stringify(o.uuid)}`);
  const macs = spec.nics.map((n) => validMac(n.macAddress));
  const duplicate = macs.find((m, i) => macs.indexOf(m) !== i);
  if (duplicate) throw invalid(`MAC address ${duplicate} is given to more than one NIC`);
  const x = escapeXml;
  // A dynamically scalable VM boots with its ceilings (vCPUs it may hot-plug, a memory balloon it
  // may inflate to) and its current size below them.
  const maxMemory = Math.max(spec.memory, spec.maxMemory ?? spec.memory);
  const maxCpuNumber = Math.max(spec.cpuNumber, spec.maxCpuNumber ?? spec.cpuNumber);
  const vcpu =
    maxCpuNumber > spec.cpuNumber
      ? `  <vcpu placement='static' current='${x(spec.cpuNumber)}'>${x(maxCpuNumber)}</vcpu>\n`
      : `  <vcpu placement='static'>${x(spec.cpuNumber)}</vcpu>\n`;
  // libvirt refuses a title with a line break; <description> and the metadata keep the raw text.
  const title = spec.displayName.replace(/[\r\n]+/g, ' ');
  const interfaces = macs.map(
    (mac) =>
      `    <interface type='${nicType}'>\n` +
      `      <mac address='${x(mac)}'/>\n` +
      `      <source ${nicType}='${x(source)}'/>\n` +
      `      <model type='virtio'/>\n` +
      `    </interface>\n`,
  );
  const nicMetadata = spec.nics.map(
    (nic, i) => `      <stratus:nic mac='${x(macs[i])}' network='${x(nic.networkName)}' ip='${x(nic.ipAddress)}'/>\n`,
  );
  return (
    `<domain type='${x(o.domainType ?? 'kvm')}'>\n` +
    `  <name>${x(name)}</name>\n` +
    `  <uuid>${x(o.uuid)}</uuid>\n` +
    `  <title>${x(title)}</title>\n` +
    `  <description>${x(spec.displayName)}</description>\n` +
    `  <metadata>\n` +
    `    <stratus:vm xmlns:stratus='${x(STRATUS_METADATA_NS)}'>\n` +
    `      <stratus:id>${x(spec.vmId)}</stratus:id>\n` +
    `      <stratus:display-name>${x(spec.displayName)}</stratus:display-name>\n` +
    `      <stratus:template id='${x(spec.template.id)}' format='${x(spec.template.format)}' url='${x(spec.template.url)}'/>\n` +
    nicMetadata.join('') +
    `    </stratus:vm>\n` +
    `  </metadata>\n` +
    `  <memory unit='MiB'>${x(maxMemory)}</memory>\n` +
    `  <currentMemory unit='MiB'>${x(spec.memory)}</currentMemory>\n` +
    vcpu +
    `  <cputune>\n    <shares>${x(cpuShares(spec))}</shares>\n  </cputune>\n` +
    `  <cpu mode='host-model'/>\n` + // the host's CPU features, not QEMU's lowest-common model
    `  <os>\n    <type>hvm</type>\n    <boot dev='hd'/>\n    <boot dev='cdrom'/>\n  </os>\n` +
    `  <features>\n    <acpi/>\n    <apic/>\n  </features>\n` +
    `  <clock offset='utc'/>\n` +
    `  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n` +
    `  <devices>\n` +
    disks.join('') +
    cdromXml(o.cdromPath) +
    (o.configDrivePath ? cdromXml(o.configDrivePath, '    ', 'hdd') : '') +
    interfaces.join('') +
    `    <serial type='pty'/>\n` +
    `    <console type='pty'/>\n` +
    // qemu-guest-agent's channel: what a quiesced backup freezes the guest's filesystems through (CloudStack's KVM domains have it too).
    `    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n    </channel>\n` +
    `    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>\n` +
    `  </devices>\n` +
    `</domain>\n`
  );
}

/**
 * A VM snapshot's XML for `snapshot-create`: internal, with the memory or not. With the domain's
 * XML, the same snapshot defined again on another host (`--redefine`) from the data its QCOW2
 * files already hold.
 */
export function snapshotXml(snapshot: VmSnapshotSpec, domain?: string): string {
  const x = escapeXml;
  const lines = [
    '<domainsnapshot>',
    `  <name>${x(validName('snapshot name', snapshot.name))}</name>`,
    ...(snapshot.description ? [`  <description>${x(snapshot.description)}</description>`] : []),
    `  <memory snapshot='${snapshot.memory ? 'internal' : 'no'}'/>`,
  ];
  if (domain !== undefined) {
    lines.push(`  <state>${snapshot.memory ? 'running' : 'shutoff'}</state>`, `  <creationTime>${snapshot.created}</creationTime>`);
    if (snapshot.parent) lines.push(`  <parent><name>${x(validName('snapshot name', snapshot.parent))}</name></parent>`);
    lines.push(domain.trim());
  }
  lines.push('</domainsnapshot>');
  return lines.join('\n');
}

/** What a domain's XML says of it; the caller adds its power state, persistence and disk sizes. */
export type ParsedDomain = Omit<DomainDescription, 'name' | 'powerState' | 'persistent' | 'disks'> & {
  disks: Array<Omit<DomainDescription['disks'][number], 'capacity'>>;
};

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true, // <stratus:vm> reads as vm
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === 'disk' || name === 'interface' || name === 'tag' || name === 'ip',
});

const MIB_PER_UNIT: Record<string, number> = { b: 1 / 2 ** 20, bytes: 1 / 2 ** 20, k: 1 / 1024, kib: 1 / 1024, kb: 1000 / 2 ** 20, m: 1, mib: 1, mb: 1e6 / 2 ** 20, g: 1024, gib: 1024, gb: 1e9 / 2 ** 20, t: 2 ** 20, tib: 2 ** 20 };

type Node = Record<string, unknown> | string | undefined;
const attr = (node: Node, name: string): string | undefined => (node && typeof node === 'object' ? (node[`@${name}`] as string | undefined) : undefined);
const child = (node: Node, name: string): Node => (node && typeof node === 'object' ? (node[name] as Node) : undefined);
const text = (node: Node): string | undefined => (typeof node === 'string' ? node : node && typeof node === 'object' ? (node['#text'] as string | undefined) : undefined);
const int = (value: string | undefined, fallback = 0): number => {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
};

/** A memory element in MiB (libvirt's default unit is KiB). */
function mebibytes(node: Node): number {
  const unit = (attr(node, 'unit') ?? 'KiB').toLowerCase();
  return Math.floor(Number(text(node) ?? 0) * (MIB_PER_UNIT[unit] ?? 1 / 1024));
}

/**
 * A domain's XML (`virsh dumpxml`) as listUnmanagedInstances shows it, read the way CloudStack's
 * LibvirtGetUnmanagedInstancesCommandWrapper does: vCPUs (current), cores per socket from the
 * topology, speed as CPU shares per vCPU, memory in MiB, the disks (not CD-ROMs) with their bus
 * and where their file is, the NICs with their MAC, network or bridge, model and VLAN tag. A
 * Stratus domain's metadata gives its VM id.
 */
export function parseDomainXml(xml: string): ParsedDomain {
  const domain = child(xmlParser.parse(xml) as Node, 'domain');
  if (!domain || typeof domain !== 'object') throw invalid('Not a libvirt domain XML');
  const vcpu = child(domain, 'vcpu');
  const cpuNumber = int(attr(vcpu, 'current') ?? text(vcpu), 1);
  const shares = int(text(child(child(domain, 'cputune'), 'shares')));
  const cores = int(attr(child(child(domain, 'cpu'), 'topology'), 'cores'), 1);
  const memory = mebibytes(child(domain, 'currentMemory') ?? child(domain, 'memory'));
  // Stratus's own metadata holds a VM id; another tool's <vm><id> (namespaces are dropped) is not one.
  const claimed = text(child(child(child(domain, 'metadata'), 'vm'), 'id'));
  const stratusVmId = claimed && /^[A-Za-z0-9-]{1,64}$/.test(claimed) ? claimed : undefined;
  const devices = child(domain, 'devices');
  const disks = ((child(devices, 'disk') as unknown as Node[]) ?? [])
    .filter((d) => (attr(d, 'device') ?? 'disk') === 'disk')
    .map((d, position) => {
      const type = attr(d, 'type') ?? 'file';
      const source = child(d, 'source');
      const file = attr(source, 'file') ?? attr(source, 'dev');
      const pool = attr(source, 'pool');
      const volume = attr(source, 'volume');
      const host = child(source, 'host');
      const imagePath = file ?? (pool && volume ? `${pool}/${volume}` : (attr(source, 'name') ?? ''));
      const directory = file && file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : undefined;
      return {
        label: attr(child(d, 'target'), 'dev') ?? '',
        imagePath,
        controller: attr(child(d, 'target'), 'bus') ?? '',
        controllerUnit: int(attr(child(d, 'address'), 'unit')),
        position,
        ...(pool ? { datastoreName: pool } : {}),
        ...(host ? { datastoreHost: attr(Array.isArray(host) ? host[0] : host, 'name') } : {}),
        ...(directory ? { datastorePath: directory } : {}),
        datastoreType: type,
        ...(attr(child(d, 'driver'), 'type') ? { format: attr(child(d, 'driver'), 'type') } : {}),
      };
    });
  const nics = ((child(devices, 'interface') as unknown as Node[]) ?? []).map((nic) => {
    const source = child(nic, 'source');
    const tags = (child(child(nic, 'vlan'), 'tag') as unknown as Node[]) ?? [];
    // The VLAN tag, or (hosts CloudStack set up: cloudbr0.100, brbond0-100) the VLAN bridge's suffix, as its agent reads it.
    const bridge = attr(source, 'bridge');
    const suffix = bridge ? /^(?:cloud)?br\w*?[.-](\d{1,4})$/.exec(bridge)?.[1] : undefined;
    const vlan = tags.length ? int(attr(tags[0], 'id'), -1) : suffix ? Number(suffix) : -1;
    return {
      networkName: attr(source, 'bridge') ?? attr(source, 'network') ?? attr(source, 'dev') ?? attr(child(nic, 'target'), 'dev') ?? '',
      macAddress: (attr(child(nic, 'mac'), 'address') ?? '').toLowerCase(),
      adapterType: attr(child(nic, 'model'), 'type') ?? '',
      ...(vlan >= 1 && vlan <= 4094 ? { vlanId: vlan } : {}),
      ipAddresses: [] as string[],
    };
  });
  return { cpuNumber, cpuCoresPerSocket: cores, cpuSpeed: cpuNumber > 0 ? Math.floor(shares / cpuNumber) : 0, memory, ...(stratusVmId ? { stratusVmId } : {}), disks, nics };
}

/** What a storage volume's XML (`virsh vol-dumpxml`) says of a disk image: where it is, its virtual size, format and backing file. */
export function parseVolumeXml(xml: string): { path: string; capacity: number; format: string; backingPath?: string } {
  const volume = child(xmlParser.parse(xml) as Node, 'volume');
  if (!volume || typeof volume !== 'object') throw invalid('Not a libvirt storage volume XML');
  const target = child(volume, 'target');
  const backing = text(child(child(volume, 'backingStore'), 'path'));
  return {
    path: text(child(target, 'path')) ?? '',
    capacity: int(text(child(volume, 'capacity'))),
    format: attr(child(target, 'format'), 'type') ?? 'raw',
    ...(backing ? { backingPath: backing } : {}),
  };
}
