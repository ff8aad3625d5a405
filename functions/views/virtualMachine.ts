import type { Host, Vm } from '../../core/entities';
import { osTypeById } from '../../core/os-catalogue';
import { tagsOf } from './tag';
import { csDate, type View } from './format';
import type { Lookups } from './lookups';

/**
 * The VM object (CloudStack's UserVmResponse) that listVirtualMachines and job results share.
 * Types are exact (Go clients unmarshal strictly); `nic` is always an array and `state` one libcloud
 * knows.
 */
export async function toVirtualMachineResponse(vm: Vm, lookups: Lookups, view: View): Promise<Record<string, unknown>> {
  const [zone, offering, template, account, domain, user, host, hidden] = await Promise.all([
    lookups.zone(vm.zoneId),
    lookups.offering(vm.serviceOfferingId),
    lookups.template(vm.templateId),
    lookups.account(vm.accountId),
    lookups.domain(vm.domainId),
    lookups.user(vm.userId),
    vm.hostId ? lookups.host(vm.hostId) : Promise.resolve(undefined),
    view === 'full' ? Promise.resolve(new Set<string>()) : lookups.hiddenDetails(),
  ]);
  const iso = vm.isoId ? await lookups.template(vm.isoId) : undefined;
  const backupOffering = vm.backupOfferingId ? await lookups.backupOffering(vm.backupOfferingId) : undefined;
  // Its host shows while it holds one (CloudStack shows it from Starting on).
  const running = vm.state === 'Running' || vm.state === 'Migrating' || vm.state === 'Stopping' || (vm.state === 'Starting' && !!vm.hostId);
  return {
    id: vm.id,
    name: vm.name,
    displayname: vm.displayName,
    account: account?.name,
    userid: vm.userId,
    username: user?.username,
    domainid: vm.domainId,
    domain: domain?.name,
    domainpath: domain?.path,
    created: csDate(vm.created),
    lastupdated: csDate(vm.lastUpdated),
    state: vm.state === 'Allocated' ? 'Stopped' : vm.state, // created, never started: CloudStack reports Stopped
    haenable: vm.haEnable,
    group: vm.group,
    zoneid: vm.zoneId,
    zonename: zone?.name,
    ...(view === 'full' && running && host ? { hostid: host.id, hostname: host.name } : {}),
    ...(view === 'full' ? { instancename: vm.instanceName } : {}),
    templateid: vm.templateId,
    templatename: template?.name,
    templatedisplaytext: template?.displayText,
    templatetype: 'USER',
    ...(template ? { templateformat: template.format } : {}),
    vmtype: 'User',
    boottype: 'BIOS',
    bootmode: 'LEGACY',
    ...(view === 'full' && host ? { hostcontrolstate: controlState(host) } : {}),
    hasannotations: false,
    ...(iso ? { isoid: iso.id, isoname: iso.name, isodisplaytext: iso.displayText } : {}),
    ...(vm.backupOfferingId ? { backupofferingid: vm.backupOfferingId, backupofferingname: backupOffering?.name } : {}),
    passwordenabled: template?.passwordEnabled ?? false,
    serviceofferingid: vm.serviceOfferingId,
    serviceofferingname: offering?.name,
    cpunumber: vm.cpuNumber,
    cpuspeed: vm.cpuSpeed,
    memory: vm.memory,
    cpuused: '0%',
    guestosid: vm.osTypeId ?? template?.osTypeId,
    ostypeid: vm.osTypeId ?? template?.osTypeId,
    osdisplayname: osTypeById(vm.osTypeId)?.description ?? template?.osTypeName,
    rootdeviceid: 0,
    rootdevicetype: 'ROOT',
    hypervisor: template?.hypervisor,
    // The VM's own flag (updateVirtualMachine); never set: what CloudStack records at deploy, the
    // template's tools and the offering's dynamic scaling both.
    isdynamicallyscalable: vm.isDynamicallyScalable ?? ((template?.isDynamicallyScalable ?? false) && (offering?.dynamicScalingEnabled ?? false)),
    displayvm: true,
    details: Object.fromEntries(Object.entries(vm.details ?? {}).filter(([k]) => !hidden.has(k))),
    nic: vm.nics.map((n, i) => ({
      id: n.id,
      networkid: n.networkId,
      networkname: n.networkName,
      netmask: n.netmask,
      gateway: n.gateway,
      ipaddress: n.ipAddress,
      isdefault: n.isDefault,
      macaddress: n.macAddress,
      traffictype: 'Guest',
      type: n.type,
      deviceid: String(i),
    })),
    securitygroup: [],
    // The groups as CloudStack's UserVmResponse nests them (deleted groups are gone from the list).
    affinitygroup: (await Promise.all((vm.affinityGroupIds ?? []).map((g) => lookups.affinityGroup(g))))
      .filter((g) => g !== undefined)
      .map((g) => ({ id: g.id, name: g.name, type: g.type, ...(g.description ? { description: g.description } : {}) })),
    tags: tagsOf(vm, 'UserVm', account?.name, domain?.name),
    // UserVmResponse keypairs: the names, comma-separated (user data is never shown here).
    ...(vm.keyPairs?.length ? { keypairs: vm.keyPairs.map((k) => k.name).join(',') } : {}),
    ...(vm.diskOfferingId ? { diskofferingid: vm.diskOfferingId, diskofferingname: (await lookups.diskOffering(vm.diskOfferingId))?.name } : {}),
    ...(vm.activeJobId ? { jobid: vm.activeJobId, jobstatus: 0 } : {}),
  };
}

/** ControlState.getControlState: what its host's state and resource state let an operator do with the VM. */
function controlState(host: Pick<Host, 'state' | 'resourceState'>): string {
  if (host.resourceState === 'Disabled') return 'Disabled';
  if (host.resourceState !== 'Enabled') return 'Maintenance'; // PrepareForMaintenance, Maintenance, ErrorInMaintenance
  if (host.state === 'Up') return 'Enabled';
  return host.state === 'Disconnected' || host.state === 'Down' || host.state === 'Alert' ? 'Offline' : 'Unknown';
}
