import { tagsOf } from './tag';
import type { Cluster, Host, Network, Pod, ServiceOffering, Template, Zone } from '../../core/entities';
import { capacityOf, type Factors } from '../../core/allocator';
import { CAPACITY_NAMES, type CapacityRow } from '../../core/capacity';
import { osCategoryById, type OsCategory, type OsType } from '../../core/os-catalogue';
import { csDate } from './format';
import { checksumValue, imageStatus } from '../../core/templates';

/** Response objects of the catalogue and infrastructure, with the field names and types CloudStack sends. */

/** `full`: the root admin's view (DNS servers, guest CIDR), as createZone and updateZone answer. */
export const toZoneResponse = (z: Zone, opts?: { full?: boolean }) => ({
  id: z.id,
  name: z.name,
  networktype: z.networkType,
  type: 'Core', // DataCenter.Type: Stratus has no edge zones
  allocationstate: z.allocationState,
  ...(opts?.full === true
    ? { dns1: z.dns1, dns2: z.dns2, internaldns1: z.internalDns1, internaldns2: z.internalDns2, guestcidraddress: z.guestCidrAddress }
    : {}),
  securitygroupsenabled: false,
  localstorageenabled: z.localStorageEnabled === true,
  dhcpprovider: 'VirtualRouter',
  tags: [],
  resourcedetails: {},
  hasannotations: false,
});

export const toPodResponse = (p: Pod, zone?: Zone) => ({
  id: p.id,
  name: p.name,
  zoneid: p.zoneId,
  zonename: zone?.name,
  gateway: p.gateway,
  netmask: p.netmask,
  // Lists since CloudStack 4.11 (a pod may have several ranges); Stratus pods have one.
  ...(p.startIp ? { startip: [p.startIp], endip: [p.endIp ?? p.startIp] } : {}),
  allocationstate: p.allocationState,
  hasannotations: false,
});

export const toClusterResponse = (c: Cluster, zone?: Zone, pod?: Pod) => ({
  id: c.id,
  name: c.name,
  zoneid: c.zoneId,
  zonename: zone?.name,
  podid: c.podId,
  podname: pod?.name,
  hypervisortype: c.hypervisor,
  clustertype: 'CloudManaged',
  allocationstate: c.allocationState,
  managedstate: 'Managed',
  hasannotations: false,
});

const percent = (used: number, total: number) => `${total > 0 ? ((used / total) * 100).toFixed(2) : '0.00'}%`;

/** `factors`: the host's cluster overprovisioning factors, as placement enforces them (1 when not given). */
export const toHostResponse = (h: Host, names: { zone?: Zone; pod?: Pod; cluster?: Cluster }, factors: Factors = { cpu: 1, memory: 1 }) => {
  const cap = capacityOf(h, factors);
  const cpuTotal = h.cpuNumber * h.cpuSpeed;
  return {
    id: h.id,
    name: h.name,
    state: h.state,
    resourcestate: h.resourceState,
    // Why it is in ErrorInMaintenance: the VMs that could not move off it, each with its reason.
    ...(h.maintenanceReason ? { maintenancereason: h.maintenanceReason } : {}),
    type: 'Routing',
    ipaddress: h.ipAddress,
    hypervisor: h.hypervisor,
    version: h.agentVersion,
    zoneid: h.zoneId,
    zonename: names.zone?.name,
    podid: h.podId,
    podname: names.pod?.name,
    clusterid: h.clusterId,
    clustername: names.cluster?.name,
    clustertype: 'CloudManaged',
    cpunumber: h.cpuNumber,
    cpuspeed: h.cpuSpeed,
    cpuallocated: percent(h.cpuUsed, cpuTotal),
    cpuallocatedvalue: h.cpuUsed,
    cpuallocatedpercentage: percent(h.cpuUsed, cpuTotal),
    cpuallocatedwithoverprovisioning: percent(h.cpuUsed, cap.cpu),
    cpuwithoverprovisioning: String(cap.cpu),
    memorytotal: h.memoryTotal * 1024 * 1024,
    memoryallocated: h.memoryUsed * 1024 * 1024,
    memoryallocatedbytes: h.memoryUsed * 1024 * 1024,
    memoryallocatedpercentage: percent(h.memoryUsed, h.memoryTotal),
    memorywithoverprovisioning: String(cap.memory * 1024 * 1024),
    hosttags: h.hostTags.join(','),
    arch: 'x86_64',
    capabilities: 'hvm',
    islocalstorageactive: names.zone?.localStorageEnabled === true,
    // When it stopped answering (HostJoinDaoImpl shows the last ping of a host that is not Up).
    ...(h.state !== 'Up' && h.lastHeartbeat ? { disconnected: csDate(h.lastHeartbeat) } : {}),
    ...osCategoryFields(h.osCategoryPreference),
    ...(h.annotation ? { annotation: h.annotation, lastannotated: csDate(h.lastAnnotated) } : {}),
    lastpinged: csDate(h.lastHeartbeat),
    created: csDate(h.created),
    hasannotations: !!h.annotation,
  };
};

