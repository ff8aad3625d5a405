import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { imageStatus, isReady, usableBy } from '../../../core/templates';
import { canAccess } from '../../../core/access';
import type { Caller, DiskOffering, Network, Nic, Template, Vm, Volume, Zone } from '../../../core/entities';
import { GiB, nextDeviceId, ROOT_DEVICE_ID } from '../../../core/storage';
import { dataDiskSize } from '../volume-sizes';
import { EntityNotFoundError, InsufficientCapacityError, InvalidParameterError, PermissionDeniedError } from '../../../core/errors';
import { checkHostName, defaultHostName, macAddressFor, MAX_VM_KEY_PAIRS, MAX_VM_NICS } from '../../../core/naming';
import { newInstanceName } from '../instance-names';
import { customSizeDetails, sizeFor } from '../../../core/scaling';
import { cs, mergeMap, type UnpackedParams } from '../params';
import { defineCommand } from '../define-command';
import { ownerFor, ownerParams, type Owner } from '../owner';
import { keyPairNames, keyPairsOf } from '../ssh-key-pairs';
import { checkUserData } from '../user-data';

/** deployVirtualMachine parameters CloudStack acts on and Stratus does not (yet): each refused by name. */
const DEPLOY_REFUSED = {
  ipaddress: 'guest addresses are assigned from the network; a fixed address cannot be asked for yet',
  ip6address: 'guest networks have no IPv6',
  macaddress: 'MAC addresses are assigned by Stratus',
  iptonetworklist: 'guest addresses are assigned from the network; give networkids',
  nicnetworklist: 'give networkids',
  dhcpoptionsnetworklist: 'extra DHCP options are not supported',
  overridediskofferingid: 'the ROOT disk takes its size from the template or rootdisksize',
  datadiskofferinglist: 'one data disk is made from diskofferingid; attach more with createVolume and attachVolume',
  datadisksdetails: 'one data disk is made from diskofferingid',
  userdataid: 'the user data registry is not supported: give userdata',
  userdatadetails: 'the user data registry is not supported: give userdata',
  password: 'password-enabled templates are not supported: give an SSH key pair',
  deploymentplanner: 'the allocator is the only planner',
  securitygroupids: 'security groups are not supported',
  securitygroupnames: 'security groups are not supported',
  keyboard: 'the console keyboard layout is not configurable',
  extraconfig: 'extra hypervisor configuration is not supported',
  copyimagetags: "template tags are not copied",
  properties: 'OVF properties are for VMware appliances',
  bootmode: 'UEFI boot is not supported: Instances boot with BIOS',
  boottype: 'UEFI boot is not supported: Instances boot with BIOS',
  bootintosetup: 'UEFI boot is not supported: Instances boot with BIOS',
  dynamicscalingenabled: 'whether an Instance scales live follows its template and offering; set it with updateVirtualMachine',
  customid: 'Instance ids are assigned by Stratus',
  iothreadsenabled: 'disk I/O threads are not configurable',
  iodriverpolicy: 'disk I/O driver policies are not configurable',
  nicmultiqueuenumber: 'NIC queues are not configurable',
  nicpackedvirtqueuesenabled: 'NIC queues are not configurable',
  leaseduration: 'Instance leases are not supported',
  leaseexpiryaction: 'Instance leases are not supported',
  snapshotid: 'deploying from a volume snapshot is not supported: deploy from a template',
  volumeid: 'deploying from a volume is not supported: deploy from a template',
  externaldetails: 'extensions are not supported',
} as const;

