import type { Vm } from '../core/entities';
import type { Store } from './store';
import { volumesOf } from './store/storage';
import { recordVmEvent } from './vm-events';
import { recordVolumeEvent } from './volume-events';
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


/**
 * An import's records, once the VM stands: VM.IMPORT (`from`: the domain or disk image it was made
 * of) and the usage records of a create (VM.CREATE, VM.START when it runs, VOLUME.CREATE per
 * volume, NETWORK.OFFERING.ASSIGN per NIC).
 */
export async function recordImportEvents(store: Store, vm: Vm, o: { userId: string; jobId: string; from: string }, at: Date): Promise<void> {
  const actor = { userId: o.userId };
  const jobId = o.jobId;
  try {
    await recordVmEvent(store, { type: 'VM.IMPORT', actor, vm, ok: true, jobId, text: `Successfully imported VM ${vm.name} (${vm.id}) from ${o.from}; VM is ${vm.state}` }, at);
    await recordVmEvent(store, { type: 'VM.CREATE', actor, vm, ok: true, jobId, text: `VM ${vm.name} (${vm.id}) created by an import` }, at);
    if (vm.state === 'Running') await recordVmEvent(store, { type: 'VM.START', actor, vm, ok: true, jobId, text: `VM ${vm.name} (${vm.id}) imported running` }, at);
    for (const volume of await volumesOf(store.storage, vm)) await recordVolumeEvent(store, { type: 'VOLUME.CREATE', actor, volume, ok: true, text: `Volume ${volume.name} (${volume.id}) of VM ${vm.name} imported from its existing file ${volume.path}` }, at);
    for (const nic of vm.nics) await recordVmEvent(store, { type: 'NETWORK.OFFERING.ASSIGN', actor, vm, ok: true, text: `NIC ${nic.macAddress} of VM ${vm.name} on network ${nic.networkName} (${nic.ipAddress}) imported` }, at);
  } catch {
    // Records of what committed; the import stands without them.
  }
}