function osCategoryFields(id: string | undefined) {
  const category = id ? osCategoryById(id) : undefined;
  return category ? { oscategoryid: category.id, oscategoryname: category.name } : {};
}

/** A capacity row (core/capacity.ts) with the names of its zone, pod and cluster. */
export const toCapacityResponse = (c: CapacityRow, names: { zone?: Zone; pod?: Pod; cluster?: Cluster }) => ({
  type: c.type,
  name: CAPACITY_NAMES[c.type],
  zoneid: c.zoneId,
  zonename: names.zone?.name,
  ...(c.podId ? { podid: c.podId, podname: names.pod?.name } : {}),
  ...(c.clusterId ? { clusterid: c.clusterId, clustername: names.cluster?.name } : {}),
  capacityused: c.used,
  capacitytotal: c.total,
  percentused: c.percentUsed,
});

export const toOsCategoryResponse = (c: OsCategory) => ({ id: c.id, name: c.name });

export const toOsTypeResponse = (t: OsType) => ({
  id: t.id,
  name: t.description,
  description: t.description,
  oscategoryid: t.categoryId,
  oscategoryname: osCategoryById(t.categoryId)?.name,
  isuserdefined: false,
  fordisplay: true,
});

/**
 * A custom offering shows `iscustomized` and its bounds as CloudStack's service offering details
 * (`mincpunumber`, ...); it has no speed of its own, so no `cpuspeed`. Its `cpunumber` and `memory`
 * are its lower bounds, where CloudStack sends none: libcloud's list_sizes reads both from every
 * offering (docs/decisions.md).
 */
export const toServiceOfferingResponse = (o: ServiceOffering) => ({
  id: o.id,
  name: o.name,
  displaytext: o.displayText,
  // A custom offering has no cpunumber or memory in CloudStack; Stratus shows its lower bounds there
  // (libcloud's list_sizes reads both of every offering). A constrained one shows its fixed cpuspeed.
  ...(o.isCustomized
    ? { cpunumber: o.minCpuNumber ?? 1, memory: o.minMemory ?? 32, ...(o.cpuSpeed > 0 ? { cpuspeed: o.cpuSpeed } : {}) }
    : { cpunumber: o.cpuNumber, cpuspeed: o.cpuSpeed, memory: o.memory }),
  created: csDate(o.created),
  storagetype: o.storageType,
  provisioningtype: 'thin',
  offerha: o.offerHa,
  limitcpuuse: false,
  isvolatile: false,
  iscustomized: o.isCustomized === true,
  issystem: false,
  defaultuse: false,
  hosttags: o.hostTags,
  dynamicscalingenabled: o.dynamicScalingEnabled,
  encryptroot: false,
  iscustomizediops: false,
  ...(o.isCustomized && Object.keys(customBounds(o)).length ? { serviceofferingdetails: customBounds(o) } : {}),
  ...(o.removed ? { state: 'Inactive' } : { state: 'Active' }),
  hasannotations: false,
});

