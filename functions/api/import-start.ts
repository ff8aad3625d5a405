import { randomUUID } from 'node:crypto';
import { capacityOf } from '../../core/allocator';
import type { Caller, Host, Nic, ServiceOffering, Template, UnmanagedInstance, Vm, Volume } from '../../core/entities';
import { ConcurrentOperationError, InsufficientCapacityError, InvalidParameterError } from '../../core/errors';
import type { ImportPlan } from '../../core/import-plan';
import { macAddressFor } from '../../core/naming';
import { customSizeDetails } from '../../core/scaling';
import type { Store } from '../store';
import { limitsFor } from '../store/placement';
import { importUndoOperations } from '../vm-import';
import type { JobStarter, StartedJob } from './jobs';

/** Whose the imported VM is. */
export interface ImportOwner {
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  userId: string;
  /** its user's CloudStack number, in the instance names of the VMs made for it */
  userNumericId: number;
}

export interface ImportSpec {
  plan: Pick<ImportPlan, 'powerState' | 'size' | 'nics' | 'disks' | 'move'>;
  /** the hypervisor's name for it: an unmanaged domain keeps its own, a disk import gets a new one */
  instanceName: string;
  vmSeq?: number;
  zoneId: string;
  /** the domain's host (a running one's capacity is held there), or the host of a local disk; absent: placed at its first start */
  host?: Host;
  /** the unmanaged domain imported: its listing is marked while the job runs */
  domain?: UnmanagedInstance;
  owner: ImportOwner;
  offering: ServiceOffering;
  template: Template;
  name: string;
  displayName: string;
  details: Record<string, string>;
  /** the job's workflow, command and input (given the VM and volumes made, whose ids it may carry) */
  job: { workflow: 'import-vm' | 'import-disk'; cmd: string; input: (made: { vm: Vm; volumes: Volume[] }) => Record<string, unknown> };
}

/**
 * Start an import: the VM (Starting for a running domain, Allocated for one that is off) with its
 * volumes, its capacity held on the domain's host (a running one), its pools' space, its NICs'
 * addresses and MACs (preserved ones taken back from the unmanaged VM that kept them) and the
 * domain's listing marked, all in the transaction that creates the job; then workflows/import-vm
 * adopts the domain. Addresses allocated from a range are taken first, as deploy takes them, and
 * given back if the transaction fails. A transaction that fails is explained from what is there now.
 */
