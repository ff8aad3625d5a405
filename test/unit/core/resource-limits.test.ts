import { backupUsage, countedDomainPaths, domainLimit, humanReadableSize, limitFields, usageDelta, vmUsage, volumeUsage, GIB, UNLIMITED } from '../../../core/resource-limits';

/** The rules of resource limits and counts, as CloudStack's ResourceLimitManagerImpl has them. */
describe('resource limits', () => {
  it('counts a VM until it is destroyed, at the larger size while a scale is pending', () => {
    const vm = { state: 'Running' as const, cpuNumber: 2, memory: 2048 };
    expect(vmUsage(vm)).toEqual({ user_vm: 1, cpu: 2, memory: 2048 });
    expect(vmUsage({ ...vm, state: 'Destroyed' })).toEqual({});
    expect(vmUsage({ ...vm, state: 'Expunged' })).toEqual({});
    expect(vmUsage({ ...vm, pendingScale: { serviceOfferingId: 'o', cpuNumber: 4, cpuSpeed: 1000, memory: 1024, heldCpu: 0, heldMemory: 0 } })).toEqual({ user_vm: 1, cpu: 4, memory: 2048 });
  });

  it('counts a volume until it is destroyed and a backup until it is gone, by what it holds', () => {
    expect(volumeUsage({ state: 'Ready', size: 5 * GIB })).toEqual({ volume: 1, primary_storage: 5 * GIB });
    expect(volumeUsage({ state: 'Destroy', size: 5 * GIB })).toEqual({});
    expect(backupUsage({ status: 'BackingUp', size: 0, virtualSize: 10 })).toEqual({ backup: 1, backup_storage: 10 });
    expect(backupUsage({ status: 'BackedUp', size: 4, virtualSize: 10 })).toEqual({ backup: 1, backup_storage: 4 });
    expect(backupUsage({ status: 'Removed', size: 4, virtualSize: 10 })).toEqual({ backup: 1, backup_storage: 4 });
    expect(backupUsage({ status: 'Error', size: 4, virtualSize: 10 })).toEqual({});
    expect(usageDelta({ user_vm: 1, cpu: 2 }, { user_vm: 1, cpu: 4, memory: 1 })).toEqual({ cpu: 2, memory: 1 });
  });

  it("names a resource's domains below ROOT, and takes a domain's limit from itself, an ancestor or the default", () => {
    expect(countedDomainPaths('ROOT')).toEqual([]);
    expect(countedDomainPaths('ROOT/a/b')).toEqual(['ROOT/a', 'ROOT/a/b']);
    const overrides = new Map<string, number | undefined>([['ROOT/a', 7]]);
    expect(domainLimit('ROOT', overrides, 40, 'user_vm')).toBe(UNLIMITED);
    expect(domainLimit('ROOT/a/b', overrides, 40, 'user_vm')).toBe(7);
    expect(domainLimit('ROOT/a/b', new Map([['ROOT/a/b', 3], ['ROOT/a', 7]]), 40, 'user_vm')).toBe(3);
    expect(domainLimit('ROOT/c', overrides, 40, 'user_vm')).toBe(40);
    expect(domainLimit('ROOT/c', overrides, 400, 'primary_storage')).toBe(400 * GIB);
    expect(domainLimit('ROOT/c', overrides, -5, 'cpu')).toBe(UNLIMITED);
  });

  it('shows sizes as CloudStack does, and the account and domain fields', () => {
    expect(humanReadableSize(10 * GIB)).toBe('10.00 GB');
    expect(humanReadableSize(1536)).toBe('1.50 KB');
    expect(humanReadableSize(0)).toBe('0 bytes');
    const limits = { user_vm: 5, volume: -1, cpu: 8, memory: 4096, primary_storage: 20 * GIB, backup: 2, backup_storage: -1 };
    expect(limitFields(limits, { user_vm: 2, primary_storage: 3 * GIB }, false)).toMatchObject({ vmlimit: '5', vmtotal: 2, vmavailable: '3', volumelimit: 'Unlimited', volumeavailable: 'Unlimited', primarystoragelimit: '20', primarystoragetotal: 3, primarystorageavailable: '17' });
    expect(limitFields(limits, undefined, true)).toEqual(expect.objectContaining({ vmlimit: 'Unlimited' }));
    expect(limitFields(limits, undefined, true).vmtotal).toBeUndefined();
  });
});