export default defineCommand({
  name: 'deployVirtualMachine',
  description: 'Creates and automatically starts an Instance based on a service offering, disk offering, and Template.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    serviceofferingid: cs.uuid().meta({ description: 'the ID of the service offering for the Instance' }),
    templateid: cs.uuid().meta({ description: 'the ID of the Template for the Instance' }),
    zoneid: cs.uuid().meta({ description: 'availability zone for the Instance' }),
    name: cs.string().optional().meta({ description: 'host name for the Instance' }),
    displayname: cs.string().optional().meta({ description: 'an optional user generated name for the Instance' }),
    group: cs.string().optional().meta({ description: 'an optional group for the Instance' }),
    networkids: cs.list(cs.uuid()).optional().meta({ description: 'list of network ids used by the Instance' }),
    startvm: cs.boolean().optional().meta({ description: 'true if start Instance after creating; defaulted to true if not specified', since: '3.0.1' }),
    details: cs.map().optional().meta({ description: 'used to specify the custom parameters', since: '4.3' }),
    affinitygroupids: cs.list(cs.uuid()).optional().meta({ description: 'comma separated list of affinity groups id that are going to be applied to the Instance. Mutually exclusive with affinitygroupnames parameter' }),
    affinitygroupnames: cs.list(cs.string()).optional().meta({ description: 'comma separated list of affinity groups names that are going to be applied to the Instance. Mutually exclusive with affinitygroupids parameter' }),
    podid: cs.uuid().optional().meta({ description: 'destination Pod ID to deploy the Instance to - parameter available for root admin only', since: '4.13', roles: ['rootAdmin'] }),
    clusterid: cs.uuid().optional().meta({ description: 'destination Cluster ID to deploy the Instance to - parameter available for root admin only', since: '4.13', roles: ['rootAdmin'] }),
    hostid: cs.uuid().optional().meta({ description: 'destination Host ID to deploy the Instance to - parameter available for root admin only', roles: ['rootAdmin'] }),
    diskofferingid: cs.uuid().optional().meta({ description: 'the ID of the disk offering for the Instance: a DATADISK volume of its size is created and attached' }),
    size: cs.long().optional().meta({ description: 'the arbitrary size for the DATADISK volume. Mutually exclusive with diskOfferingId' }),
    rootdisksize: cs.long().optional().meta({ description: 'Optional field to resize root disk on deploy. Value is in GB. Only applies to Template-based deployments.', since: '4.4' }),
    keypair: cs.string().optional().meta({ description: 'name of the ssh key pair used to login to the Instance' }),
    keypairs: cs.list(cs.string()).optional().meta({ description: 'names of the ssh key pairs used to login to the Instance', since: '4.17' }),
    userdata: cs.string(1048576).optional().meta({
      description: 'an optional binary data that can be sent to the Instance upon a successful deployment, base64-encoded: up to 2 KB in a GET request and 32 KB in a POST. The guest reads it from its config drive.',
    }),
    displayvm: cs.boolean().optional().meta({ description: 'an optional field, whether to the display the Instance to the end user or not (only true is supported)', since: '4.2' }),
    hypervisor: cs.string().optional().meta({ description: 'the hypervisor on which to deploy the Instance (KVM: the only one Stratus runs)' }),
    ...ownerParams('Instance'),
  }),
  refused: DEPLOY_REFUSED,
  async handle(ctx) {
    const { params, raw, caller, store, jobs, now, command } = ctx;
    if (params.displayvm === false) throw new InvalidParameterError('Parameter displayvm=false is not supported: every Instance is displayed to its owner');
    if (params.hypervisor !== undefined && params.hypervisor.toUpperCase() !== 'KVM') throw new InvalidParameterError(`Hypervisor ${params.hypervisor} is not supported: Stratus deploys on KVM hosts only`);
    // Whom the VM is for: the caller, or the account an admin names (account + domainid).
    const owner = await ownerFor(ctx, params);
    const userData = params.userdata === undefined ? undefined : checkUserData(params.userdata, ctx.httpMethod ?? 'GET');
    const names = keyPairNames(params);
    if (names.length > MAX_VM_KEY_PAIRS) throw new InvalidParameterError(`An Instance may be given at most ${MAX_VM_KEY_PAIRS} SSH key pairs; ${names.length} were named`);
    if ((params.networkids?.length ?? 0) > MAX_VM_NICS) throw new InvalidParameterError(`An Instance may have at most ${MAX_VM_NICS} NICs; ${params.networkids!.length} networks were named`);
    const keyPairs = names.length ? await keyPairsOf(store, owner.accountId, names, 'Not all specified keypairs exist') : undefined;
    const [offering, template, zone, user] = await Promise.all([
      store.inventory.offeredServiceOffering(params.serviceofferingid),
      store.inventory.getTemplate(params.templateid),
      store.inventory.getZone(params.zoneid),
      store.inventory.getUser(caller.userId),
    ]);
    if (!offering) throw new EntityNotFoundError(command, 'serviceofferingid', params.serviceofferingid);
    // A custom offering's size comes from details[].cpuNumber/cpuSpeed/memory, checked before anything is taken.
    const size = sizeFor(offering, mergeMap(params.details));
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    // Public templates and the owner's own (an admin deploying for an account may use that account's).
    if (!template || template.removed || !usableBy(template, { caller, ownerAccountId: owner.accountId })) throw new EntityNotFoundError(command, 'templateid', params.templateid);
    if (template.format === 'ISO') throw new InvalidParameterError(`Deploying from ISO ${template.name} is not supported: deploy from a template, then attach the ISO`);
    if (!isReady(template)) throw new InvalidParameterError(`Template ${template.name} is not ready to deploy from: ${imageStatus(template)}`);
    if (template.zoneId && template.zoneId !== zone.id) throw new InvalidParameterError(`Template ${template.name} is not available in zone ${zone.name}`);
    if (zone.allocationState !== 'Enabled' && caller.role !== 'rootAdmin')
      throw new InvalidParameterError(`Cannot perform this operation, Zone is currently disabled: ${zone.name}`);
    if (params.name !== undefined) checkHostName(params.name);
    const networks = await guestNetworks(params.networkids, zone.id, owner.accountId, caller.role === 'rootAdmin', store, command);
    const affinityGroupIds = await affinityGroupsFor(params, caller, owner, store, command);
    const placement = await placementFor(params, raw, caller, zone, store, command);
    const disks = await disksFor(params, mergeMap(params.details), template, store, command);

    const id = randomUUID();
    const { seq: vmSeq, instanceName } = await newInstanceName(store, user?.numericId ?? 2, params.displayname);
    const nics = await Promise.all(networks.map((n, i) => nicFor(n, i === 0, id, store)));
    const at = now.toISOString();
    const name = params.name ?? defaultHostName(id);
    // ROOT-<n> and DATA-<n>, as CloudStack names a VM's volumes after its numeric id; the file is the volume's id.
    // One millisecond apart, ROOT first: volumes list in creation order, as CloudStack's by id.
    const volumes: Volume[] = disks.map((d, i) => ({
      id: randomUUID(),
      name: `${d.type === 'ROOT' ? 'ROOT' : 'DATA'}-${vmSeq}`,
      type: d.type,
      state: 'Allocated',
      size: d.size,
      accountId: owner.accountId,
      accountName: owner.accountName,
      domainId: owner.domainId,
      domainPath: owner.domainPath,
      zoneId: zone.id,
      vmId: id,
      deviceId: d.deviceId,
      ...(d.offering ? { diskOfferingId: d.offering.id, provisioningType: d.offering.provisioningType } : { provisioningType: 'thin' as const }),
      ...(d.type === 'ROOT' ? { templateId: template.id } : {}),
      created: new Date(now.getTime() + i).toISOString(),
      attached: at,
      version: 1,
    }));
    for (const v of volumes) v.path = v.id;
    const vm: Vm = {
      id,
      name,
      displayName: params.displayname ?? name,
      // R-NAME.4: the display name replaces instance.name only when the flag is on and one was given.
      instanceName,
      accountId: owner.accountId,
      userId: caller.userId, // the user who deployed it, as CloudStack's vm_instance.user_id
      domainId: owner.domainId,
      domainPath: owner.domainPath,
      zoneId: zone.id,
      serviceOfferingId: offering.id,
      templateId: template.id,
      osTypeId: template.osTypeId,
      ...size,
      state: params.startvm === false ? 'Allocated' : 'Starting',
      nics,
      haEnable: offering.offerHa,
      group: params.group,
      details: offering.isCustomized ? customSizeDetails(size) : {},
      affinityGroupIds,
      volumeIds: volumes.map((v) => v.id),
      ...(params.diskofferingid ? { diskOfferingId: params.diskofferingid } : {}),
      ...(keyPairs ? { keyPairs } : {}),
      ...(userData !== undefined ? { userData } : {}),
      created: at,
      lastUpdated: at,
      version: 1,
    };
    return jobs.startWithNewVm({
      workflow: 'deploy-vm',
      cmd: 'org.apache.cloudstack.api.command.user.vm.DeployVMCmd',
      eventType: 'VM.CREATE',
      caller,
      vm,
      also: [...store.storage.volumesCreateOperations(volumes), ...store.addresses.macOperations(vm.id, nics)],
      claimInstanceName: true,
      input: { startVm: params.startvm !== false, placement },
    });
  },
});

