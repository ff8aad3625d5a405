import type { Host } from '../../../core/entities';
import { formatPercent, summarizeCapacity } from '../../../core/capacity';
import { stableId } from '../../../core/ids';
import { hostAddressFromUrl, nextResourceState, parseHypervisor } from '../../../core/infrastructure';
import { cidrsOverlap, isValidGuestCidr, netmaskPrefix, parseCidr, parseIpv4 } from '../../../core/ipv4';
import { OS_CATEGORIES, OS_TYPES, osCategoryById, osTypeById } from '../../../core/os-catalogue';

const host = (over: Partial<Host>): Host => ({
  id: 'h1',
  name: 'h1',
  zoneId: 'z1',
  podId: 'p1',
  clusterId: 'c1',
  hypervisor: 'Simulator',
  state: 'Up',
  resourceState: 'Enabled',
  ipAddress: '10.0.0.1',
  cpuNumber: 4,
  cpuSpeed: 2000,
  memoryTotal: 8192,
  cpuUsed: 0,
  memoryUsed: 0,
  cpuOverprovisioning: 1,
  memoryOverprovisioning: 1,
  hostTags: [],
  created: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});

describe('formatPercent', () => {
  it.each([
    [0, '0'],
    [50, '50'],
    [6.25, '6.25'],
    [100 / 3, '33.33'],
    [12.5, '12.5'],
    [0.125, '0.12'], // half-even, as Java's DecimalFormat
    [0.375, '0.38'],
    [100, '100'],
  ])('formats %d as DecimalFormat("##.##") does: %s', (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
});

describe('summarizeCapacity', () => {
  it("applies each host's cluster overprovisioning factors to the total, not to the used amount", () => {
    // Prepare: 8000 MHz at factor 2 and 8000 MHz at factor 1; 8 GiB at factor 1.5 and 8 GiB at 1.
    const hosts = [host({ id: 'a', cpuUsed: 3000, memoryUsed: 1024 }), host({ id: 'b', cpuUsed: 1000, memoryUsed: 1024 })];
    const factorsOf = (h: { id: string }) => (h.id === 'a' ? { cpu: 2, memory: 1.5 } : { cpu: 1, memory: 1 });

    // Act
    const rows = summarizeCapacity(hosts, 'zone', [0, 1], factorsOf);

    // Assess
    expect(rows).toEqual([
      { type: 0, zoneId: 'z1', used: 2048 * 1024 * 1024, total: (12288 + 8192) * 1024 * 1024, percentUsed: '10' },
      { type: 1, zoneId: 'z1', used: 4000, total: 24000, percentUsed: '16.67' },
    ]);
  });

  it('leaves out hosts that are not Enabled and hosts that never reported capacity', () => {
    const hosts = [host({ id: 'a', resourceState: 'Disabled' }), host({ id: 'b', resourceState: 'Maintenance' }), host({ id: 'c', state: 'Connecting', cpuNumber: 0, cpuSpeed: 0, memoryTotal: 0 })];
    expect(summarizeCapacity(hosts, 'zone')).toEqual([]);
  });

  it('sums per pod or per cluster when asked, and only the types asked', () => {
    const hosts = [host({ id: 'a', podId: 'p1', clusterId: 'c1' }), host({ id: 'b', podId: 'p1', clusterId: 'c2' }), host({ id: 'c', podId: 'p2', clusterId: 'c3' })];
    expect(summarizeCapacity(hosts, 'pod', [1]).map((r) => [r.podId, r.clusterId, r.total])).toEqual([
      ['p1', undefined, 16000],
      ['p2', undefined, 8000],
    ]);
    expect(summarizeCapacity(hosts, 'cluster', [1]).map((r) => [r.podId, r.clusterId])).toEqual([
      ['p1', 'c1'],
      ['p1', 'c2'],
      ['p2', 'c3'],
    ]);
  });
});

describe('ipv4', () => {
  it.each([
    ['10.0.0.1', true],
    ['255.255.255.255', true],
    ['256.0.0.1', false],
    ['10.0.0', false],
    ['10.0.0.01', false],
    ['a.b.c.d', false],
  ])('parses %s: %s', (text, ok) => {
    expect(parseIpv4(text) !== undefined).toBe(ok);
  });

  it.each([
    ['255.255.255.0', 24],
    ['255.255.0.0', 16],
    ['255.255.255.255', 32],
    ['255.0.255.0', undefined],
    ['0.0.0.0', undefined],
    ['300.0.0.0', undefined],
  ])('reads the netmask %s as /%s', (mask, prefix) => {
    expect(netmaskPrefix(mask)).toBe(prefix);
  });

  it.each([
    ['10.1.0.0/16', true],
    ['192.168.10.0/24', true],
    ['172.16.0.0/12', true],
    ['172.15.0.0/16', false],
    ['8.8.8.0/24', false],
    ['10.0.0.0/7', false],
    ['10.1.0.0', false],
  ])('accepts %s as a guest CIDR: %s', (cidr, ok) => {
    expect(isValidGuestCidr(cidr)).toBe(ok);
  });

  it('tells overlapping subnets from disjoint ones', () => {
    expect(cidrsOverlap(parseCidr('10.1.0.0/16')!, parseCidr('10.1.5.0/24')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.1.0.0/16')!, parseCidr('10.2.0.0/24')!)).toBe(false);
  });
});

describe('infrastructure rules', () => {
  it.each([
    ['KVM', 'KVM'],
    ['kvm', 'KVM'],
    ['Simulator', 'Simulator'],
    ['VMware', undefined],
  ])('reads the hypervisor %s as %s', (text, hv) => {
    expect(parseHypervisor(text)).toBe(hv);
  });

  it.each([
    ['http://10.0.0.5', 'http', '10.0.0.5'],
    ['http://kvm-1.example.org:8250/path', 'http', 'kvm-1.example.org'],
    ['10.0.0.5', undefined, undefined],
    ['nfs://store/export', 'nfs', 'store'],
  ])('finds scheme and address of %s', (url, scheme, address) => {
    expect(hostAddressFromUrl(url)).toEqual(scheme ? { scheme, address } : {});
  });

  it.each([
    ['Enabled', 'Disable', 'Disabled'],
    ['Disabled', 'Enable', 'Enabled'],
    ['Enabled', 'Enable', 'Enabled'],
    ['Maintenance', 'Enable', undefined],
    ['PrepareForMaintenance', 'Disable', undefined],
  ] as const)('moves a host from %s on %s to %s', (from, event, to) => {
    expect(nextResourceState(from, event)).toBe(to);
  });
});

describe('OS catalogue', () => {
  it('holds the seeded template OS type under the id the template names', () => {
    const debian = osTypeById(stableId('ostype', 'debian-12'));
    expect(debian).toMatchObject({ description: 'Debian GNU/Linux 12 (64-bit)' });
    expect(osCategoryById(debian!.categoryId)?.name).toBe('Debian');
  });

  it('has unique ids, and every type in a known category', () => {
    expect(new Set(OS_TYPES.map((t) => t.id)).size).toBe(OS_TYPES.length);
    expect(new Set(OS_CATEGORIES.map((c) => c.id)).size).toBe(OS_CATEGORIES.length);
    for (const t of OS_TYPES) expect(osCategoryById(t.categoryId)).toBeDefined();
    expect(OS_CATEGORIES.map((c) => c.name)).toEqual(expect.arrayContaining(['Debian', 'Ubuntu', 'CentOS', 'Windows', 'Other']));
  });
});