/** A custom offering's bounds, as CloudStack keeps them in service_offering_details (strings). */
function customBounds(o: ServiceOffering): Record<string, string> {
  const bounds: Record<string, number | undefined> = { mincpunumber: o.minCpuNumber, maxcpunumber: o.maxCpuNumber, minmemory: o.minMemory, maxmemory: o.maxMemory };
  return Object.fromEntries(Object.entries(bounds).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
}

/** A template as listTemplates shows it; `owner`'s names for its tags (CloudStack shows them in each tag). */
/**
 * A template or ISO as listTemplates / listIsos show it (TemplateJoinDaoImpl): `status` and `url`
 * to its owner and administrators (`owner.seesStatus`), `isready` once downloaded, its download's
 * progress in `downloaddetails`, the checksum's digest alone.
 */
export const toTemplateResponse = (t: Template, zone?: Zone, owner: { accountName?: string; domainName?: string; seesStatus?: boolean } = {}) => ({
  id: t.id,
  name: t.name,
  displaytext: t.displayText,
  ispublic: t.isPublic,
  isfeatured: t.isFeatured,
  isready: t.isReady !== false,
  isextractable: t.isExtractable ?? false,
  isdynamicallyscalable: t.isDynamicallyScalable,
  passwordenabled: t.passwordEnabled,
  sshkeyenabled: false,
  format: t.format,
  hypervisor: t.hypervisor,
  ostypeid: t.osTypeId,
  ostypename: t.osTypeName,
  ...(t.size > 0 && t.isReady !== false ? { size: t.size } : {}),
  ...(t.physicalSize ? { physicalsize: t.physicalSize } : {}),
  ...(t.format === 'ISO' ? {} : { templatetype: 'USER' }),
  ...(owner.seesStatus === false ? {} : { status: imageStatus(t), url: t.url }),
  ...(t.checksum ? { checksum: checksumValue(t.checksum) } : {}),
  ...(t.bits ? { bits: t.bits } : {}),
  bootable: t.bootable ?? true,
  directdownload: false,
  requireshvm: true,
  arch: 'x86_64',
  crossZones: t.zoneId === undefined,
  ...(zone ? { zoneid: zone.id, zonename: zone.name } : {}),
  account: owner.accountName,
  accountid: t.accountId,
  domainid: t.domainId,
  domain: owner.domainName,
  created: csDate(t.created),
  ...(t.download ? { downloaddetails: [{ datastore: t.download.hostId ?? '', downloadPercent: String(t.download.percent), downloadState: DOWNLOAD_STATES[t.download.state] }] } : {}),
  details: {},
  tags: tagsOf(t, t.format === 'ISO' ? 'ISO' : 'Template', owner.accountName, owner.domainName),
  hasannotations: false,
});

/** VMTemplateStorageResourceAssoc.Status names of a download's states. */
const DOWNLOAD_STATES = { Downloading: 'DOWNLOAD_IN_PROGRESS', Downloaded: 'DOWNLOADED', Error: 'DOWNLOAD_ERROR' } as const;

export const toNetworkResponse = (n: Network, zone?: Zone) => ({
  id: n.id,
  name: n.name,
  displaytext: n.displayText,
  zoneid: n.zoneId,
  zonename: zone?.name,
  type: n.type,
  traffictype: 'Guest',
  cidr: n.cidr,
  gateway: n.gateway,
  netmask: n.netmask,
  // NetworkResponse: the VLAN tag, and the broadcast URI it makes (an untagged network shows neither)
  ...(n.vlan !== undefined ? { vlan: String(n.vlan), broadcasturi: `vlan://${n.vlan}` } : {}),
  state: 'Implemented',
  acltype: n.accountId ? 'Account' : 'Domain',
  domainid: n.domainId,
  isdefault: true,
  issystem: false,
  canusefordeploy: true,
  specifyipranges: true,
  tags: [],
  hasannotations: false,
});
