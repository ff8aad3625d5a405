import type { Vm } from '../core/entities';
import type { Store } from './store';
import { volumesOf } from './store/storage';
import { unmanagedInstanceId } from './store/unmanaged';
import { withCountersMerged } from './store/repository';

/**
 * What an import took, given back in one transaction (an import that failed, or whose workflow never
 * started): the VM item and its counters and instance name, its volumes (their files stay, their
 * pools' space given back), its host capacity, its NICs' addresses and MACs (those taken back from an
 * unmanaged VM's preserved NICs returned to it), and the domain listed as unmanaged again. No
 * half-imported VM remains (CloudStack's pain: a failed import left a dummy VM behind).
 */
export async function importUndoOperations(store: Store, vm: Vm): Promise<object[]> {
  const [volumes, listed] = await Promise.all([volumesOf(store.storage, vm), vm.lastHostId ? store.unmanaged.get(unmanagedInstanceId(vm.lastHostId, vm.instanceName), true) : undefined]);
  const takenBack = new Map((vm.importedNics ?? []).map((t) => [t.nicId, t.fromVmId]));
  const nics = vm.nics.filter((n) => !takenBack.has(n.id));
  return withCountersMerged([
    store.vms.deleteOperation(vm),
    ...store.vms.changeCounterOperations(vm, { state: 'Expunged' }),
    store.vms.forgetInstanceNameOperation(vm),
    ...store.storage.forgetOperations(volumes),
    ...store.placement.giveBackOperations(vm),
    ...store.addresses.releaseOperations(vm.id, nics),
    ...vm.nics.filter((n) => takenBack.has(n.id)).flatMap((n) => store.addresses.takeOverOperations(takenBack.get(n.id)!, vm.id, n, true)),
    ...(listed ? [store.unmanaged.unmarkOperation(listed.hostId, listed.name)] : []),
    // The host's fence list is judged again without it.
    ...(vm.haEnable && vm.hostId ? [store.ha.attentionOperation(vm.hostId, new Date().toISOString())] : []),
  ]);
}

