import { catalogue, startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Placement under concurrency through the whole stack: deploys racing for the last room never
 * overcommit a host nor pass its guest limit, and after a randomised mix of deploys (some in
 * anti-affinity groups), stops and destroys, every host's used capacity is exactly what the VMs
 * placed on it hold.
 */
describe('placement under races end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let offering: Record<string, { id: string; cpu: number; memory: number }>;

  beforeAll(async () => {
    // Two hosts of 4 x 1 GHz and 4 GiB: eight Small Instances each.
    env = await startTestStack({ simHosts: 2, simHost: { cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 } });
    cat = await catalogue(env.admin);
    offering = Object.fromEntries(cat.offerings.map((o) => [o.name, { id: o.id, cpu: o.cpunumber * o.cpuspeed, memory: o.memory }]));
  });
  afterAll(() => env.stop());

  const submit = async (name: string, params: Record<string, string> = {}) =>
    (await env.admin.ok('deployVirtualMachine', { serviceofferingid: offering['Small Instance'].id, templateid: cat.templateid, zoneid: cat.zoneid, name, ...params })).jobid as string;
  const outcomes = async (jobids: string[]) => Promise.all(jobids.map((j) => env.admin.waitForJob(j, { timeoutMs: 90_000 })));
  const hosts = async () => ((await env.admin.ok('listHosts')).host as Obj[]).map((h) => ({ id: h.id as string, name: h.name as string, cpu: h.cpuallocatedvalue as number, memory: (h.memoryallocated as number) / 2 ** 20, cpuTotal: h.cpunumber * h.cpuspeed }));
  const running = async () => (((await env.admin.ok('listVirtualMachines', { listall: true, state: 'Running' })).virtualmachine as Obj[]) ?? []);

  /** Every host's used capacity is the sum of what the VMs running on it hold (no VM is between states now). */
  async function expectExactAccounting(): Promise<void> {
    const vms = await running();
    for (const h of await hosts()) {
      const mine = vms.filter((v) => v.hostid === h.id);
      expect({ host: h.name, cpu: h.cpu, memory: h.memory }).toEqual({
        host: h.name,
        cpu: mine.reduce((s, v) => s + v.cpunumber * v.cpuspeed, 0),
        memory: mine.reduce((s, v) => s + v.memory, 0),
      });
    }
  }

  it('lets exactly the VMs that fit win 20 racing deploys for the last room, and overcommits nothing', async () => {
    // Prepare: 11 of the 16 slots taken.
    const first = await outcomes(await Promise.all(Array.from({ length: 11 }, (_, i) => submit(`fill-${i}`))));
    expect(first.every((j) => j.jobstatus === 1)).toBe(true);

    // Act: 20 deploys at once for the 5 slots left.
    const raced = await outcomes(await Promise.all(Array.from({ length: 20 }, (_, i) => submit(`race-${i}`))));

    // Assess
    expect(raced.filter((j) => j.jobstatus === 1)).toHaveLength(5);
    const lost = raced.filter((j) => j.jobstatus === 2);
    expect(lost).toHaveLength(15);
    for (const j of lost) expect(j).toMatchObject({ jobresultcode: 533, failedstep: 'ChooseHost', jobresult: { errortext: expect.stringMatching(/2 host\(s\) ruled out by insufficient CPU \(2\)/) } });
    for (const h of await hosts()) expect(h.cpu).toBe(h.cpuTotal);
    await expectExactAccounting();
  });

  it('never lets more guests onto a host than vm.max.guests.per.host, under a race', async () => {
    // Prepare: a big empty host; the two others are full. Its cluster's limit: 3 guests.
    const big = await env.stack.addSimHost('simhost-big', { cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768 });
    await waitUntilUp(big.hostId);
    await env.admin.ok('updateConfiguration', { name: 'vm.max.guests.per.host', value: '3', clusterid: env.stack.seed.cluster.id });
    try {
      // Act
      const raced = await outcomes(await Promise.all(Array.from({ length: 10 }, (_, i) => submit(`guest-${i}`))));

      // Assess
      expect(raced.filter((j) => j.jobstatus === 1)).toHaveLength(3);
      const refused = raced.find((j) => j.jobstatus === 2)!;
      expect((refused.jobresult as Obj).errortext).toMatch(/3 host\(s\) ruled out by guest VM limit \(3\): host simhost-1 runs 8 guest VM\(s\), the limit \(vm.max.guests.per.host\) is 3; .*host simhost-big runs 3 guest VM\(s\)/);
      expect((await running()).filter((v) => v.hostid === big.hostId)).toHaveLength(3);
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'vm.max.guests.per.host', value: '50', clusterid: env.stack.seed.cluster.id });
    }
  });

  it('keeps every host\'s accounting exact after a randomised mix of deploys, stops and destroys, anti-affinity included', async () => {
    // Prepare: two anti-affinity groups and a seeded sequence of operations.
    const groups = await Promise.all(
      ['spread-a', 'spread-b'].map(async (name) => {
        const s = await env.admin.ok('createAffinityGroup', { name, type: 'host anti-affinity' });
        await env.admin.waitForJob(s.jobid as string);
        return s.id as string;
      }),
    );
    let seed = 20261121;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const sizes = ['Small Instance', 'Medium Instance'];

    // Act: three rounds; each deploys 8 VMs at once (some in a group) while stopping or destroying a few running ones.
    for (let round = 0; round < 3; round++) {
      const victims = (await running()).filter(() => rnd() < 0.3);
      const deploys = Array.from({ length: 8 }, (_, i) => {
        const params: Record<string, string> = { serviceofferingid: offering[sizes[Math.floor(rnd() * sizes.length)]].id };
        if (rnd() < 0.4) params.affinitygroupids = groups[Math.floor(rnd() * groups.length)];
        return submit(`mix-${round}-${i}`, params);
      });
      const others = victims.map(async (v) => {
        const [cmd, params] = rnd() < 0.5 ? ['stopVirtualMachine', { id: v.id }] : ['destroyVirtualMachine', { id: v.id, expunge: rnd() < 0.5 }];
        const reply = await env.admin.call(cmd as string, params as Record<string, string | boolean>);
        return reply.data.jobid as string | undefined; // a VM busy with another job answers 530: fine in a mix
      });
      const jobids = (await Promise.all([...deploys, ...others])).filter((j): j is string => !!j);
      await outcomes(jobids);
    }

    // Assess: accounting exact, ceilings held, anti-affinity held.
    await expectExactAccounting();
    for (const h of await hosts()) expect(h.cpu).toBeLessThanOrEqual(h.cpuTotal);
    const vms = await running();
    for (const g of groups) {
      const members = (((await env.admin.ok('listAffinityGroups', { id: g })).affinitygroup as Obj[])[0].virtualmachineIds ?? []) as string[];
      const onHosts = vms.filter((v) => members.includes(v.id)).map((v) => v.hostid);
      expect(new Set(onHosts).size).toBe(onHosts.length);
    }
  });

  async function waitUntilUp(id: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const h = ((await env.admin.ok('listHosts', { id })).host as Obj[])[0];
      if (h?.state === 'Up') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`host ${id} never came Up`);
  }
});
