import fc from 'fast-check';
import {
  allocate,
  capacityOf,
  DETAILS_PER_REASON,
  explainNoHost,
  factorOf,
  ruleOut,
  strategyFor,
  type PlacementContext,
  type PlacementRequest,
  type Strategy,
} from '../../../core/allocator';
import type { Host } from '../../../core/entities';
import { seeded } from '../../../core/random';

const host = (name: string, over: Partial<Host> = {}): Host => ({
  id: `id-${name}`,
  name,
  zoneId: 'z',
  podId: 'p',
  clusterId: 'c',
  hypervisor: 'Simulator',
  state: 'Up',
  resourceState: 'Enabled',
  ipAddress: '192.0.2.1',
  cpuNumber: 4,
  cpuSpeed: 1000,
  memoryTotal: 4096,
  cpuUsed: 0,
  memoryUsed: 0,
  cpuOverprovisioning: 1,
  memoryOverprovisioning: 1,
  hostTags: [],
  created: '2026-01-01T00:00:00Z',
  version: 1,
  ...over,
});

const ctx = (over: Partial<PlacementContext> = {}): PlacementContext => ({
  strategy: strategyFor('firstfit'),
  factors: () => ({ cpu: 1, memory: 1 }),
  maxGuests: () => 50,
  ...over,
});

const small: PlacementRequest = { cpu: 1000, memory: 1024 };


/** What a reservation does to the host, as placement.ts writes it. */
function place(h: Host, req: PlacementRequest): void {
  h.cpuUsed += req.cpu;
  h.memoryUsed += req.memory;
  h.vmCount = (h.vmCount ?? 0) + 1;
  if (req.antiAffinity?.length) h.antiAffinityGroupIds = [...(h.antiAffinityGroupIds ?? []), ...req.antiAffinity.map((g) => g.id)];
}

/** Place `n` VMs one after the other; the names of the hosts they land on. */
function placeMany(hosts: Host[], n: number, req: PlacementRequest, c: PlacementContext): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = allocate(hosts, req, c);
    if (!a.ok) throw new Error(`no host for VM ${i}`);
    place(a.host, req);
    out.push(a.host.name);
  }
  return out;
}

