import type { ServiceOffering, Vm } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import { CUSTOM_SIZE_DETAILS, customSizeDetails, sizeFor, vmLabel, type VmSize } from '../../core/scaling';
import type { Store } from '../store';

/** What changing a VM's service offering amounts to, checked; shared by changeServiceForVirtualMachine and scaleVirtualMachine. */
export interface OfferingChange {
  /** the VM's offering now (deleted since, too); undefined when it no longer exists */
  current: ServiceOffering | undefined;
  next: ServiceOffering;
  /** the size the VM gets: the offering's, or a custom offering's details */
  size: VmSize;
  /** the VM fields the change sets, for its conditional update (or a pending scale's commit) */
  set: Pick<Vm, 'serviceOfferingId' | 'cpuNumber' | 'cpuSpeed' | 'memory' | 'haEnable' | 'details'>;
}

/**
 * The checks CloudStack makes of a new offering for a VM in any state (upgradeStoppedVirtualMachine,
 * upgradeRunningVirtualMachine and VirtualMachineManagerImpl.checkIfCanUpgrade): the offering exists
 * (every offering is visible to every caller here), a custom one's details give a size within its
 * bounds, a fixed one is not the VM's own, and the storage type does not change. What it sets
 * follows upgradeVmDb: the HA flag comes from the new offering, and the VM's details record a custom
 * size (and lose it for a fixed one). State, jobs and the live-scale rules are the caller's.
 */
export async function planOfferingChange(store: Store, vm: Vm, serviceOfferingId: string, details: Readonly<Record<string, string>>, command: string): Promise<OfferingChange> {
  const [next, current] = await Promise.all([store.inventory.offeredServiceOffering(serviceOfferingId), store.inventory.getServiceOffering(vm.serviceOfferingId)]);
  if (!next) throw new EntityNotFoundError(command, 'serviceofferingid', serviceOfferingId);
  const size = sizeFor(next, details);
  if (!next.isCustomized && next.id === vm.serviceOfferingId)
    throw new InvalidParameterError(`Not upgrading vm ${vmLabel(vm)} since it already has the requested service offering (${next.name})`);
  // Disks stay where they are: an offering change cannot move them between local and shared storage.
  if (current && current.storageType !== next.storageType) {
    const [target, pool] = next.storageType === 'local' ? ['local', 'shared'] : ['shared', 'local'];
    throw new InvalidParameterError(`Unable to upgrade virtual machine ${vmLabel(vm)}, target offering use ${target} storage but the storage pool where the volume is allocated is a ${pool} storage.`);
  }
  const kept = Object.fromEntries(Object.entries(vm.details ?? {}).filter(([k]) => !(CUSTOM_SIZE_DETAILS as readonly string[]).includes(k)));
  return {
    current,
    next,
    size,
    set: {
      serviceOfferingId: next.id,
      ...size,
      haEnable: next.offerHa,
      details: next.isCustomized ? { ...kept, ...customSizeDetails(size) } : kept,
    },
  };
}