export async function startImport(ctx: { store: Store; jobs: JobStarter; now: Date; caller: Caller }, s: ImportSpec): Promise<StartedJob> {
  const { store, jobs, now, caller } = ctx;
  const running = s.plan.powerState === 'PowerOn';
  const id = randomUUID();
  const at = now.toISOString();
  const vmSeq = s.vmSeq ?? (await store.inventory.nextSequence('vm'));
  const networks = new Map((await Promise.all([...new Set(s.plan.nics.map((n) => n.networkId))].map((nid) => store.inventory.getNetwork(nid)))).filter((n) => !!n).map((n) => [n!.id, n!]));
  const allocated: Nic[] = [];
  const nics: Nic[] = [];
  try {
    for (const [i, p] of s.plan.nics.entries()) {
      const network = networks.get(p.networkId);
      if (!network) throw new ConcurrentOperationError(`Network ${p.networkName} was deleted while the import was being started`);
      let ipAddress = p.ipAddress;
      if (!ipAddress) {
        ipAddress = (await store.addresses.take(network, id, () => store.inventory.nextSequence(`ip#${network.id}`))) ?? '';
        if (!ipAddress) throw new InsufficientCapacityError(`Insufficient address capacity: network ${network.name} has no free address`);
      }
      const macAddress = p.macAddress || macAddressFor(await store.inventory.nextSequence('mac'));
      const nic: Nic = { id: randomUUID(), networkId: network.id, networkName: network.name, ipAddress, netmask: network.netmask, gateway: network.gateway, macAddress, isDefault: i === 0, type: network.type };
      if (!p.ipAddress) allocated.push(nic);
      nics.push(nic);
    }
  } catch (err) {
    await giveBack(store, id, allocated);
    throw err;
  }
  const takenBack = s.plan.nics.flatMap((p, i) => (p.takenFromVmId ? [{ nicId: nics[i].id, fromVmId: p.takenFromVmId }] : []));
  const volumes: Volume[] = s.plan.disks.map((d, i) => ({
    id: randomUUID(),
    name: `${d.type === 'ROOT' ? 'ROOT' : 'DATA'}-${vmSeq}`,
    type: d.type,
    // A disk image's size is learnt on its host (importVm): Allocated until then.
    state: d.size > 0 ? 'Ready' : 'Allocated',
    size: d.size,
    accountId: s.owner.accountId,
    accountName: s.owner.accountName,
    domainId: s.owner.domainId,
    domainPath: s.owner.domainPath,
    zoneId: s.zoneId,
    vmId: id,
    deviceId: d.deviceId,
    poolId: d.poolId,
    path: d.path,
    ...(d.diskOfferingId ? { diskOfferingId: d.diskOfferingId } : {}),
    ...(d.type === 'ROOT' ? { templateId: s.template.id } : {}),
    provisioningType: 'thin',
    created: new Date(now.getTime() + i).toISOString(),
    attached: at,
    version: 1,
  }));
  const vm: Vm = {
    id,
    name: s.name,
    displayName: s.displayName,
    instanceName: s.instanceName,
    accountId: s.owner.accountId,
    userId: s.owner.userId,
    domainId: s.owner.domainId,
    domainPath: s.owner.domainPath,
    zoneId: s.zoneId,
    serviceOfferingId: s.offering.id,
    templateId: s.template.id,
    osTypeId: s.template.osTypeId,
    ...s.plan.size,
    state: running ? 'Starting' : 'Allocated',
    ...(running && s.host && s.domain ? { hostId: s.host.id, affinityHeld: { antiAffinity: [], affinity: [] }, bootCpuNumber: s.domain.cpuNumber, bootMemory: s.domain.memory } : {}),
    ...(s.host ? { lastHostId: s.host.id } : {}),
    nics,
    haEnable: s.offering.offerHa,
    details: { ...(s.offering.isCustomized ? customSizeDetails(s.plan.size) : {}), ...s.details },
    affinityGroupIds: [],
    volumeIds: volumes.map((v) => v.id),
    ...(takenBack.length ? { importedNics: takenBack } : {}),
    created: at,
    lastUpdated: at,
    version: 1,
  };
  const pools = new Map((await store.storage.getPools(s.plan.disks.map((d) => d.poolId))).map((p) => [p.id, p]));
  const factorOf = await store.storage.factorsOf([...pools.values()]);
  const bytesByPool = new Map<string, number>();
  for (const v of volumes) bytesByPool.set(v.poolId!, (bytesByPool.get(v.poolId!) ?? 0) + v.size);
  const also = [
    ...store.storage.volumesCreateOperations(volumes),
    ...[...bytesByPool].map(([poolId, bytes]) => store.storage.holdOperation(pools.get(poolId)!, bytes, factorOf(pools.get(poolId)!))),
    ...(running && s.host ? [store.placement.holdOperationFor(vm, s.host, await limitsFor(store.settings, store.affinity, vm, s.host))] : []),
    ...nics.flatMap((nic, i): object[] => {
      const p = s.plan.nics[i];
      if (p.takenFromVmId) return store.addresses.takeOverOperations(p.takenFromVmId, id, nic);
      return [...(p.ipAddress ? [store.addresses.claimOperation(id, nic.networkId, nic.ipAddress)] : []), ...store.addresses.macOperations(id, [nic])];
    }),
    ...(s.domain ? [store.unmanaged.markOperation(s.domain.hostId, s.domain.name, at)] : []),
  ];
  // The job, the VM and their counters and pending marker ride with these: DynamoDB takes 100 writes at most.
  if (also.length + 14 > 100) {
    await giveBack(store, id, allocated);
    throw new InvalidParameterError(`VM ${s.instanceName} has too many disks and NICs (${also.length} records) to import in one transaction`);
  }
  try {
    return await jobs.startWithNewVm({
      workflow: s.job.workflow,
      cmd: s.job.cmd,
      eventType: 'VM.IMPORT',
      caller,
      vm,
      also,
      input: s.job.input({ vm, volumes }),
      undo: async () => importUndoOperations(store, { ...vm, version: 1 }),
      claimInstanceName: true,
    });
  } catch (err) {
    // Whatever failed, the addresses taken from ranges go back (a job that started keeps them: its undo gives them back).
    if (!(await store.vms.get(id, true))) await giveBack(store, id, allocated);
    if ((err as Error).name !== 'TransactionCanceledException') throw err;
    throw await explain(store, s, vm);
  }
}

