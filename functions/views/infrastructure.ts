import type { Cluster, Host, Network, Pod, ServiceOffering, Template, Zone } from '../../core/entities';
import { capacityOf } from '../../core/allocator';
import { csDate } from './format';

/** Response objects of the catalogue and infrastructure, with the field names and types CloudStack sends. */

export const toZoneResponse = (z: Zone) => ({
  id: z.id,
  name: z.name,
  networktype: z.networkType,
  allocationstate: z.allocationState,
  securitygroupsenabled: false,
  localstorageenabled: false,
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

export const toHostResponse = (h: Host, names: { zone?: Zone; pod?: Pod; cluster?: Cluster }) => {
  const cap = capacityOf(h);
  const cpuTotal = h.cpuNumber * h.cpuSpeed;
  return {
    id: h.id,
    name: h.name,
    state: h.state,
    resourcestate: h.resourceState,
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
    lastpinged: csDate(h.lastHeartbeat),
    created: csDate(h.created),
    hasannotations: false,
  };
};

export const toServiceOfferingResponse = (o: ServiceOffering) => ({
  id: o.id,
  name: o.name,
  displaytext: o.displayText,
  cpunumber: o.cpuNumber,
  cpuspeed: o.cpuSpeed,
  memory: o.memory,
  created: csDate(o.created),
  storagetype: o.storageType,
  provisioningtype: 'thin',
  offerha: o.offerHa,
  limitcpuuse: false,
  isvolatile: false,
  iscustomized: false,
  issystem: false,
  defaultuse: false,
  hosttags: o.hostTags,
  dynamicscalingenabled: o.dynamicScalingEnabled,
  hasannotations: false,
});

export const toTemplateResponse = (t: Template, zone?: Zone) => ({
  id: t.id,
  name: t.name,
  displaytext: t.displayText,
  ispublic: t.isPublic,
  isfeatured: t.isFeatured,
  isready: true,
  isextractable: false,
  isdynamicallyscalable: t.isDynamicallyScalable,
  passwordenabled: t.passwordEnabled,
  sshkeyenabled: false,
  format: t.format,
  hypervisor: t.hypervisor,
  ostypeid: t.osTypeId,
  ostypename: t.osTypeName,
  size: t.size,
  templatetype: 'USER',
  status: 'Download Complete',
  bootable: true,
  crossZones: t.zoneId === undefined,
  ...(zone ? { zoneid: zone.id, zonename: zone.name } : {}),
  created: csDate(t.created),
  details: {},
  tags: [],
  hasannotations: false,
});

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
