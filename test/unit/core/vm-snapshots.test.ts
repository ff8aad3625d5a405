import type { VmSnapshot } from '../../../core/entities';
import { chainWithout, createRefusal, deleteRefusal, limitRefusal, nextSnapshotStamp, revertRefusal, vmSnapshotName } from '../../../core/vm-snapshots';

const snap = (id: string, parentId?: string, over: Partial<VmSnapshot> = {}): VmSnapshot => ({
  id,
  name: `i-2-1-VM_VS_${id}`,
  displayName: id,
  type: 'DiskAndMemory',
  state: 'Ready',
  quiesce: false,
  ...(parentId ? { parentId } : {}),
  vmId: 'vm',
  accountId: 'a',
  accountName: 'admin',
  domainId: 'd',
  domainPath: 'ROOT',
  zoneId: 'z',
  serviceOfferingId: 'o',
  created: '2026-12-04T07:00:00.000Z',
  version: 1,
  ...over,
});

describe('VM snapshot rules', () => {
  it("names a snapshot <instance>_VS_<yyyyMMddHHmmss> in UTC, as CloudStack does", () => {
    expect(vmSnapshotName('i-2-7-VM', new Date('2026-12-04T07:05:09.123Z'))).toBe('i-2-7-VM_VS_20261204070509');
  });

  it('never names two snapshots of a VM after the same second, even one deleted since', () => {
    const now = new Date('2026-12-04T07:05:09.900Z');
    expect(nextSnapshotStamp(undefined, now).toISOString()).toBe('2026-12-04T07:05:09.000Z');
    expect(nextSnapshotStamp('2026-12-04T07:05:09.000Z', now).toISOString()).toBe('2026-12-04T07:05:10.000Z');
    expect(nextSnapshotStamp('2026-12-04T07:05:12.000Z', now).toISOString()).toBe('2026-12-04T07:05:13.000Z');
    expect(nextSnapshotStamp('2026-12-04T07:00:00.000Z', now).toISOString()).toBe('2026-12-04T07:05:09.000Z');
  });

  it.each<[string, { state: 'Running' | 'Stopped' | 'Starting'; volumeIds?: string[] }, boolean, RegExp | undefined]>([
    ['a running VM with memory', { state: 'Running', volumeIds: ['r'] }, true, undefined],
    ['a stopped VM, disks alone', { state: 'Stopped', volumeIds: ['r'] }, false, undefined],
    ['a stopped VM with memory', { state: 'Stopped', volumeIds: ['r'] }, true, /^Can not snapshot memory when VM is not in Running state$/],
    ['a running VM, disks alone', { state: 'Running', volumeIds: ['r'] }, false, /^No strategy was able to handle requested snapshot for VM \[web\]\./],
    ['a VM in transition', { state: 'Starting', volumeIds: ['r'] }, true, /^Creating vm snapshot failed due to VM:vm-1 is not in the running or Stopped state$/],
    ['a VM made before volumes', { state: 'Running' }, true, /^No strategy was able to handle requested snapshot for VM \[web\]\. It was made before Stratus had volumes/],
  ])('decides a create for %s', (_case, vm, memory, refusal) => {
    const said = createRefusal({ id: 'vm-1', name: 'web', ...vm }, memory);
    if (refusal) expect(said).toMatch(refusal);
    else expect(said).toBeUndefined();
  });

  it('counts vmsnapshot.max against every snapshot the VM has, being made included', () => {
    expect(limitRefusal({ vmSnapshotIds: ['a', 'b'] }, 3)).toBeUndefined();
    expect(limitRefusal({ vmSnapshotIds: ['a', 'b', 'c'] }, 3)).toBe('Creating vm snapshot failed due to a VM can just have : 3 VM snapshots. Please delete old ones');
  });

  it('reverts only without a change of power state, and only a Ready snapshot', () => {
    expect(revertRefusal({ state: 'Running' }, { state: 'Ready', type: 'DiskAndMemory' })).toBeUndefined();
    expect(revertRefusal({ state: 'Stopped' }, { state: 'Ready', type: 'Disk' })).toBeUndefined();
    expect(revertRefusal({ state: 'Running' }, { state: 'Ready', type: 'Disk' })).toMatch(/^VM Snapshot revert not allowed\. This will result in VM state change\./);
    expect(revertRefusal({ state: 'Stopped' }, { state: 'Ready', type: 'DiskAndMemory' })).toMatch(/^VM Snapshot revert not allowed/);
    expect(revertRefusal({ state: 'Running' }, { state: 'Error', type: 'DiskAndMemory' })).toBe('VM Snapshot reverting failed due to vm snapshot is not in the state of Created.');
  });

  it("deletes a Ready, Error or Expunging snapshot, refusing others with CloudStack's text (its typo kept)", () => {
    expect(deleteRefusal({ state: 'Error', name: 'x' })).toBeUndefined();
    expect(deleteRefusal({ state: 'Expunging', name: 'x' })).toBeUndefined();
    expect(deleteRefusal({ state: 'Creating', name: 'x' })).toBe("Can't delete the vm snapshotshot x due to it is not in Created or Error, or Expunging State");
  });

  it("mends the chain on a delete: children under the parent, current to the parent when it was the one deleted", () => {
    const [a, b, c, d] = [snap('a'), snap('b', 'a'), snap('c', 'b'), snap('d', 'b')];
    expect(chainWithout([a, c, d], b, 'c')).toEqual({ reparent: [c, d], currentId: 'c' });
    expect(chainWithout([a, c, d], b, 'b')).toEqual({ reparent: [c, d], currentId: 'a' });
    expect(chainWithout([b, c, d], a, 'a')).toEqual({ reparent: [b], currentId: undefined });
  });
});