/**
 * The VM's disks: a ROOT volume of the template's size (or `rootdisksize` GB, never smaller), and a
 * DATADISK when a disk offering is named (its size, or `size` GB for a custom one), as CloudStack's
 * UserVmManagerImpl and VolumeOrchestrator size them.
 */
async function disksFor(
  params: { diskofferingid?: string; size?: number; rootdisksize?: number },
  details: Record<string, string>,
  template: Template,
  store: import('../../store').Store,
  command: string,
): Promise<Array<{ type: 'ROOT' | 'DATADISK'; size: number; deviceId: number; offering?: DiskOffering }>> {
  const rootGb = params.rootdisksize ?? (details.rootdisksize !== undefined ? Number(details.rootdisksize) : undefined);
  if (rootGb !== undefined && !(Number.isInteger(rootGb) && rootGb > 0)) throw new InvalidParameterError(`Invalid rootdisksize ${rootGb}: give a whole number of GB above 0`);
  if (rootGb !== undefined && rootGb * GiB < template.size)
    throw new InvalidParameterError(`Unsupported: rootdisksize override (${rootGb} GB) is smaller than template size (${(template.size / GiB).toFixed(2)} GB)`);
  const disks: Array<{ type: 'ROOT' | 'DATADISK'; size: number; deviceId: number; offering?: DiskOffering }> = [{ type: 'ROOT', size: rootGb !== undefined ? rootGb * GiB : template.size, deviceId: ROOT_DEVICE_ID }];
  if (params.diskofferingid === undefined) {
    if (params.size !== undefined) throw new InvalidParameterError('Size parameter needs to be used with a custom disk offering: specify diskofferingid');
    return disks;
  }
  const offering = await store.storage.getDiskOffering(params.diskofferingid);
  if (!offering) throw new EntityNotFoundError(command, 'diskofferingid', params.diskofferingid);
  disks.push({ type: 'DATADISK', size: await dataDiskSize(offering, params.size, store), deviceId: nextDeviceId([ROOT_DEVICE_ID])!, offering });
  return disks;
}