describe('vm.allocation.algorithm', () => {
  it.each<[string, Strategy]>([
    ['firstfit', { kind: 'vertical', order: 'firstfit', concentratePods: false }],
    ['random', { kind: 'horizontal', order: 'random', concentratePods: false }],
    ['firstfitleastconsumed', { kind: 'horizontal', order: 'leastused', concentratePods: false }],
    ['userdispersing', { kind: 'horizontal', order: 'dispersing', concentratePods: false }],
    ['userconcentratedpod_random', { kind: 'horizontal', order: 'random', concentratePods: true }],
    ['userconcentratedpod_firstfit', { kind: 'vertical', order: 'firstfit', concentratePods: true }],
    ['FirstFit', { kind: 'vertical', order: 'firstfit', concentratePods: false }],
    ['something-else', { kind: 'vertical', order: 'firstfit', concentratePods: false }],
  ])('maps %s to its strategy', (value, strategy) => {
    expect(strategyFor(value)).toEqual(strategy);
  });

  it('fills one host before the next when vertical (firstfit)', () => {
    const hosts = [host('b'), host('a'), host('c')];
    expect(placeMany(hosts, 6, small, ctx())).toEqual(['a', 'a', 'a', 'a', 'b', 'b']);
  });

  it('takes the least used host when horizontal (firstfitleastconsumed), which goes round the hosts', () => {
    const hosts = [host('b'), host('a'), host('c')];
    expect(placeMany(hosts, 6, small, ctx({ strategy: strategyFor('firstfitleastconsumed') }))).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('spreads at random when horizontal (random), picking among all hosts with room', () => {
    const hosts = Array.from({ length: 4 }, (_, i) => host(`h${i}`, { cpuNumber: 100, memoryTotal: 102400 }));
    hosts[3].state = 'Down';
    const counts = new Map<string, number>();
    const c = ctx({ strategy: strategyFor('random'), random: seeded(42) });
    for (let i = 0; i < 3000; i++) {
      const a = allocate(hosts, small, c);
      if (!a.ok) throw new Error('no host');
      counts.set(a.host.name, (counts.get(a.host.name) ?? 0) + 1);
    }
    expect(counts.has('h3')).toBe(false);
    for (const name of ['h0', 'h1', 'h2']) expect(counts.get(name)).toBeGreaterThan(850); // ~1000 each
  });

  it('puts the fewest of the account\'s VMs first (userdispersing)', () => {
    const hosts = [host('a'), host('b', { cpuUsed: 3000 }), host('c')];
    const accountVmsByHost = new Map([
      ['id-a', 2],
      ['id-c', 1],
    ]);
    const a = allocate(hosts, small, ctx({ strategy: strategyFor('userdispersing'), accountVmsByHost }));
    expect(a).toMatchObject({ ok: true, host: { name: 'b' } });
  });

  it('prefers the pods where the account already runs VMs (userconcentratedpod_firstfit)', () => {
    const hosts = [host('a', { podId: 'p1' }), host('b', { podId: 'p2' })];
    const a = allocate(hosts, small, ctx({ strategy: strategyFor('userconcentratedpod_firstfit'), accountVmsByPod: new Map([['p2', 3]]) }));
    expect(a).toMatchObject({ ok: true, host: { name: 'b' } });
  });
});

describe('capacity', () => {
  it('applies the overprovisioning factors to the ceilings', () => {
    expect(capacityOf(host('a'), { cpu: 2, memory: 1.5 })).toEqual({ cpu: 8000, memory: 6144 });
    const full = host('a', { cpuUsed: 4000 });
    expect(allocate([full], { cpu: 4000, memory: 1024 }, ctx()).ok).toBe(false);
    expect(allocate([full], { cpu: 4000, memory: 1024 }, ctx({ factors: () => ({ cpu: 2, memory: 1 }) })).ok).toBe(true);
  });

  it('reads the factors of each host\'s cluster', () => {
    const hosts = [host('a', { clusterId: 'c1', memoryUsed: 4096 }), host('b', { clusterId: 'c2', memoryUsed: 4096 })];
    const a = allocate(hosts, small, ctx({ factors: (c) => (c === 'c2' ? { cpu: 1, memory: 2 } : { cpu: 1, memory: 1 }) }));
    expect(a).toMatchObject({ ok: true, host: { name: 'b' } });
  });

  it.each([
    ['1.5', 1.5],
    ['2f', 2],
    ['1.0', 1],
    ['0', 1],
    ['nonsense', 1],
  ])('reads factor setting %s as %d', (text, factor) => {
    expect(factorOf(text)).toBe(factor);
  });

  it('stops at the guest limit of the host\'s cluster', () => {
    const hosts = [host('a', { vmCount: 3 }), host('b', { vmCount: 1 })];
    expect(allocate(hosts, small, ctx({ maxGuests: () => 3 }))).toMatchObject({ ok: true, host: { name: 'b' } });
    expect(ruleOut(hosts[0], small, ctx({ maxGuests: () => 3 }))).toMatchObject({ reason: 'guests', detail: 'host a runs 3 guest VM(s), the limit (vm.max.guests.per.host) is 3' });
  });
});

describe('constraints', () => {
  it.each<[string, Partial<Host>, string, string]>([
    ['not Up', { state: 'Disconnected' }, 'state', 'host x is Disconnected'],
    ['in maintenance', { resourceState: 'Maintenance' }, 'maintenance', 'host x is Maintenance'],
    ['preparing for maintenance', { resourceState: 'PrepareForMaintenance' }, 'maintenance', 'host x is PrepareForMaintenance'],
    ['disabled', { resourceState: 'Disabled' }, 'disabled', 'host x is Disabled'],
    ['without the tag', { hostTags: ['hdd'] }, 'tags', 'host x lacks host tag(s) ssd'],
  ])('rules out a host %s', (_, over, reason, detail) => {
    expect(ruleOut(host('x', over), { ...small, hostTags: ['ssd'] }, ctx())).toEqual({ hostId: 'id-x', hostName: 'x', reason, detail });
  });

  it('rules out hosts in disabled pods and clusters, naming them', () => {
    const c = ctx({ disabledPods: new Map([['p9', 'pod9']]), disabledClusters: new Map([['c9', 'cluster9']]) });
    expect(ruleOut(host('x', { podId: 'p9' }), small, c)?.detail).toBe('host x is in pod pod9, disabled');
    expect(ruleOut(host('y', { clusterId: 'c9' }), small, c)?.detail).toBe('host y is in cluster cluster9, disabled');
    expect(ruleOut(host('z'), small, c)).toBeUndefined();
  });

  it('keeps members of a host anti-affinity group apart', () => {
    const hosts = [host('a', { antiAffinityGroupIds: ['g1'] }), host('b', { antiAffinityGroupIds: ['g2'] })];
    const req = { ...small, antiAffinity: [{ id: 'g1', name: 'web' }] };
    expect(allocate(hosts, req, ctx())).toMatchObject({ ok: true, host: { name: 'b' } });
    expect(ruleOut(hosts[0], req, ctx())?.detail).toBe('host a already runs a member of host anti-affinity group web');
  });

  it('sends members of a host affinity group to the host its members share, and anywhere before', () => {
    const hosts = [host('a'), host('b')];
    expect(allocate(hosts, { ...small, affinity: [{ id: 'g', name: 'db' }] }, ctx())).toMatchObject({ ok: true, host: { name: 'a' } });
    const pinned = { ...small, affinity: [{ id: 'g', name: 'db', hostId: 'id-b' }] };
    expect(allocate(hosts, pinned, ctx())).toMatchObject({ ok: true, host: { name: 'b' } });
    hosts[1].cpuUsed = 4000;
    const none = allocate(hosts, pinned, ctx({ hostNames: new Map([['id-b', 'b']]) }));
    expect(none.ok).toBe(false);
    expect(none.ok ? [] : none.ruledOut.map((r) => r.detail)).toEqual([
      'host a is not host b, where the members of host affinity group db run',
      'host b has 0 MHz CPU free, needs 1000 (4000 MHz x overprovisioning 1, 4000 MHz used)',
    ]);
  });

  it('prefers hosts of the VM\'s OS category, then hosts without preference, then the others (soft)', () => {
    const win = 'cat-windows';
    const hosts = [host('a', { osCategoryPreference: 'cat-linux' }), host('b'), host('c', { osCategoryPreference: win }), host('d', { osCategoryPreference: 'cat-none' })];
    const opts = { noOsPreference: new Set(['cat-none']) };
    expect(allocate(hosts, { ...small, osCategoryId: win }, ctx(), opts)).toMatchObject({ ok: true, host: { name: 'c' } });
    expect(allocate(hosts, { ...small, osCategoryId: 'cat-linux' }, ctx(), opts)).toMatchObject({ ok: true, host: { name: 'a' } });
    expect(allocate(hosts, { ...small, osCategoryId: 'cat-bsd' }, ctx(), opts)).toMatchObject({ ok: true, host: { name: 'b' } });
    // With room only on a host preferring another OS, the VM still goes there.
    for (const h of hosts.slice(1)) h.cpuUsed = 4000;
    expect(allocate(hosts, { ...small, osCategoryId: win }, ctx(), opts)).toMatchObject({ ok: true, host: { name: 'a' } });
  });

  it('skips the excluded hosts', () => {
    expect(allocate([host('a'), host('b')], small, ctx({ exclude: new Set(['id-a']) }))).toMatchObject({ ok: true, host: { name: 'b' } });
  });
});

describe('explainNoHost', () => {
  it('explains every host it rules out, grouped by constraint', () => {
    const result = allocate(
      [host('down', { state: 'Down' }), host('off', { resourceState: 'Disabled' }), host('full', { memoryUsed: 4000 }), host('busy', { cpuUsed: 3900 }), host('untagged')],
      { cpu: 500, memory: 512, hostTags: ['ssd'] },
      ctx(),
    );
    expect(result.ok).toBe(false);
    const text = explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1' }, result.ok ? [] : result.ruledOut);
    expect(text).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]: no host in zone zone1 can take it; 5 host(s) ruled out by ' +
        'host tags (3): host busy lacks host tag(s) ssd; host full lacks host tag(s) ssd; host untagged lacks host tag(s) ssd | ' +
        'not Up (1): host down is Down | not enabled for allocation (1): host off is Disabled',
    );
  });

  it('names the pod, cluster or host an administrator chose', () => {
    const full = allocate([host('h1', { cpuUsed: 4000 })], small, ctx());
    const ruledOut = full.ok ? [] : full.ruledOut;
    expect(explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1', cluster: 'cluster1' }, ruledOut)).toMatch(/: no host in cluster cluster1 of zone zone1 can take it; 1 host\(s\) ruled out by insufficient CPU \(1\)/);
    expect(explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1', pod: 'pod1' }, ruledOut)).toMatch(/: no host in pod pod1 of zone zone1 can take it/);
    expect(explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1', host: 'h1' }, ruledOut)).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]: host h1 cannot take it, ruled out by insufficient CPU (1): host h1 has 0 MHz CPU free, needs 1000 (4000 MHz x overprovisioning 1, 4000 MHz used)',
    );
  });

  it('says so when there are no hosts at all', () => {
    expect(explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1' }, [])).toBe('Unable to create a deployment for VM[User|i-2-7-VM]: zone zone1 has no hosts');
  });

  it('names a few hosts per constraint and counts them all, however many', () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => host(`h${String(i).padStart(4, '0')}`, { state: 'Down' }));
    const a = allocate(hosts, small, ctx());
    const text = explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1' }, a.ok ? [] : a.ruledOut);
    expect(text).toContain(`not Up (1000): host h0000 is Down;`);
    expect(text).toContain(`; and ${1000 - DETAILS_PER_REASON} more`);
    expect(text.length).toBeLessThan(1000);
  });

  it('points at the affinity groups when they ruled hosts out', () => {
    const a = allocate([host('a', { antiAffinityGroupIds: ['g'] })], { ...small, antiAffinity: [{ id: 'g', name: 'web' }] }, ctx());
    expect(explainNoHost('VM[User|i-2-7-VM]', { zone: 'zone1' }, a.ok ? [] : a.ruledOut)).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]: no host in zone zone1 can take it; 1 host(s) ruled out by host anti-affinity (1): ' +
        'host a already runs a member of host anti-affinity group web. Please check the affinity groups provided, there may not be sufficient capacity to follow them',
    );
  });
});

