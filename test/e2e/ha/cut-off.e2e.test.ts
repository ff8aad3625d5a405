import { findDoubleRuns } from '../../../agent/drivers/simulator';
import { deployOn, expectCapacityLedger, fenceOrdersDelivered, hostById, startHaStack, vmById, waitFor } from './ha-support';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A host cut off from the control plane while its VMs keep running (its agent's requests fail): the
 * agent powers its HA VMs off itself once it has been out of contact for the fence delay, the
 * control plane declares the host Down later and restarts them elsewhere, and the simulators' own
 * records show no VM ever ran on two hosts at once. Then the host comes back: its agent stops what
 * the inventory no longer places there before the host is Up again.
 */
describe('HA: a host cut off from the control plane, and back', () => {
  let ctx: Awaited<ReturnType<typeof startHaStack>>;
  let cut: { name: string; hostId: string; driver: import('../../../agent/drivers/simulator').SimulatorDriver };
  let haVms: Obj[];
  let plainVm: Obj;
  const everyTransition = () => ctx.env.stack.hosts.flatMap((h) => h.driver.transitions());

  beforeAll(async () => {
    ctx = await startHaStack(3);
    const { env, cat, small } = ctx;
    cut = env.stack.hosts[0];
    const on = { zoneid: cat.zoneid, templateid: cat.templateid, serviceofferingid: small.id, hostid: cut.hostId };
    haVms = [await deployOn(env.admin, { ...on, name: 'cut-ha-a', ha: true }), await deployOn(env.admin, { ...on, name: 'cut-ha-b', ha: true })];
    plainVm = await deployOn(env.admin, { ...on, name: 'cut-plain', ha: false });
    await fenceOrdersDelivered(cut.hostId, haVms.map((v) => v.instancename));
  });
  afterAll(() => ctx?.env.stop());

  it('fences the HA VMs on the cut-off host before they run elsewhere, never two copies at once', async () => {
    const { env } = ctx;
    // Act
    const cutAt = Date.now();
    env.stack.setConnected(cut.name, false);
    const restarted = await waitFor(
      'the HA VMs Running on other hosts',
      async () => {
        const now = await Promise.all(haVms.map((v) => vmById(env.admin, v.id)));
        return now.every((v) => v.state === 'Running' && v.hostid && v.hostid !== cut.hostId) && now;
      },
      30_000,
    );

    // Assess: off on the cut-off host (by its agent, the fence delay after its last answered
    // heartbeat, which came before the cut), on elsewhere, never both
    const lastContact = env.stack.hosts[0].agent.standingOrders.lastContactAt!;
    expect(lastContact).toBeLessThanOrEqual(cutAt);
    for (const vm of haVms) {
      expect(cut.driver.domain(vm.instancename)?.state).toBe('PowerOff');
      const fencedAt = cut.driver.transitions().find((t) => t.instanceName === vm.instancename && t.to === 'PowerOff')!.at;
      expect(fencedAt - lastContact).toBeGreaterThanOrEqual(2_000);
    }
    expect(restarted.map((v) => v.hostid)).not.toContain(cut.hostId);
    expect(findDoubleRuns(everyTransition())).toEqual([]);
    // The non-HA VM is Stopped in the inventory but still runs on the host nobody can reach: nothing starts it elsewhere.
    expect(await vmById(env.admin, plainVm.id)).toMatchObject({ state: 'Stopped' });
    expect(cut.driver.domain(plainVm.instancename)?.state).toBe('PowerOn');
    expect(await hostById(env.admin, cut.hostId)).toMatchObject({ state: 'Down' });
    // ... nor may anyone: starting it elsewhere while it may still run there is refused, changing nothing.
    const refused = await env.admin.call('startVirtualMachine', { id: plainVm.id });
    expect(refused).toMatchObject({ status: 530, data: { errortext: expect.stringMatching(/may still be running on host .*, which is Down and has not confirmed it off/) } });
    expect(await vmById(env.admin, plainVm.id)).toMatchObject({ state: 'Stopped' });
    await expectCapacityLedger(env.admin);
  });

  it('stops on the returning host what the inventory placed elsewhere or stopped before the host is Up', async () => {
    const { env } = ctx;
    // Act
    env.stack.setConnected(cut.name, true);
    const upAt = await waitFor('the host Up again', async () => (await hostById(env.admin, cut.hostId)).state === 'Up' && Date.now(), 20_000, 50);

    // Assess: the non-HA VM was stopped there before the host was seen Up; nothing runs twice
    const stoppedAt = cut.driver.transitions().find((t) => t.instanceName === plainVm.instancename && t.to === 'PowerOff')?.at;
    expect(stoppedAt).toBeDefined();
    expect(stoppedAt!).toBeLessThanOrEqual(upAt);
    for (const vm of [...haVms, plainVm]) expect(cut.driver.domain(vm.instancename)?.state).toBe('PowerOff');
    expect(findDoubleRuns(everyTransition())).toEqual([]);
    for (const vm of haVms) expect(await vmById(env.admin, vm.id)).toMatchObject({ state: 'Running' });
    expect(await vmById(env.admin, plainVm.id)).toMatchObject({ state: 'Stopped' });

    // The monitor raises "host is back" once it sees it Up; the host takes new work again.
    const alerts = await waitFor('the host-is-back alert', async () => {
      const all = ((await env.admin.ok('listAlerts', { type: 7 })).alert as Obj[] | undefined) ?? [];
      return all.some((a) => a.hostid === cut.hostId && a.description.startsWith('Host is back')) && all;
    });
    expect(alerts.filter((a) => a.hostid === cut.hostId).map((a) => a.description.split(',')[0])).toEqual(['Host is back', 'Host is down', 'Host in Alert state']);
    const { jobid } = (await env.admin.ok('startVirtualMachine', { id: plainVm.id, hostid: cut.hostId })) as { jobid: string };
    expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
    expect(cut.driver.domain(plainVm.instancename)?.state).toBe('PowerOn');
    await expectCapacityLedger(env.admin);
  });
});