/** The networks named, or the zone's first network the caller may use; each checked for zone and owner. */
async function guestNetworks(
  ids: string[] | undefined,
  zoneId: string,
  accountId: string,
  rootAdmin: boolean,
  store: import('../../store').Store,
  command: string,
): Promise<Network[]> {
  const usable = (n: Network | undefined): n is Network => !!n && (rootAdmin || !n.accountId || n.accountId === accountId);
  if (ids && ids.length > 0) {
    const found = await Promise.all(ids.map((id) => store.inventory.getNetwork(id)));
    return found.map((n, i) => {
      if (!usable(n)) throw new EntityNotFoundError(command, 'networkids', ids[i]);
      if (n.zoneId !== zoneId) throw new InvalidParameterError(`Network ${n.name} does not belong to zone ${zoneId}`);
      return n;
    });
  }
  const inZone = (await store.inventory.listNetworksInZone(zoneId)).filter(usable);
  if (inZone.length === 0) throw new InvalidParameterError('Unable to find a network to deploy the Instance in: specify networkids');
  return [inZone[0]];
}

async function nicFor(network: Network, isDefault: boolean, vmId: string, store: import('../../store').Store): Promise<Nic> {
  const ipAddress = await store.addresses.take(network, vmId, () => store.inventory.nextSequence(`ip#${network.id}`));
  if (!ipAddress) throw new InsufficientCapacityError(`Insufficient address capacity: network ${network.name} has no free address`);
  const macSeq = await store.inventory.nextSequence('mac');
  return {
    id: randomUUID(),
    networkId: network.id,
    networkName: network.name,
    ipAddress,
    netmask: network.netmask,
    gateway: network.gateway,
    macAddress: macAddressFor(macSeq),
    isDefault,
    type: network.type,
  };
}

