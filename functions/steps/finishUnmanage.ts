import { z } from 'zod';
import { DomainDescriptionSchema } from '../../core/agent-protocol';
import { InternalError } from '../../core/errors';
import type { EventType } from '../../core/events';
import { transition } from '../../core/vm-states';
import type { Store } from '../store';
import { withCountersMerged } from '../store/repository';
import { volumesOf } from '../store/storage';
import { unmanagedInstanceOf } from '../store/unmanaged';
import { recordVmEvent } from '../vm-events';
import { recordVolumeEvent } from '../volume-events';
import { defineStep } from './define-step';
import type { Vm, Volume } from '../../core/entities';

const Input = z.object({ jobId: z.string(), vmId: z.string(), hostId: z.string(), domain: DomainDescriptionSchema, state: z.string() });

/** DynamoDB's bound on one transaction's writes. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * The domain is left to itself on its host: the inventory lets the VM go in one transaction (R-UNM.4),
 * so a failure at any point leaves it exactly as it was, and a retry after success finds the job
 * settled and does nothing. The VM becomes Expunged (`unmanaged`), listed and counted nowhere; its
 * volumes, VM snapshots and tags go from the inventory (their files and the snapshots' data stay
 * in the disks); its NICs' addresses are released, or kept with the VM's record under
 * unmanage.vm.preserve.nics so nothing else takes them; what it held on its host and pools is given
 * back; the domain shows in listUnmanagedInstances at once. Then the usage events of R-UNM.4 step 8
 * and VM.UNMANAGE.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, hostId, domain, state }, { store, now }) => {
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    if (!vm || !job) throw new InternalError(`VM ${vmId} or job ${jobId} no longer exists`);
    if (vm.activeJobId !== jobId) return { completed: false };
    const at = now();
    const preserveNics = (await store.settings.get('unmanage.vm.preserve.nics', { zoneId: vm.zoneId })) === 'true';
    const [volumes, snapshots, host] = await Promise.all([
      volumesOf(store.storage, vm),
      vm.vmSnapshotIds?.length ? store.vmSnapshots.getMany(vm.vmSnapshotIds, true) : Promise.resolve([]),
      store.hosts.get(hostId, true),
    ]);
    const to = transition(vm.state, 'Unmanaged');
    const also = withCountersMerged([
      ...store.storage.forgetOperations(volumes),
      ...(await store.backups.leaveOperations(vm)),
      ...store.tags.goneWithOperations('Volume', volumes),
      ...store.vmSnapshots.deleteOperations(snapshots),
      ...store.tags.goneWithOperations('UserVm', [vm]),
      ...(preserveNics ? store.addresses.preserveOperations(vm.id, vm.nics) : store.addresses.releaseOperations(vm.id, vm.nics)),
      ...store.placement.giveBackOperations(vm),
      // Its domain's name is nobody's now: heartbeats report it as unmanaged, and no stop order or fence list names it.
      store.vms.forgetInstanceNameOperation(vm),
      // The host's fence list (HA domains) is recomputed without it, so a cut-off agent never powers it off.
      ...(vm.haEnable && vm.hostId ? [store.ha.attentionOperation(vm.hostId, at.toISOString())] : []),
      ...(host ? [store.unmanaged.putOperation(unmanagedInstanceOf(host, domain, at))] : []),
    ]);
    // The job, its pending marker and counters, the VM and its counters ride with these.
    if (also.length + 12 > MAX_TRANSACTION_ITEMS)
      throw new InternalError(`VM ${vm.name} has too many volumes, snapshots and tags (${also.length} records) to unmanage in one transaction; delete its VM snapshots first`);
    const completed = await store.jobs.complete(
      jobId,
      { status: 1, result: { success: true, details: 'VM unmanaged successfully', hostid: hostId }, step: state, created: job.created, also },
      {
        vm,
        set: { state: to, unmanaged: at.toISOString(), lastUpdated: at.toISOString(), lastHostId: hostId, ...(preserveNics && vm.nics.length ? { nicsPreserved: true } : {}) },
        remove: ['activeJobId', 'hostId', 'affinityHeld', 'volumeIds', 'vmSnapshotIds', 'currentVmSnapshotId', 'tags', 'backupOfferingId'],
      },
      store.vms,
      at,
    );
    if (completed) await recordUnmanageEvents(store, vm, { jobId, userId: job.userId, volumes, snapshots: snapshots.length, nicsReleased: preserveNics ? 0 : vm.nics.length }, at);
    return { completed };
  },
  { recordsOwnStep: true },
);

/**
 * R-UNM.4 step 8, as an expunge would write them: VOLUME.DELETE per volume, VMSNAPSHOT.DELETE and
 * VMSNAPSHOT.OFF_PRIMARY per snapshot, NETWORK.OFFERING.REMOVE per NIC released, VM.STOP if it was
 * running, VM.DESTROY; then the job's VM.UNMANAGE. Written after the commit: a lost one loses a
 * record, never a state change.
 */
async function recordUnmanageEvents(store: Store, vm: Vm, o: { jobId: string; userId: string; volumes: Volume[]; snapshots: number; nicsReleased: number }, at: Date): Promise<void> {
  const actor = { userId: o.userId };
  const vmEvent = (type: EventType, text: string, jobId?: string) => recordVmEvent(store, { type, actor, vm, ok: true, text, ...(jobId ? { jobId } : {}) }, at);
  try {
    for (const volume of o.volumes) await recordVolumeEvent(store, { type: 'VOLUME.DELETE', actor, volume, ok: true, text: `Volume ${volume.name} (${volume.id}) of VM ${vm.name} left the inventory with it (unmanaged; its file stays)` }, at);
    for (let i = 0; i < o.snapshots; i++) {
      await vmEvent('VMSNAPSHOT.DELETE', `A VM snapshot of VM ${vm.name} left the inventory with it (unmanaged; its data stays in the disks)`);
      await vmEvent('VMSNAPSHOT.OFF_PRIMARY', `A VM snapshot of VM ${vm.name} no longer counts on primary storage (unmanaged)`);
    }
    for (let i = 0; i < o.nicsReleased; i++) await vmEvent('NETWORK.OFFERING.REMOVE', `NIC ${vm.nics[i].id} of VM ${vm.name} on network ${vm.nics[i].networkName} released (unmanaged)`);
    if (vm.state === 'Running') await vmEvent('VM.STOP', `VM ${vm.name} (${vm.id}) no longer runs under Stratus (unmanaged)`, o.jobId);
    await vmEvent('VM.DESTROY', `VM ${vm.name} (${vm.id}) left the inventory (unmanaged)`, o.jobId);
    await vmEvent('VM.UNMANAGE', `Successfully unmanaged VM ${vm.name} (${vm.id}); its domain ${vm.instanceName} is left ${vm.state === 'Running' ? 'running' : 'defined'} on its host`, o.jobId);
  } catch {
    // Events are records of what committed; the unmanage stands without them.
  }
}
