import { ruleOut, type PlacementRequest, type RuledOut } from '../../core/allocator';
import type { Host, ServiceOffering, Vm } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import type { Store } from '../store';
import { contextFor, placementRequestFor } from '../steps/chooseHost';

/**
 * Where a running VM may live-migrate, as findHostsForMigration lists it and migrateVirtualMachine
 * checks an administrator's choice (ManagementServerImpl.listHostsForMigrationOfVM,
 * UserVmManagerImpl.checkVmMigrationDestination): the other hosts of its host's cluster (KVM moves
 * within a cluster, on the storage its hosts share; the simulator does as KVM), each judged by the
 * allocator's hard constraints for the VM's size, as chooseHost judges a deploy.
 */

export interface MigrationTarget {
  host: Host;
  /** why the allocator would not place the VM there; undefined: suitable */
  ruledOut?: RuledOut;
}

/** The host the VM runs on and its offering; CloudStack's 431 when the VM cannot live-migrate at all. */
export async function migrationSource(store: Store, vm: Vm): Promise<{ source: Host; offering: ServiceOffering | undefined }> {
  if (vm.state !== 'Running') throw new InvalidParameterError('VM is not Running, cannot migrate the vm with specified id');
  const [source, offering] = await Promise.all([vm.hostId ? store.hosts.get(vm.hostId, true) : undefined, store.inventory.getServiceOffering(vm.serviceOfferingId)]);
  if (!source) throw new InvalidParameterError('Unable to find the host (with specified id) of VM with specified id');
  // A host that is not Up cannot be asked to send the VM anywhere; HA settles its VMs instead.
  if (source.state !== 'Up') throw new InvalidParameterError(`Cannot migrate VM, the host it runs on (${source.name}) is ${source.state}`);
  // Stratus has no storage motion: a VM's local disks cannot follow it (OP-23: KVM, no local storage).
  if (offering?.storageType === 'local') throw new InvalidParameterError('Unsupported operation, VM uses Local storage, cannot migrate');
  return { source, offering };
}

/**
 * What the VM asks of a destination: its size, tags, OS category and affinity. A host affinity group
 * whose only placed member is this VM pins nothing: the VM may take the group elsewhere.
 */
export async function migrationRequest(store: Store, vm: Vm, offering: ServiceOffering | undefined, size?: { cpu: number; memory: number }): Promise<PlacementRequest> {
  const groups = await store.affinity.getMany(vm.affinityGroupIds ?? []);
  const request = await placementRequestFor(store, vm, offering, groups, size);
  const held = new Set(vm.affinityHeld?.affinity ?? []);
  const alone = (request.affinity ?? []).filter((g) => g.hostId === vm.hostId && held.has(g.id));
  if (alone.length === 0) return request;
  const pins = await store.affinity.pins(alone.map((g) => g.id));
  return { ...request, affinity: request.affinity!.map((g) => (held.has(g.id) && g.hostId === vm.hostId && pins.get(g.id)?.placed === 1 ? { ...g, hostId: undefined } : g)) };
}

/** The allocator's verdict on each candidate for the VM (cluster settings as placement reads them). */
export async function judge(store: Store, vm: Vm, offering: ServiceOffering | undefined, candidates: readonly Host[]): Promise<MigrationTarget[]> {
  const [request, ctx] = await Promise.all([
    migrationRequest(store, vm, offering),
    // The order is no concern here, and an administrator's move is held only to the hosts' own state.
    contextFor(store, vm, candidates, { algorithm: 'firstfit', rootOwned: true, pods: [], clusters: [] }),
  ]);
  return candidates.map((host) => ({ host, ruledOut: ruleOut(host, request, ctx) }));
}

/**
 * An administrator's destination for the VM (migrateVirtualMachine `hostid`), read consistently:
 * CloudStack's 431 when it is unknown, the VM's own host, not Up and Enabled, or in another
 * cluster. What the allocator would rule out (full, tags, affinity) is returned, not thrown: a
 * destination short of room makes the migration wait (OP-23), the rest is the caller's to refuse.
 */
export async function checkMigrationDestination(
  store: Store,
  vm: Vm,
  hostId: string,
  command: string,
): Promise<{ source: Host; destination: Host; ruledOut?: RuledOut }> {
  const { source, offering } = await migrationSource(store, vm);
  const destination = await store.hosts.get(hostId, true);
  if (!destination) throw new EntityNotFoundError(command, 'hostid', hostId);
  if (destination.id === source.id) throw new InvalidParameterError('Cannot migrate VM, VM is already present on this host, please specify valid destination host to migrate the VM');
  if (destination.state !== 'Up' || destination.resourceState !== 'Enabled')
    throw new InvalidParameterError(`Cannot migrate VM, destination host is not in correct state, has status: ${destination.state}, state: ${destination.resourceState}`);
  if (destination.clusterId !== source.clusterId) throw new InvalidParameterError(`Source and destination host are not in same cluster, unable to migrate to host: ${destination.id}`);
  const [verdict] = await judge(store, vm, offering, [destination]);
  return { source, destination, ruledOut: verdict.ruledOut };
}
