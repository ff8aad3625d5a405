import type { StoragePool } from '../../../core/entities';
import { checkDeviceId, choosePool, explainNoPool, GiB, nextDeviceId, parseStorageUrl, poolReaches, ruleOutPool, targetDevice, volumeRequest } from '../../../core/storage';

const pool = (over: Partial<StoragePool> = {}): StoragePool => ({
  id: 'p1',
  name: 'p1',
  zoneId: 'z1',
  podId: 'pod1',
  clusterId: 'c1',
  scope: 'CLUSTER',
  type: 'NetworkFilesystem',
  host: '10.0.0.5',
  path: '/export/p1',
  url: 'nfs://10.0.0.5/export/p1',
  state: 'Up',
  tags: [],
  capacityBytes: 100 * GiB,
  allocatedBytes: 0,
  usedBytes: 0,
  created: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});
const host = { id: 'h1', name: 'host1', zoneId: 'z1', clusterId: 'c1' };
const request = (over: Partial<ReturnType<typeof volumeRequest>> = {}) => ({ name: 'ROOT-7', size: 10 * GiB, storageType: 'shared' as const, tags: [], ...over });

describe('device ids', () => {
  it('gives data disks the lowest free id, skipping ROOT (0) and the CD-ROM (3), up to the KVM limit', () => {
    expect(nextDeviceId([0])).toBe(1);
    expect(nextDeviceId([0, 1, 2])).toBe(4);
    expect(nextDeviceId([0, 2])).toBe(1);
    expect(nextDeviceId([0, ...Array.from({ length: 32 }, (_, i) => (i < 2 ? i + 1 : i + 2))])).toBeUndefined();
    expect(nextDeviceId([0, 1], 1)).toBeUndefined();
  });

  it("refuses the CD-ROM's id and ids past the limit with CloudStack's text", () => {
    expect(() => checkDeviceId(3)).toThrow('deviceId should be 0,1,2,4-33');
    expect(() => checkDeviceId(34)).toThrow('deviceId should be 0,1,2,4-33');
    expect(() => checkDeviceId(4)).not.toThrow();
  });

  it('names libvirt targets vda, vdb, ... vdz, vdaa', () => {
    expect([0, 1, 25, 26, 27].map(targetDevice)).toEqual(['vda', 'vdb', 'vdz', 'vdaa', 'vdab']);
  });
});

describe('storage URLs', () => {
  it.each([
    ['nfs://10.0.0.5/export/primary/', { type: 'NetworkFilesystem', host: '10.0.0.5', path: '/export/primary' }],
    ['SharedMountPoint:///mnt/primary', { type: 'SharedMountPoint', host: 'localhost', path: '/mnt/primary' }],
    ['file://localhost/var/lib/libvirt/images', { type: 'Filesystem', host: 'localhost', path: '/var/lib/libvirt/images' }],
  ])('reads %s', (url, expected) => {
    expect(parseStorageUrl(url)).toEqual(expected);
  });

  it.each(['iscsi://10.0.0.5/iqn', 'nfs://10.0.0.5', 'nfs://host/a/../b', 'nfs://host/a b', 'not a url'])('refuses %s', (url) => {
    expect(() => parseStorageUrl(url)).toThrow();
  });
});

describe('the storage allocator', () => {
  it('lets a host reach its cluster\'s pools, its zone\'s zone-wide pools and its own local pool only', () => {
    expect(poolReaches(pool(), host)).toBe(true);
    expect(poolReaches(pool({ clusterId: 'c2' }), host)).toBe(false);
    expect(poolReaches(pool({ scope: 'ZONE', clusterId: undefined }), host)).toBe(true);
    expect(poolReaches(pool({ scope: 'HOST', hostId: 'h2' }), host)).toBe(false);
    expect(poolReaches(pool({ scope: 'HOST', hostId: 'h1' }), host)).toBe(true);
  });

  it('rules a pool out for its state, reach, storage type, tags and room, overprovisioning applied', () => {
    expect(ruleOutPool(pool({ state: 'Disabled' }), request(), host, 1)).toBe('it is Disabled');
    expect(ruleOutPool(pool({ clusterId: 'c2' }), request(), host, 1)).toBe('host host1 cannot reach it (cluster scope)');
    expect(ruleOutPool(pool(), request({ storageType: 'local' }), host, 1)).toBe('the disk offering asks for local storage and it is shared');
    expect(ruleOutPool(pool({ tags: ['gold'] }), request({ tags: ['gold', 'ssd'] }), host, 1)).toBe('it lacks the storage tag ssd');
    expect(ruleOutPool(pool({ allocatedBytes: 95 * GiB }), request(), host, 1)).toBe('5 GiB of its 100 GiB (x1) is unallocated, the volume needs 10 GiB');
    expect(ruleOutPool(pool({ allocatedBytes: 95 * GiB }), request(), host, 2)).toBeUndefined();
    expect(ruleOutPool(pool({ allocatedBytes: 90 * GiB }), request(), host, 1)).toBeUndefined(); // exactly full fits
  });

  it('chooses the fitting pool with the most unallocated room, or explains every pool', () => {
    const a = pool({ id: 'a', name: 'a', allocatedBytes: 50 * GiB });
    const b = pool({ id: 'b', name: 'b', allocatedBytes: 10 * GiB });
    const c = pool({ id: 'c', name: 'c', allocatedBytes: 0, tags: ['x'], state: 'Disabled' });
    expect(choosePool([a, b, c], request(), host, () => 1)).toEqual({ pool: b });
    const none = choosePool([pool({ state: 'Down' })], request({ tags: ['ssd'] }), host, () => 1);
    expect('ruledOut' in none && explainNoPool('VM[User|i-2-7-VM]', request({ tags: ['ssd'] }), 'that host host1 reaches', none.ruledOut)).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]: no storage pool that host host1 reaches can hold volume ROOT-7 (10 GiB, tags ssd): pool p1: it is Down',
    );
    expect(explainNoPool('VM[User|i-2-7-VM]', request(), 'in zone1', [])).toBe('Unable to create a deployment for VM[User|i-2-7-VM]: no storage pool in zone1 can hold volume ROOT-7 (10 GiB): there is no primary storage there');
  });
});
