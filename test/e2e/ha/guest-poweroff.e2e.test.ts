import { createStore } from '../../../functions/store';
import { deployOn, expectCapacityLedger, startHaStack, vmById, waitFor } from './ha-support';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A guest that powers itself off (the simulator's domain stopped directly, as `poweroff` inside the
 * guest does, with no stop request): an HA-enabled VM is started again, on its last host first; a VM
 * without HA is marked Stopped with its capacity given back. Each leaves its event.
 */
describe('HA: a VM shut down from inside the guest', () => {
  let ctx: Awaited<ReturnType<typeof startHaStack>>;
  let haVm: Obj;
  let plainVm: Obj;

  beforeAll(async () => {
    ctx = await startHaStack(2);
    const { env, cat, small } = ctx;
    const on = { zoneid: cat.zoneid, templateid: cat.templateid, serviceofferingid: small.id, hostid: env.stack.hosts[0].hostId };
    haVm = await deployOn(env.admin, { ...on, name: 'guest-ha', ha: true });
    plainVm = await deployOn(env.admin, { ...on, name: 'guest-plain', ha: false });
    // The monitor judges a heartbeat whose domain list was read after the VMs' last change (the haenable update).
    const store = createStore();
    const changed = (await Promise.all([haVm, plainVm].map((v) => store.vms.get(v.id, true)))).map((v) => v!.lastUpdated).sort().pop()!;
    await waitFor('a heartbeat read after the VMs last changed', async () => ((await store.hosts.get(on.hostid, true))?.previousHeartbeat ?? '') > changed);
  });
  afterAll(() => ctx?.env.stop());

  const eventsOf = async (id: string) => ((await ctx.env.admin.ok('listEvents', { listall: true, pagesize: -1 })).event as Obj[]).filter((e) => e.resourceid === id);

  it('starts an HA-enabled VM again on its host, with the event saying why', async () => {
    const { env } = ctx;
    const driver = env.stack.hosts[0].driver;
    // Act
    await driver.stop(haVm.instancename, { force: true, timeoutMs: 1000 });
    await waitFor('the VM booted again', async () => (driver.domain(haVm.instancename)?.boots ?? 0) >= 2 && driver.domain(haVm.instancename)?.state === 'PowerOn');
    const vm = await waitFor('the VM Running', async () => {
      const v = await vmById(env.admin, haVm.id);
      return v.state === 'Running' && v;
    });

    // Assess
    expect(vm.hostid).toBe(env.stack.hosts[0].hostId);
    // Events are written just after the job that makes them settles (decisions.md): wait for the restart's.
    const events = await waitFor('the restart\'s VM.START event', async () => {
      const all = await eventsOf(haVm.id);
      return all.filter((e) => e.type === 'VM.START' && e.level === 'INFO').length >= 2 && all;
    }).catch(() => eventsOf(haVm.id));
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'VM.STOP', description: 'VM shut down from inside the guest, restarted by HA' })]));
    expect(events.filter((e) => e.type === 'VM.START' && e.level === 'INFO').length).toBeGreaterThanOrEqual(2); // deploy's start, then HA's
    await expectCapacityLedger(env.admin);
  });

  it('marks a VM without HA Stopped, gives its capacity back and writes VM.STOP', async () => {
    const { env } = ctx;
    const driver = env.stack.hosts[0].driver;
    // Act
    await driver.stop(plainVm.instancename, { force: true, timeoutMs: 1000 });
    const vm = await waitFor('the VM Stopped', async () => {
      const v = await vmById(env.admin, plainVm.id);
      return v.state === 'Stopped' && v;
    });

    // Assess: not started again, its event and alert, the ledger
    expect(vm.hostid).toBeUndefined();
    expect(driver.domain(plainVm.instancename)?.state).toBe('PowerOff');
    expect(driver.domain(plainVm.instancename)?.boots).toBe(1);
    expect(await eventsOf(plainVm.id)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'VM.STOP', description: expect.stringMatching(/shut down from inside the guest/) })]));
    const alerts = (await env.admin.ok('listAlerts', { name: 'ALERT.USERVM' })).alert as Obj[];
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ description: expect.stringMatching(/^VM \(name: guest-plain, id: .*\) stopped unexpectedly on host/) })]));
    await expectCapacityLedger(env.admin);
  });
});
