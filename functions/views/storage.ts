import type { DiskOffering, StoragePool, Volume } from '../../core/entities';
import { csDate, type View } from './format';
import type { Lookups } from './lookups';
import { tagsOf } from './tag';

/** Storage response objects, with CloudStack's field names and types (storage-anchors.md section 4). */

/** CloudStack shows a pool's scope and type in these words. */
export const toStoragePoolResponse = async (p: StoragePool, lookups: Lookups, factor: number) => {
  const [zone, pod, cluster, host] = await Promise.all([
    lookups.zone(p.zoneId),
    p.podId ? lookups.pod(p.podId) : undefined,
    p.clusterId ? lookups.cluster(p.clusterId) : undefined,
    p.hostId ? lookups.host(p.hostId) : undefined,
  ]);
  return {
    id: p.id,
    name: p.name,
    zoneid: p.zoneId,
    zonename: zone?.name,
    podid: p.podId,
    podname: pod?.name,
    clusterid: p.clusterId,
    clustername: cluster?.name,
    ...(host ? { hostid: host.id, hostname: host.name } : {}),
    type: p.type,
    scope: p.scope,
    state: p.state,
    ipaddress: p.host,
    path: p.path,
    tags: p.tags.join(','),
    istagarule: false,
    disksizetotal: p.capacityBytes,
    disksizeallocated: p.allocatedBytes,
    disksizeused: p.usedBytes,
    overprovisionfactor: String(factor),
    hypervisor: cluster?.hypervisor ?? 'KVM',
    provider: 'DefaultPrimary',
    managed: false,
    created: csDate(p.created),
    hasannotations: false,
  };
};

export const toDiskOfferingResponse = (o: DiskOffering) => ({
  id: o.id,
  name: o.name,
  displaytext: o.displayText,
  disksize: o.diskSize,
  iscustomized: o.isCustomized,
  ...(o.tags ? { tags: o.tags } : {}),
  storagetype: o.storageType,
  provisioningtype: o.provisioningType,
  ...(o.minIops !== undefined ? { miniops: o.minIops } : {}),
  ...(o.maxIops !== undefined ? { maxiops: o.maxIops } : {}),
  displayoffering: o.displayOffering,
  disksizestrictness: false,
  encrypt: false,
  cacheMode: 'none',
  created: csDate(o.created),
  hasannotations: false,
});

/** A volume as listVolumes shows it; the pool and path only to the root admin (`full`), as CloudStack does. */
export const toVolumeResponse = async (v: Volume, lookups: Lookups, view: View) => {
  const [zone, vm, pool, offering, domain, template] = await Promise.all([
    lookups.zone(v.zoneId),
    v.vmId ? lookups.vm(v.vmId) : undefined,
    v.poolId ? lookups.pool(v.poolId) : undefined,
    v.diskOfferingId ? lookups.diskOffering(v.diskOfferingId) : undefined,
    lookups.domain(v.domainId),
    v.templateId ? lookups.template(v.templateId) : undefined,
  ]);
  const vmState = vm ? (vm.state === 'Allocated' ? 'Stopped' : vm.state) : undefined;
  return {
    id: v.id,
    name: v.name,
    zoneid: v.zoneId,
    zonename: zone?.name,
    type: v.type,
    ...(v.deviceId !== undefined ? { deviceid: v.deviceId } : {}),
    ...(vm ? { virtualmachineid: vm.id, vmname: vm.name, vmdisplayname: vm.displayName, vmstate: vmState } : {}),
    ...(vm && view === 'full' ? { vminstancename: vm.instanceName } : {}),
    provisioningtype: v.provisioningType,
    size: v.size,
    ...(v.minIops !== undefined ? { miniops: v.minIops } : {}),
    ...(v.maxIops !== undefined ? { maxiops: v.maxIops } : {}),
    created: csDate(v.created),
    ...(v.attached ? { attached: csDate(v.attached) } : {}),
    state: v.state,
    account: v.accountName,
    domainid: v.domainId,
    domain: domain?.name,
    storagetype: pool?.scope === 'HOST' || offering?.storageType === 'local' ? 'local' : 'shared',
    ...(offering ? { diskofferingid: offering.id, diskofferingname: offering.name, diskofferingdisplaytext: offering.displayText } : {}),
    ...(template ? { templateid: template.id, templatename: template.name, templatedisplaytext: template.displayText } : {}),
    ...(pool && view === 'full' ? { storageid: pool.id, storage: pool.name, path: v.path, clusterid: pool.clusterId, podid: pool.podId } : {}),
    destroyed: v.state === 'Destroy' || v.state === 'Expunging',
    isextractable: v.type === 'DATADISK',
    displayvolume: true,
    deleteprotection: false,
    physicalsize: v.size,
    virtualsize: v.size,
    hypervisor: 'KVM',
    quiescevm: false,
    tags: tagsOf(v, 'Volume', v.accountName, domain?.name),
    hasannotations: false,
  };
};
