import type { Vm, VmSnapshot } from './entities';

/**
 * VM snapshots' rules, as CloudStack's VMSnapshotManagerImpl and DefaultVMSnapshotStrategy have
 * them on KVM (storage-anchors.md section 3), decided here so that commands and steps agree.
 *
 * One mechanism per VM (section 5's lesson): libvirt internal snapshots of the VM's QCOW2 volumes,
 * with the memory while it runs (DiskAndMemory), of the disks alone while it is stopped (Disk). A
 * request no mechanism can take is refused when asked, never half-done.
 */

/** The internal name: `<instance>_VS_<yyyyMMddHHmmss>` (UTC), as CloudStack names it. */
export function vmSnapshotName(instanceName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${instanceName}_VS_${stamp}`;
}

/**
 * The second a new snapshot is named after: now, or one past the VM's last snapshot's when that is
 * not earlier. The name is the host's key for a snapshot, so a VM never reuses one, even of a
 * snapshot deleted or discarded since (its host may still hold it until its next snapshot command).
 */
export function nextSnapshotStamp(last: string | undefined, now: Date): Date {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  const after = last ? Date.parse(last) + 1000 : 0;
  return new Date(Math.max(second, after));
}

/** Why a VM snapshot cannot be taken now (the 431 refusals), or undefined. */
export function createRefusal(vm: Pick<Vm, 'id' | 'name' | 'state' | 'volumeIds'>, memory: boolean): string | undefined {
  if (vm.state !== 'Running' && vm.state !== 'Stopped') return `Creating vm snapshot failed due to VM:${vm.id} is not in the running or Stopped state`;
  if (memory && vm.state !== 'Running') return 'Can not snapshot memory when VM is not in Running state';
  // Internal snapshots of a running domain always hold its memory; its disks alone need it stopped.
  if (!memory && vm.state === 'Running')
    return `No strategy was able to handle requested snapshot for VM [${vm.name}]. A running VM's snapshot includes its memory (snapshotmemory=true); stop the VM for a disk-only snapshot`;
  if (vm.volumeIds === undefined) return `No strategy was able to handle requested snapshot for VM [${vm.name}]. It was made before Stratus had volumes: its disk is not a volume to snapshot`;
  return undefined;
}

/** Why one more snapshot would pass `vmsnapshot.max` (530, as CloudStack's CloudRuntimeException), or undefined. */
export function limitRefusal(vm: Pick<Vm, 'vmSnapshotIds'>, max: number): string | undefined {
  return (vm.vmSnapshotIds?.length ?? 0) >= max ? `Creating vm snapshot failed due to a VM can just have : ${max} VM snapshots. Please delete old ones` : undefined;
}

export const ACTIVE_SNAPSHOT_TASK = 'There is other active vm snapshot tasks on the instance, please try again later';

/**
 * Why a revert is refused, or undefined. A revert never changes the VM's power state: a running VM
 * goes back to a snapshot with memory, a stopped VM to a disk-only one.
 */
export function revertRefusal(vm: Pick<Vm, 'state'>, snapshot: Pick<VmSnapshot, 'state' | 'type'>): string | undefined {
  if (snapshot.state !== 'Ready') return 'VM Snapshot reverting failed due to vm snapshot is not in the state of Created.';
  const fits = (vm.state === 'Running' && snapshot.type === 'DiskAndMemory') || (vm.state === 'Stopped' && snapshot.type === 'Disk');
  if (!fits)
    return 'VM Snapshot revert not allowed. This will result in VM state change. You can revert running VM to disk and memory type snapshot and stopped VM to disk type snapshot';
  return undefined;
}

/** Why a delete is refused (CloudStack's text, its typo kept), or undefined. */
export function deleteRefusal(snapshot: Pick<VmSnapshot, 'state' | 'name'>): string | undefined {
  return snapshot.state === 'Ready' || snapshot.state === 'Error' || snapshot.state === 'Expunging'
    ? undefined
    : `Can't delete the vm snapshotshot ${snapshot.name} due to it is not in Created or Error, or Expunging State`;
}

/** The state CloudStack shows: `Ready` is its Ready (listVMSnapshot state=Ready). */
export const VM_SNAPSHOT_STATES = ['Allocated', 'Creating', 'Ready', 'Reverting', 'Expunging', 'Removed', 'Error'] as const;

/**
 * The chain after `gone` leaves it: its children take its parent; the VM's current snapshot, when
 * it was `gone`, becomes its parent (as CloudStack moves `current` on delete).
 */
export function chainWithout(snapshots: readonly VmSnapshot[], gone: VmSnapshot, currentId: string | undefined): { reparent: VmSnapshot[]; currentId: string | undefined } {
  const reparent = snapshots.filter((s) => s.parentId === gone.id && s.id !== gone.id);
  return { reparent, currentId: currentId === gone.id ? gone.parentId : currentId };
}

/** A memory snapshot cannot come back after the VM's size changed: what an offering change discards. */
export const discardedByOfferingChange = (snapshots: readonly VmSnapshot[]) => snapshots.filter((s) => s.type === 'DiskAndMemory');
