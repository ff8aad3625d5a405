import { canAccess } from '../../core/access';
import type { Caller, Vm, VmSnapshot, VmSnapshotState } from '../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import { ACTIVE_SNAPSHOT_TASK } from '../../core/vm-snapshots';
import type { Store } from '../store';
import { busyError } from '../store/jobs';
import { requireOperable } from './vm-access';
import type { JobStarter, StartedJob } from './jobs';

export const VM_SNAPSHOT_CMD = (name: string) => `org.apache.cloudstack.api.command.user.vmsnapshot.${name}`;

/** The VM snapshot a command names, as the caller may see it; anything else answers like one that does not exist. */
export async function vmSnapshotForCaller(store: Store, caller: Caller, id: string, command: string, param = 'vmsnapshotid'): Promise<VmSnapshot> {
  const snapshot = await store.vmSnapshots.get(id, true);
  if (!snapshot || !canAccess(caller, snapshot)) throw new EntityNotFoundError(command, param, id);
  return snapshot;
}

/**
 * One VM snapshot operation per VM at a time, and none while another job holds the VM: CloudStack's
 * text when that job is a VM snapshot's, the job named otherwise.
 */
export async function refuseBusy(store: Store, vm: Vm, prefix = ''): Promise<void> {
  // An interrupted migration or scale: the VM's host is not known for sure until the reconciler settles it.
  if (!vm.activeJobId && (vm.migration || vm.pendingScale)) requireOperable(vm, [vm.state], 'snapshot');
  if (!vm.activeJobId) return;
  const job = await store.jobs.get(vm.activeJobId);
  if (job?.workflow?.endsWith('-vm-snapshot')) throw new ConcurrentOperationError(`${prefix}${ACTIVE_SNAPSHOT_TASK}`);
  throw busyError(vm, vm.activeJobId);
}

/**
 * The host whose agent acts on the VM's snapshots: where it runs, or where a stopped VM last ran
 * (its domain is defined there; the agent redefines it from the inventory first). A VM that never
 * ran has no files to snapshot; a host that is not Up would leave the job waiting for nothing.
 */
export async function snapshotHost(store: Store, vm: Vm): Promise<string> {
  const hostId = vm.state === 'Running' ? vm.hostId : (vm.lastHostId ?? vm.hostId);
  if (!hostId) throw new InvalidParameterError(`VM ${vm.name} has never run: its volumes have no files to snapshot yet; start it once first`);
  const host = await store.hosts.get(hostId);
  if (!host) throw new InvalidParameterError(`The host VM ${vm.name} last ran on no longer exists: start the VM elsewhere once first`);
  if (host.state !== 'Up') throw new InvalidParameterError(`Host ${host.name}, where VM ${vm.name} ${vm.state === 'Running' ? 'runs' : 'last ran'}, is ${host.state}: its snapshots can be handled when it is Up`);
  return hostId;
}

/** CloudStack's refusals of volume changes while a VM has snapshots (their disks would no longer match). */
export function refuseWithSnapshots(vm: Pick<Vm, 'id' | 'name' | 'vmSnapshotIds'>, text: string): void {
  if (vm.vmSnapshotIds?.length) throw new InvalidParameterError(text);
}

/**
 * A revert or delete of an existing snapshot as its workflow's job: one operation per VM, on the host
 * that keeps the VM's snapshots, the snapshot moved to `snapshotState` in the job's transaction.
 */
export async function startSnapshotJob(
  ctx: { store: Store; jobs: JobStarter; caller: Caller; now: Date },
  spec: { vm: Vm; snapshot: VmSnapshot; workflow: 'revert-vm-snapshot' | 'delete-vm-snapshot'; cmd: string; eventType: string; snapshotState: VmSnapshotState },
): Promise<StartedJob> {
  const { store, jobs, caller, now } = ctx;
  const { vm, snapshot } = spec;
  await refuseBusy(store, vm);
  const hostId = await snapshotHost(store, vm);
  return jobs.startOnVm({
    workflow: spec.workflow,
    cmd: VM_SNAPSHOT_CMD(spec.cmd),
    eventType: spec.eventType,
    caller,
    vm,
    set: { lastUpdated: now.toISOString() },
    also: snapshot.state === spec.snapshotState ? [] : store.vmSnapshots.updateOperations(snapshot, { state: spec.snapshotState }),
    input: { vmSnapshotId: snapshot.id, hostId, vmState: vm.state },
  });
}
