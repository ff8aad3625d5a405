import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { explainNoHost, strategyFor, type PlacementContext } from '../../../core/allocator';
import type { AffinityGroup, Host, Vm } from '../../../core/entities';
import { CapacityRaceError } from '../../../core/errors';
import type { Store } from '../../../functions/store';
import { documentClient, tableName } from '../../../functions/store/client';
import { entityKey } from '../../../functions/store/keys';
import type { ReserveLimits } from '../../../functions/store/placement';
import { EXPLAINED_HOSTS, findHost } from '../../../functions/steps/find-host';
import { startStore } from '../helpers/dynamodb-local';

/**
 * Capacity reservation against DynamoDB Local: the transaction that reserves a host's capacity with
 * the VM's placement must never overcommit (CPU, memory, guest count), never put two members of a
 * host anti-affinity group on one host, never split a host affinity group, whatever the
 * concurrency; both directions are idempotent because workflow steps are retried, and release gives
 * back exactly what reserve took.
 */
describe('PlacementRepository', () => {
  let store: Store;

  let local: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    local = await startStore('placement');
    store = local.store;
  });
  afterAll(() => local.stop());

  const now = new Date('2026-01-01T00:00:00Z').toISOString();
  const plain: ReserveLimits = { factors: { cpu: 1, memory: 1 }, maxGuests: 50, antiAffinity: [], affinity: [] };

  async function aHost(room: { cpuNumber: number; cpuSpeed: number; memoryTotal: number; memoryUsed?: number; zoneId?: string; name?: string }): Promise<Host> {
    const host: Host = {
      id: randomUUID(),
      name: room.name ?? `host-${randomUUID().slice(0, 8)}`,
      zoneId: room.zoneId ?? 'zone-1',
      podId: 'pod-1',
      clusterId: 'cluster-1',
      hypervisor: 'Simulator',
      state: 'Up',
      resourceState: 'Enabled',
      ipAddress: '192.0.2.10',
      cpuNumber: room.cpuNumber,
      cpuSpeed: room.cpuSpeed,
      memoryTotal: room.memoryTotal,
      cpuUsed: 0,
      memoryUsed: room.memoryUsed ?? 0,
      cpuOverprovisioning: 1,
      memoryOverprovisioning: 1,
      hostTags: [],
      created: now,
      version: 1,
    };
    await store.infrastructure.createHost(host);
    return host;
  }

  async function aVm(size: { cpuNumber: number; cpuSpeed: number; memory: number }, affinityGroupIds: string[] = []): Promise<Vm> {
    const vm: Vm = {
      id: randomUUID(),
      name: 'vm',
      displayName: 'vm',
      instanceName: 'i-2-1-VM',
      accountId: 'account-1',
      userId: 'user-1',
      domainId: 'domain-1',
      zoneId: 'zone-1',
      serviceOfferingId: 'offering-1',
      templateId: 'template-1',
      ...size,
      state: 'Starting',
      nics: [],
      haEnable: false,
      domainPath: 'ROOT',
      osTypeId: 'os-1',
      details: {},
      affinityGroupIds,
      created: now,
      lastUpdated: now,
      version: 1,
    };
    const { documentClient } = await import('../../../functions/store/client');
    await documentClient().send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(vm) as never }));
    return vm;
  }

  async function aGroup(type: AffinityGroup['type']): Promise<AffinityGroup> {
    const group: AffinityGroup = { id: randomUUID(), name: `g-${randomUUID().slice(0, 8)}`, type, accountId: 'account-1', accountName: 'a', domainId: 'domain-1', domainPath: 'ROOT', created: now };
    const { finishedJob } = await import('../../../functions/store/jobs');
    const caller = { userId: 'user-1', username: 'u', accountId: 'account-1', accountName: 'a', domainId: 'domain-1', domainPath: 'ROOT', role: 'user' as const };
    await store.affinity.create(group, finishedJob({ cmd: 'test', eventType: 'AG.CREATE', caller, instanceType: 'AffinityGroup', instanceId: group.id, result: {}, at: new Date(now) }));
    return group;
  }

  const lostRaces = (outcomes: PromiseSettledResult<unknown>[]) => {
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    for (const l of lost) expect(l.reason).toBeInstanceOf(CapacityRaceError);
    return lost.length;
  };

  it('never overcommits a host when many reservations race for its last room', async () => {
    // Prepare: room for exactly 4 VMs of 1 vCPU x 1000 MHz and 1 GiB; 12 VMs want it.
    const host = await aHost({ cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 });
    const vms = await Promise.all(Array.from({ length: 12 }, () => aVm({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 })));

    // Act
    const outcomes = await Promise.allSettled(vms.map((vm) => store.placement.reserve(vm, host, store.vms, plain)));

    // Assess: four won, every loser lost the race cleanly, and the host's accounting is exact.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    expect(lostRaces(outcomes)).toBe(8);
    const after = await store.hosts.get(host.id, true);
    expect(after).toMatchObject({ cpuUsed: 4000, memoryUsed: 4096, vmCount: 4 });
    const placed = (await Promise.all(vms.map((vm) => store.vms.get(vm.id, true)))).filter((vm) => vm?.hostId === host.id);
    expect(placed).toHaveLength(4);
  });

  it('holds the ceiling the cluster\'s overprovisioning factors give, under a race', async () => {
    const host = await aHost({ cpuNumber: 2, cpuSpeed: 1000, memoryTotal: 4096 });
    const vms = await Promise.all(Array.from({ length: 10 }, () => aVm({ cpuNumber: 1, cpuSpeed: 1000, memory: 256 })));

    const outcomes = await Promise.allSettled(vms.map((vm) => store.placement.reserve(vm, host, store.vms, { ...plain, factors: { cpu: 2.5, memory: 1 } })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5); // floor(2000 x 2.5) / 1000
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 5000, vmCount: 5 });
  });

  it('never lets more guests than the limit onto a host, under a race', async () => {
    const host = await aHost({ cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 65536 });
    const vms = await Promise.all(Array.from({ length: 10 }, () => aVm({ cpuNumber: 1, cpuSpeed: 500, memory: 256 })));

    const outcomes = await Promise.allSettled(vms.map((vm) => store.placement.reserve(vm, host, store.vms, { ...plain, maxGuests: 3 })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(lostRaces(outcomes)).toBe(7);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ vmCount: 3, cpuUsed: 1500, memoryUsed: 768 });
  });

  it('never puts two members of a host anti-affinity group on one host, under a race', async () => {
    // Prepare: plenty of room, but the 8 VMs all belong to one anti-affinity group; two hosts.
    const group = await aGroup('host anti-affinity');
    const other = await aGroup('host anti-affinity');
    const [h1, h2] = await Promise.all([aHost({ cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768 }), aHost({ cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768 })]);
    const vms = await Promise.all(Array.from({ length: 8 }, () => aVm({ cpuNumber: 1, cpuSpeed: 500, memory: 256 }, [group.id, other.id])));
    const limits = { ...plain, antiAffinity: [group.id, other.id] };

    // Act: each VM tries both hosts, as the workflow would after losing a race.
    const outcomes = await Promise.all(
      vms.map(async (vm) => {
        for (const h of [h1, h2]) {
          try {
            return await store.placement.reserve((await store.vms.get(vm.id, true))!, h, store.vms, limits);
          } catch (err) {
            if (!(err instanceof CapacityRaceError)) throw err;
          }
        }
        return 'none';
      }),
    );

    // Assess: one member per host, and each host carries exactly the group marks of its one member.
    expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(2);
    const placed = (await Promise.all(vms.map((vm) => store.vms.get(vm.id, true)))).filter((vm) => vm?.hostId);
    expect(new Set(placed.map((vm) => vm!.hostId)).size).toBe(2);
    for (const h of [h1, h2]) expect(await store.hosts.get(h.id, true)).toMatchObject({ vmCount: 1, antiAffinityGroupIds: [group.id, other.id].sort() });

    // ... and once a member leaves, another may take its host.
    const leaving = placed[0]!;
    expect(await store.placement.release(leaving, store.vms)).toBe('released');
    expect((await store.hosts.get(leaving.hostId!, true))?.antiAffinityGroupIds).toBeUndefined();
    const next = vms.find((vm) => !placed.some((p) => p!.id === vm.id))!;
    expect(await store.placement.reserve(next, (await store.hosts.get(leaving.hostId!, true))!, store.vms, limits)).toBe('reserved');
  });

  it('keeps the members of a host affinity group on the host the first one took, under a race', async () => {
    const group = await aGroup('host affinity');
    const hosts = await Promise.all(Array.from({ length: 3 }, () => aHost({ cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768 })));
    const vms = await Promise.all(Array.from({ length: 6 }, () => aVm({ cpuNumber: 1, cpuSpeed: 500, memory: 256 }, [group.id])));
    const limits = { ...plain, affinity: [group.id] };

    // Act: each VM goes for a different host first, then tries the others.
    await Promise.all(
      vms.map(async (vm, i) => {
        for (let k = 0; k < hosts.length; k++) {
          try {
            return await store.placement.reserve((await store.vms.get(vm.id, true))!, hosts[(i + k) % hosts.length], store.vms, limits);
          } catch (err) {
            if (!(err instanceof CapacityRaceError)) throw err;
          }
        }
        return 'none';
      }),
    );

    // Assess: all six on one host, and the pin counts them.
    const placed = await Promise.all(vms.map((vm) => store.vms.get(vm.id, true)));
    const where = new Set(placed.map((vm) => vm?.hostId));
    expect(where.size).toBe(1);
    expect([...where][0]).toBeDefined();
    expect((await store.affinity.pins([group.id])).get(group.id)).toEqual({ hostId: [...where][0], placed: 6 });

    // Once every member has left, the group may start over anywhere.
    for (const vm of placed) await store.placement.release(vm!, store.vms);
    expect((await store.affinity.pins([group.id])).get(group.id)).toMatchObject({ placed: 0 });
    const elsewhere = hosts.find((h) => h.id !== [...where][0])!;
    expect(await store.placement.reserve((await store.vms.get(vms[0].id, true))!, elsewhere, store.vms, limits)).toBe('reserved');
  });

  it('counts a repeated reservation of the same VM once', async () => {
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 2, cpuSpeed: 1000, memory: 2048 });

    const first = await store.placement.reserve(vm, host, store.vms, plain);
    const again = await store.placement.reserve(vm, host, store.vms, plain); // the step retried with its original input

    expect([first, again]).toEqual(['reserved', 'already']);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 2000, memoryUsed: 2048, vmCount: 1 });
  });

  it('gives back exactly what was reserved, once, affinity marks included', async () => {
    const group = await aGroup('host anti-affinity');
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 2, cpuSpeed: 1000, memory: 2048 }, [group.id]);
    await store.placement.reserve(vm, host, store.vms, { ...plain, antiAffinity: [group.id] });

    const placed = (await store.vms.get(vm.id, true))!;
    expect(placed.affinityHeld).toEqual({ antiAffinity: [group.id], affinity: [] });
    const first = await store.placement.release(placed, store.vms);
    const again = await store.placement.release(placed, store.vms); // a retried compensation with a stale read

    expect([first, again]).toEqual(['released', 'nothing']);
    const after = (await store.hosts.get(host.id, true))!;
    expect(after).toMatchObject({ cpuUsed: 0, memoryUsed: 0, vmCount: 0 });
    expect(after.antiAffinityGroupIds).toBeUndefined();
    const released = (await store.vms.get(vm.id, true))!;
    expect(released).toMatchObject({ lastHostId: host.id });
    expect(released.hostId).toBeUndefined();
    expect(released.affinityHeld).toBeUndefined();
  });

  it('refuses a host that is not Up, as a lost race the workflow recovers from', async () => {
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });
    const { documentClient } = await import('../../../functions/store/client');
    const { entityKey } = await import('../../../functions/store/keys');
    await documentClient().send(
      new UpdateCommand({ TableName: 'placement', Key: entityKey('HOST', host.id), UpdateExpression: 'SET #s = :down', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':down': 'Down' } }),
    );

    await expect(store.placement.reserve(vm, host, store.vms, plain)).rejects.toBeInstanceOf(CapacityRaceError);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 0, memoryUsed: 0 });
  });

  it('keeps the accounting exact through a random mix of racing reserves and releases', async () => {
    // Prepare: 3 hosts, 30 VMs of mixed sizes, some in one anti-affinity group.
    const group = await aGroup('host anti-affinity');
    const hosts = await Promise.all(Array.from({ length: 3 }, () => aHost({ cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 })));
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const vms = await Promise.all(
      Array.from({ length: 30 }, (_, i) => aVm({ cpuNumber: 1 + (i % 2), cpuSpeed: 500, memory: 256 * (1 + (i % 3)) }, i % 4 === 0 ? [group.id] : [])),
    );

    // Act: three rounds of concurrent reserve attempts, each followed by releasing some at random.
    for (let round = 0; round < 3; round++) {
      await Promise.allSettled(
        vms.map(async (vm) => {
          const now = (await store.vms.get(vm.id, true))!;
          if (now.hostId) return;
          const h = hosts[Math.floor(rnd() * hosts.length)];
          await store.placement.reserve(now, h, store.vms, { ...plain, maxGuests: 6, antiAffinity: now.affinityGroupIds });
        }),
      );
      await Promise.all(
        vms.filter(() => rnd() < 0.4).map(async (vm) => store.placement.release((await store.vms.get(vm.id, true))!, store.vms)),
      );
    }

    // Assess: each host's used capacity is the sum of what its placed VMs hold.
    const placed = (await Promise.all(vms.map((vm) => store.vms.get(vm.id, true)))).filter((vm): vm is Vm => !!vm?.hostId);
    for (const h of hosts) {
      const mine = placed.filter((vm) => vm.hostId === h.id);
      const now = (await store.hosts.get(h.id, true))!;
      expect(now.cpuUsed).toBe(mine.reduce((s, vm) => s + vm.cpuNumber * vm.cpuSpeed, 0));
      expect(now.memoryUsed).toBe(mine.reduce((s, vm) => s + vm.memory, 0));
      expect(now.vmCount ?? 0).toBe(mine.length);
      expect(now.cpuUsed).toBeLessThanOrEqual(4000);
      expect(now.memoryUsed).toBeLessThanOrEqual(4096);
      expect(mine.filter((vm) => vm.affinityGroupIds.includes(group.id)).length).toBeLessThanOrEqual(1);
      expect(now.antiAffinityGroupIds ?? []).toEqual(mine.some((vm) => vm.affinityGroupIds.includes(group.id)) ? [group.id] : []);
      // The capacity index's key moved with every reserve and release (placement reads hosts by it).
      expect((await freeMemoryKey(h.id))).toBe(4096 - now.memoryUsed);
    }
  });

  const freeMemoryKey = async (hostId: string) =>
    (await documentClient().send(new GetCommand({ TableName: tableName(), Key: entityKey('HOST', hostId), ConsistentRead: true }))).Item?.gsi5sk as number | undefined;

  describe('the capacity index (gsi5) and the placement that reads it', () => {
    const zoneId = `zone-${randomUUID().slice(0, 8)}`;
    const ctx = (): PlacementContext => ({ strategy: strategyFor('firstfit'), factors: () => ({ cpu: 1, memory: 1 }), maxGuests: () => 0, hostNames: new Map() });
    const search = (memory: number, c = ctx()) => ({ zoneId, request: { cpu: 500, memory, hostTags: [] }, ctx: c, memoryFactor: 1 });
    let roomy: Host[];

    beforeAll(async () => {
      // A zone of many full hosts (as a real zone's busy majority) and three with room.
      const full = Array.from({ length: EXPLAINED_HOSTS + 100 }, (_, i) => ({ cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 8192, memoryUsed: 8192 - (i % 100), zoneId, name: `full-${String(i).padStart(4, '0')}` }));
      for (let i = 0; i < full.length; i += 50) await Promise.all(full.slice(i, i + 50).map((h) => aHost(h)));
      roomy = await Promise.all([1024, 2048, 4096].map((used, i) => aHost({ cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 8192, memoryUsed: used, zoneId, name: `roomy-${i}` })));
    }, 120_000);

    it('lists a zone\'s hosts by free memory, from a bound up or from the most free down, only those in range', async () => {
      // Act
      const up: Host[] = [];
      for await (const page of store.hosts.byFreeMemory(zoneId, { atLeast: 4096 }, 2)) up.push(...page);
      const down = await store.hosts.byFreeMemory(zoneId, { descending: true }, 2).next();
      const below: Host[] = [];
      for await (const page of store.hosts.byFreeMemory(zoneId, { below: 2, descending: true }, 500)) below.push(...page);

      // Assess
      expect(up.map((h) => h.name)).toEqual(['roomy-2', 'roomy-1', 'roomy-0']);
      expect((down.value as Host[]).map((h) => h.name)).toEqual(['roomy-0', 'roomy-1']);
      expect(below.map((h) => h.memoryTotal - h.memoryUsed).every((free) => free <= 1)).toBe(true);
      expect(below).toHaveLength(2 * 11); // free 0 and 1, eleven hosts each
    });

    it('chooses among the hosts with room only, by the allocator\'s order, whatever the full ones', async () => {
      // Act
      const small = await findHost(store, search(3000), {});
      const big = await findHost(store, search(7000), {});

      // Assess: first fit orders by name among those that fit; only roomy-0 has 7000 MiB free.
      expect(small.ok && small.host.name).toBe('roomy-0');
      expect(big.ok && big.host.name).toBe('roomy-0');
      const cpuBound = await findHost(store, { ...search(3000), request: { cpu: 4001, memory: 3000, hostTags: [] } }, {});
      expect(cpuBound.ok).toBe(false);
    });

    it('explains a VM no host can take: the hosts it read one by one, and how many more it only counted', async () => {
      // Act
      const none = await findHost(store, search(9000), {});
      if (none.ok) throw new Error('a host was found for 9000 MiB in hosts of 8192');
      const text = explainNoHost('VM[User|i-2-9-VM]', { zone: 'z' }, none.ruledOut, none.unread);

      // Assess: the whole zone is accounted for, though no more than EXPLAINED_HOSTS were read.
      expect(none.ruledOut.length).toBeLessThanOrEqual(EXPLAINED_HOSTS + 64);
      expect(none.ruledOut.length + (none.unread?.hosts ?? 0)).toBe(EXPLAINED_HOSTS + 103);
      expect(text).toContain(`no host in zone z can take it; ${EXPLAINED_HOSTS + 103} host(s) ruled out by insufficient memory (${EXPLAINED_HOSTS + 103}): host full-`);
      expect(text).toContain(`host(s) with less than 9000 MiB memory free, counted, not read one by one`);
    });

    it('keeps a host\'s key at its free memory when a reservation takes room and its release gives it back', async () => {
      // Prepare
      const vm = await aVm({ cpuNumber: 1, cpuSpeed: 500, memory: 1000 });
      const host = (await store.hosts.get(roomy[0].id, true))!;

      // Act / Assess
      await store.placement.reserve(vm, host, store.vms, plain);
      expect(await freeMemoryKey(host.id)).toBe(8192 - 1024 - 1000);
      await store.placement.release((await store.vms.get(vm.id, true))!, store.vms);
      expect(await freeMemoryKey(host.id)).toBe(8192 - 1024);
    });
  });
});