describe('allocation invariants (property)', () => {
  const hostArb = fc.record({
    cpuNumber: fc.integer({ min: 1, max: 8 }),
    cpuSpeed: fc.constantFrom(1000, 2000),
    memoryTotal: fc.constantFrom(2048, 4096, 8192),
    clusterId: fc.constantFrom('c1', 'c2'),
    podId: fc.constantFrom('p1', 'p2'),
    up: fc.boolean(),
    hostTags: fc.subarray(['ssd', 'gpu']),
    osCategoryPreference: fc.option(fc.constantFrom('linux', 'windows'), { nil: undefined }),
  });
  const vmArb = fc.record({
    cpu: fc.constantFrom(500, 1000, 2000, 4000),
    memory: fc.constantFrom(256, 512, 1024, 4096),
    hostTags: fc.subarray(['ssd', 'gpu'], { maxLength: 1 }),
    osCategoryId: fc.constantFrom('linux', 'windows'),
    anti: fc.subarray(['g1', 'g2', 'g3'], { maxLength: 2 }),
  });

  it('never exceeds a ceiling, a guest limit or an anti-affinity group, and refuses only when every host is ruled out', () => {
    fc.assert(
      fc.property(
        fc.array(hostArb, { minLength: 1, maxLength: 8 }),
        fc.array(vmArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('firstfit', 'random', 'firstfitleastconsumed', 'userdispersing', 'userconcentratedpod_random'),
        fc.record({ c1: fc.constantFrom(1, 1.5, 2), c2: fc.constantFrom(1, 3) }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        (specs, vms, algorithm, cpuFactors, maxGuests, seed) => {
          const hosts = specs.map((s, i) => host(`h${i}`, { ...s, state: s.up ? 'Up' : 'Down', hostTags: s.hostTags }));
          const c = ctx({
            strategy: strategyFor(algorithm),
            factors: (cluster) => ({ cpu: cpuFactors[cluster as 'c1' | 'c2'], memory: 1 }),
            maxGuests: () => maxGuests,
            random: seeded(seed),
            accountVmsByHost: new Map(),
            accountVmsByPod: new Map(),
          });
          for (const vm of vms) {
            const req: PlacementRequest = { cpu: vm.cpu, memory: vm.memory, hostTags: vm.hostTags, osCategoryId: vm.osCategoryId, antiAffinity: vm.anti.map((id) => ({ id, name: id })) };
            const a = allocate(hosts, req, c);
            if (a.ok) {
              expect(a.host.state).toBe('Up');
              place(a.host, req);
            } else {
              expect(a.ruledOut.map((r) => r.hostId).sort()).toEqual(hosts.map((h) => h.id).sort());
              for (const h of hosts) expect(ruleOut(h, req, c)).toBeDefined();
            }
          }
          for (const h of hosts) {
            const cap = capacityOf(h, c.factors(h.clusterId));
            expect(h.cpuUsed).toBeLessThanOrEqual(cap.cpu);
            expect(h.memoryUsed).toBeLessThanOrEqual(cap.memory);
            expect(h.vmCount ?? 0).toBeLessThanOrEqual(maxGuests);
            const groups = h.antiAffinityGroupIds ?? [];
            expect(new Set(groups).size).toBe(groups.length);
          }
        },
      ),
      { numRuns: 300, seed: 20260101 },
    );
  });
});