async function giveBack(store: Store, vmId: string, nics: readonly Nic[]): Promise<void> {
  if (nics.length) await store.storage.transact(store.addresses.releaseOperations(vmId, nics), () => new Error('released already')).catch(() => undefined);
}

/** Why the import's transaction was refused, from what is there now (nothing was written). */
async function explain(store: Store, s: ImportSpec, vm: Vm): Promise<Error> {
  const name = s.domain?.name ?? s.name;
  if (s.domain) {
    const listed = await store.unmanaged.get(s.domain.id, true);
    if (!listed) return new InvalidParameterError(`VM ${s.domain.name} is no longer on host ${s.domain.hostName}`);
    if (listed.managed) return new ConcurrentOperationError(`VM ${s.domain.name} is being imported by another request`);
  }
  if ((await store.vms.instanceNamesTaken([s.instanceName])).size) return s.domain ? new InvalidParameterError(`VM ${s.instanceName} is already managed by Stratus`) : new ConcurrentOperationError(`Instance name ${s.instanceName} was taken by another VM meanwhile; try again`);
  const host = s.host ? await store.hosts.get(s.host.id, true) : undefined;
  if (vm.hostId && host && (host.state !== 'Up' || host.resourceState !== 'Enabled')) return new InsufficientCapacityError(`Host ${host.name} of running VM ${name} is ${host.state} (${host.resourceState}): it takes no new VMs now`);
  if (vm.hostId && host) {
    const cap = capacityOf(host, (await limitsFor(store.settings, store.affinity, vm, host)).factors);
    const cpuRoom = cap.cpu - host.cpuUsed;
    const memRoom = cap.memory - host.memoryUsed;
    if (cpuRoom < vm.cpuNumber * vm.cpuSpeed || memRoom < vm.memory)
      return new InsufficientCapacityError(`Host ${host.name} has no room for running VM ${name} (${vm.cpuNumber} x ${vm.cpuSpeed} MHz, ${vm.memory} MiB; ${Math.max(0, Math.floor(cpuRoom))} MHz and ${Math.max(0, Math.floor(memRoom))} MiB free): import it powered off, or free the host first`);
  }
  const holders = await store.addresses.macHolders(s.plan.nics.map((n) => n.macAddress).filter(Boolean));
  for (const n of s.plan.nics) {
    const h = holders[n.macAddress];
    if (h && h.vmId !== n.takenFromVmId) return new InvalidParameterError(`Failed to import NICs while importing vm: ${name}. NIC with MAC address ${n.macAddress} exists on network ${n.networkName} and forced flag is disabled`);
  }
  const named = s.plan.nics.filter((x) => x.ipAddress);
  const holding = await store.addresses.addressHolders(named.map((n) => ({ networkId: n.networkId, ip: n.ipAddress })));
  for (const n of named) {
    const holder = holding[n.networkId]?.[n.ipAddress];
    if (holder && holder !== n.takenFromVmId) return new InvalidParameterError(`IP address ${n.ipAddress} for NIC(ID: ${n.id}) is not available in network(ID: ${n.networkId})`);
  }
  // The disks' pools and files' claims read at once, not one disk after another.
  const [pools, claims] = await Promise.all([Promise.all(s.plan.disks.map((d) => store.storage.getPool(d.poolId, true))), store.storage.fileHolders(s.plan.disks)]);
  for (const [i, d] of s.plan.disks.entries()) {
    if (pools[i]?.state !== 'Up') return new InsufficientCapacityError(`Storage pool ${d.poolName} of disk ${d.label} is ${pools[i]?.state ?? 'gone'}`);
    if (claims[i]) return new InvalidParameterError(`Disk image is already in use: ${d.path} on storage pool ${d.poolName} was taken by another import meanwhile`);
  }
  return new InsufficientCapacityError(`The storage pools of VM ${name}'s disks (${[...new Set(s.plan.disks.map((d) => d.poolName))].join(', ')}) have no room left for them, or something changed while the import was being started; try again`);
}