/**
 * The groups the VM joins (CloudStack's DeployVMCmd.getAffinityGroupIdList and the checks of
 * createVirtualMachine): by id or by name, never both; each visible to the caller and owned by the
 * VM's account.
 */
async function affinityGroupsFor(
  params: { affinitygroupids?: string[]; affinitygroupnames?: string[] },
  caller: Caller,
  owner: Owner,
  store: import('../../store').Store,
  command: string,
): Promise<string[]> {
  if (params.affinitygroupids && params.affinitygroupnames) throw new InvalidParameterError('affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter');
  const groups = params.affinitygroupnames
    ? await Promise.all(
        params.affinitygroupnames.map(async (name) => {
          const g = await store.affinity.findByName(owner.accountId, name);
          if (!g) throw new InvalidParameterError(`Unable to find affinity group by name ${name}`);
          return g;
        }),
      )
    : await Promise.all(
        (params.affinitygroupids ?? []).map(async (id) => {
          const g = await store.affinity.get(id);
          if (!g || !canAccess(caller, g)) throw new EntityNotFoundError(command, 'affinitygroupids', id);
          return g;
        }),
      );
  for (const g of groups) if (g.accountId !== owner.accountId) throw new PermissionDeniedError(`Affinity Group ${g.name} does not belong to the VM's account`);
  return [...new Set(groups.map((g) => g.id))];
}

/**
 * Where a root admin asked the VM to run: each of podid, clusterid and hostid must exist, lie in
 * the zone and agree with the others, and a named host must be Up and Enabled (CloudStack's
 * getDestinationPod/Cluster/Host). Anyone else passing one is refused, as CloudStack does. The
 * workflow always gets an object: ChooseHost reads `$.placement`.
 */
async function placementFor(
  params: { podid?: string; clusterid?: string; hostid?: string },
  raw: UnpackedParams,
  caller: Caller,
  zone: Zone,
  store: import('../../store').Store,
  command: string,
): Promise<{ podId?: string; clusterId?: string; hostId?: string }> {
  if (caller.role !== 'rootAdmin') {
    for (const name of ['podid', 'clusterid', 'hostid'] as const)
      if (raw[name] !== undefined) throw new PermissionDeniedError(`Parameter ${name} can only be specified by a Root Admin, permission denied`);
    return {};
  }
  const [pod, cluster, host] = await Promise.all([
    params.podid ? store.inventory.getPod(params.podid) : undefined,
    params.clusterid ? store.inventory.getCluster(params.clusterid) : undefined,
    params.hostid ? store.hosts.get(params.hostid, true) : undefined,
  ]);
  if (params.podid && !pod) throw new EntityNotFoundError(command, 'podid', params.podid);
  if (params.clusterid && !cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
  if (params.hostid && !host) throw new EntityNotFoundError(command, 'hostid', params.hostid);
  if (pod && pod.zoneId !== zone.id) throw new InvalidParameterError(`Pod ${pod.name} does not belong to zone ${zone.name}`);
  if (cluster && cluster.zoneId !== zone.id) throw new InvalidParameterError(`Cluster ${cluster.name} does not belong to zone ${zone.name}`);
  if (cluster && pod && cluster.podId !== pod.id) throw new InvalidParameterError(`Cluster ${cluster.name} does not belong to pod ${pod.name}`);
  if (host) {
    if (host.zoneId !== zone.id) throw new InvalidParameterError(`Host ${host.name} does not belong to zone ${zone.name}`);
    if (pod && host.podId !== pod.id) throw new InvalidParameterError(`Host ${host.name} does not belong to pod ${pod.name}`);
    if (cluster && host.clusterId !== cluster.id) throw new InvalidParameterError(`Host ${host.name} does not belong to cluster ${cluster.name}`);
    if (host.resourceState !== 'Enabled' || host.state !== 'Up') throw new InvalidParameterError(`Unable to deploy the VM as the host: ${host.name} is not in the right state`);
  }
  return { podId: pod?.id, clusterId: cluster?.id, hostId: host?.id };
}
