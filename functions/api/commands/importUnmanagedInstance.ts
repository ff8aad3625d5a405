import { z } from 'zod';
import type { Network, UnmanagedInstance } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError, OperationRefusedError } from '../../../core/errors';
import { planImport, type ImportPlan, type Refusal } from '../../../core/import-plan';
import { checkHostName } from '../../../core/naming';
import { usableBy } from '../../../core/templates';
import type { Store } from '../../store';
import { cs, mergeMap } from '../params';
import { defineCommand } from '../define-command';
import { startImport } from '../import-start';
import { entries, ownerFor, resolveAll } from '../import-params';

/**
 * importUnmanagedInstance (UnmanagedVMsManagerImpl.importUnmanagedInstance on KVM;
 * workflows/import-vm.asl.json): a domain listUnmanagedInstances shows becomes a VM, as it is,
 * running or off, on its host, with its disks where they are. The rules are core/import-plan.ts's;
 * `dryrun=true` (a Stratus extension) answers the plan, or every refusal, and changes nothing.
 */
export default defineCommand({
  name: 'importUnmanagedInstance',
  description: 'Import unmanaged virtual machine from a given cluster.',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['listUnmanagedInstances', 'unmanageVirtualMachine'],
  params: z.object({
    clusterid: cs.uuid().meta({ description: 'the cluster ID' }),
    name: cs.string().meta({ description: 'the name of the instance as it is known to the hypervisor' }),
    displayname: cs.string().optional().meta({ description: 'the display name of the instance' }),
    hostname: cs.string().optional().meta({ description: 'the host name of the instance' }),
    account: cs.string().optional().meta({ description: 'an optional account for the virtual machine. Must be used with domainId.' }),
    domainid: cs.uuid().optional().meta({ description: 'import instance to the domain specified' }),
    projectid: cs.uuid().optional().meta({ description: 'import instance for the project (Stratus has no projects)' }),
    templateid: cs.uuid().optional().meta({ description: 'the ID of the template for the virtual machine' }),
    serviceofferingid: cs.uuid().meta({ description: 'the ID of the service offering for the virtual machine' }),
    nicnetworklist: cs.map().optional().meta({ description: 'VM nic to network id mapping using keys nic and network' }),
    nicipaddresslist: cs.map().optional().meta({ description: 'VM nic to ip address mapping using keys nic, ip4Address' }),
    datadiskofferinglist: cs.map().optional().meta({ description: 'datadisk template to disk-offering mapping using keys disk and diskOffering' }),
    details: cs.map().optional().meta({ description: 'used to specify the custom parameters.' }),
    migrateallowed: cs.boolean().optional().meta({ description: 'vm and its volumes are allowed to migrate to different host/pool when offerings passed are incompatible with current host/pool' }),
    forced: cs.boolean().optional().meta({ description: 'VM is imported despite some of its NIC\'s MAC addresses being already present, in which case a new MAC address is allocated', since: '4.15.1' }),
    dryrun: cs.boolean().optional().meta({ description: 'Stratus: answer the plan (host, NICs, disks, offering fit, move) or every refusal, and change nothing' }),
  }),
  async handle(ctx) {
    const { params, store, caller, command, jobs, now } = ctx;
    if (params.projectid) throw new InvalidParameterError('Parameter projectid is not supported: Stratus has no projects; import for an account with account and domainid');
    if ((params.account === undefined) !== (params.domainid === undefined)) throw new InvalidParameterError('account and domainid must be given together');
    const cluster = await store.inventory.getCluster(params.clusterid);
    if (!cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    const instance = await unmanagedInstance(store, cluster.id, cluster.name, params.name);
    const host = await store.hosts.get(instance.hostId, true);
    if (!host || host.state !== 'Up') throw new OperationRefusedError(`Host ${instance.hostName} of unmanaged VM ${params.name} is not Up`);
    if ((await store.vms.instanceNamesTaken([instance.name])).size) throw new InvalidParameterError(`VM ${instance.name} is already managed by Stratus`);

    const owner = await ownerFor(ctx, params);
    const offering = await store.inventory.offeredServiceOffering(params.serviceofferingid);
    if (!offering) throw new EntityNotFoundError(command, 'serviceofferingid', params.serviceofferingid);
    // KVM reports no guest OS: the OS type comes from a template (CloudStack refuses its dummy on KVM too).
    if (!params.templateid) throw new OperationRefusedError('Template is needed and unable to use default template for hypervisor KVM');
    const template = await store.inventory.getTemplate(params.templateid);
    if (!template || template.removed || !usableBy(template, { caller, ownerAccountId: owner.accountId })) throw new EntityNotFoundError(command, 'templateid', params.templateid);
    if (template.format === 'ISO') throw new InvalidParameterError(`Template ${template.name} is an ISO: an imported VM needs a template`);
    const name = params.hostname ?? instance.name;
    checkHostName(name);

    const nicNetworks = await resolveAll(entries(command, 'nicnetworklist', params.nicnetworklist, 'nic', 'network'), (id) => store.inventory.getNetwork(id), command, 'nicnetworklist');
    const diskOfferings = await resolveAll(entries(command, 'datadiskofferinglist', params.datadiskofferinglist, 'disk', 'diskOffering'), (id) => store.storage.getDiskOffering(id), command, 'datadiskofferinglist');
    const nicIps = entries(command, 'nicipaddresslist', params.nicipaddresslist, 'nic', 'ip4Address');
    const usable = (n: Network) => !n.accountId || n.accountId === owner.accountId;
    for (const [nic, n] of Object.entries(nicNetworks)) if (n.zoneId !== host.zoneId || !usable(n)) throw new InvalidParameterError(`Network ${n.name} of nic(ID: ${nic}) is not usable by the VM's account in zone ${host.zoneId}`);
    const [networks, pools, macHolders] = await Promise.all([
      store.inventory.listNetworksInZone(host.zoneId),
      store.storage.poolsReachableFrom(host),
      store.addresses.macHolders(instance.nics.map((n) => n.macAddress)),
    ]);
    const takenAddresses = await addressesNamed(store, instance, nicNetworks, networks.filter(usable), nicIps, macHolders);
    let outcome = planImport({
      instance,
      host,
      offering,
      details: mergeMap(params.details),
      nicNetworks,
      nicIps,
      diskOfferings,
      networks: networks.filter(usable),
      pools,
      poolFactor: await store.storage.factorsOf(pools),
      macHolders,
      takenAddresses,
      migrateAllowed: params.migrateallowed === true,
      forced: params.forced === true,
    });
    // A file another volume was imported from is in use (a shareable disk, a stale definition elsewhere).
    const claimed = outcome.plan ? await store.storage.fileHolders(outcome.plan.disks) : [];
    if (outcome.plan && claimed.some(Boolean)) {
      const disk = outcome.plan.disks[claimed.findIndex(Boolean)];
      outcome = { refusals: [{ code: 431, text: `Disk image is already in use: ${disk.path} on storage pool ${disk.poolName} is volume ${claimed.find(Boolean)!.volumeId}'s` }] };
    }
    if (params.dryrun) return { kind: 'object', key: 'importplan', value: dryRunAnswer(outcome.plan, outcome.refusals) };
    if (!outcome.plan) throw refusalError(outcome.refusals[0]);
    const plan = outcome.plan;
    return startImport(
      { store, jobs, now, caller },
      {
        plan,
        instanceName: instance.name, // the domain keeps its name
        zoneId: host.zoneId,
        host,
        domain: instance,
        owner,
        offering,
        template,
        name,
        displayName: params.displayname ?? name,
        details: mergeMap(params.details),
        job: {
          workflow: 'import-vm',
          cmd: 'org.apache.cloudstack.api.command.admin.vm.ImportUnmanagedInstanceCmd',
          input: () => ({ hostId: host.id, running: plan.powerState === 'PowerOn', move: plan.move === 'live-migration', macs: instance.nics.map((n) => n.macAddress) }),
        },
      },
    );
  },
});

/** The domain named in the cluster, as its host last described it; a name on two hosts is ambiguous. */
async function unmanagedInstance(store: Store, clusterId: string, clusterName: string, name: string): Promise<UnmanagedInstance> {
  const found = await store.unmanaged.byName(clusterId, name);
  if (found.length === 0) throw new InvalidParameterError(`VM with name: ${name} not found on the Up hosts of cluster ${clusterName}: listUnmanagedInstances shows the domains that can be imported`);
  if (found.length > 1) throw new InvalidParameterError(`More than one host of cluster ${clusterName} has a domain named ${name} (${found.map((f) => f.hostName).join(', ')}): remove or rename one first`);
  return found[0];
}

/** Who holds the addresses the import would name (given, reported, or kept by a preserved NIC), by network: read by key. */
async function addressesNamed(
  store: Store,
  instance: UnmanagedInstance,
  nicNetworks: Record<string, Network>,
  candidates: readonly Network[],
  nicIps: Record<string, string>,
  macHolders: Awaited<ReturnType<Store['addresses']['macHolders']>>,
): Promise<Record<string, Record<string, string>>> {
  const wanted: Array<{ networkId: string; ip: string }> = [];
  for (const [i, nic] of instance.nics.entries()) {
    const networkIds = nicNetworks[String(i)] ? [nicNetworks[String(i)].id] : candidates.filter((n) => n.vlan === nic.vlanId).map((n) => n.id);
    const asked = nicIps[String(i)];
    const ips = asked === 'auto' ? nic.ipAddresses : asked !== undefined ? [asked] : [];
    const holder = macHolders[nic.macAddress];
    for (const networkId of networkIds) {
      for (const ip of ips) wanted.push({ networkId, ip });
      if (holder?.preserved && holder.networkId === networkId) wanted.push({ networkId, ip: holder.ipAddress });
    }
  }
  return store.addresses.addressHolders(wanted);
}

function refusalError(r: Refusal): Error {
  return r.code === 431 ? new InvalidParameterError(r.text) : new OperationRefusedError(r.text);
}

/** The dry run's answer: what the import would do, or why it would not. */
function dryRunAnswer(plan: ImportPlan | undefined, refusals: Refusal[]) {
  if (!plan) return { importable: false, refusals: refusals.map((r) => ({ errorcode: r.code, errortext: r.text })) };
  return {
    importable: true,
    name: plan.instanceName,
    hostid: plan.hostId,
    hostname: plan.hostName,
    powerstate: plan.powerState,
    cpunumber: plan.size.cpuNumber,
    cpuspeed: plan.size.cpuSpeed,
    memory: plan.size.memory,
    offeringfit: plan.offeringFit,
    move: plan.move,
    nic: plan.nics.map((n) => ({ id: n.id, networkid: n.networkId, networkname: n.networkName, macaddress: n.macAddress || 'new', ipaddress: n.ipAddress || 'allocated', matchedby: n.matchedBy, ...(n.takenFromVmId ? { takenfromvmid: n.takenFromVmId } : {}) })),
    disk: plan.disks.map((d) => ({ id: d.id, label: d.label, type: d.type, deviceid: d.deviceId, storageid: d.poolId, storage: d.poolName, path: d.path, size: d.size, ...(d.diskOfferingId ? { diskofferingid: d.diskOfferingId } : {}) })),
  };
}

