import type { Vm } from '../core/entities';
import { discardedByOfferingChange } from '../core/vm-snapshots';
import type { Store } from './store';

/** What an offering change writes besides the VM's new size: its memory snapshots gone, the chain mended. */
export interface SnapshotDiscard {
  set: Partial<Vm>;
  remove: Array<keyof Vm>;
  operations: object[];
}

/**
 * A memory snapshot cannot be reverted to once the VM's size changed, so an offering change
 * discards them, as CloudStack does: their records go in the change's own transaction; the ones
 * left take the nearest kept ancestor as parent; the VM's current snapshot becomes its nearest kept
 * one. Their data goes from the host at the VM's next snapshot command (the host drops snapshots
 * the control plane no longer has).
 */
export async function discardMemorySnapshots(store: Store, vm: Vm): Promise<SnapshotDiscard> {
  if (!vm.vmSnapshotIds?.length) return { set: {}, remove: [], operations: [] };
  const snapshots = await store.vmSnapshots.getMany(vm.vmSnapshotIds, true);
  const gone = new Set(discardedByOfferingChange(snapshots).map((s) => s.id));
  if (gone.size === 0) return { set: {}, remove: [], operations: [] };
  const byId = new Map(snapshots.map((s) => [s.id, s]));
  const keptAncestor = (id: string | undefined): string | undefined => {
    for (let at = id; at; at = byId.get(at)?.parentId) if (!gone.has(at)) return at;
    return undefined;
  };
  const kept = snapshots.filter((s) => !gone.has(s.id));
  const operations = [
    ...store.vmSnapshots.deleteOperations(snapshots.filter((s) => gone.has(s.id))),
    ...kept.flatMap((s) => {
      const parentId = keptAncestor(s.parentId);
      if (parentId === s.parentId) return [];
      return parentId ? store.vmSnapshots.updateOperations(s, { parentId }) : store.vmSnapshots.updateOperations(s, {}, ['parentId']);
    }),
  ];
  const currentId = keptAncestor(vm.currentVmSnapshotId);
  return {
    set: { vmSnapshotIds: kept.map((s) => s.id), ...(currentId ? { currentVmSnapshotId: currentId } : {}) },
    remove: currentId ? [] : ['currentVmSnapshotId'],
    operations,
  };
}

/**
 * A VM whose job ended without finishing its operation (its workflow failed, the reconciler settled
 * it, or it never started) leaves nothing half-way. Snapshots: one being made goes (its host was told
 * to delete what it made, and drops anything left at the next snapshot command), one being reverted
 * to is Ready again, one being deleted is in Error (deleting it again is allowed). A backup being
 * taken is in Error, never left BackingUp. For the transaction that fails the job and releases the VM.
 */
export async function settleUnfinishedOperations(store: Store, vm: Vm): Promise<SnapshotDiscard> {
  const backup = vm.backupInProgressId ? await store.backups.getBackup(vm.backupInProgressId, true) : undefined;
  // A backup being taken ends in Error; one being restored from is as good as before: BackedUp again.
  const backupOperations =
    backup?.status === 'BackingUp'
      ? store.backups.updateBackupOperations(backup, { status: 'Error', error: `its job ${vm.activeJobId ?? ''} failed: queryAsyncJobResult says why` })
      : backup?.status === 'Restoring'
        ? store.backups.updateBackupOperations(backup, { status: 'BackedUp' })
        : [];
  const backupRemove: Array<keyof Vm> = vm.backupInProgressId ? ['backupInProgressId'] : [];
  if (!vm.vmSnapshotIds?.length) return { set: {}, remove: backupRemove, operations: backupOperations };
  const snapshots = await store.vmSnapshots.getMany(vm.vmSnapshotIds, true);
  const creating = snapshots.filter((s) => s.state === 'Creating');
  const operations = [
    ...(creating.length ? store.vmSnapshots.deleteOperations(creating) : []),
    ...snapshots.filter((s) => s.state === 'Reverting').flatMap((s) => store.vmSnapshots.updateOperations(s, { state: 'Ready' })),
    ...snapshots.filter((s) => s.state === 'Expunging').flatMap((s) => store.vmSnapshots.updateOperations(s, { state: 'Error' })),
    ...backupOperations,
  ];
  return { set: creating.length ? { vmSnapshotIds: vm.vmSnapshotIds.filter((id) => !creating.some((s) => s.id === id)) } : {}, remove: backupRemove, operations };
}
