import { createTenant } from '../../support/tenants';
import { deployOn, expectCapacityLedger, fenceOrdersDelivered, hostById, startHaStack, vmById, waitFor } from './ha-support';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A host that stops heartbeating (its agent is gone, as when the machine dies) with HA and non-HA
 * VMs on it: the HA monitor puts it in Alert, then Down, with alerts and events; the HA VMs run again
 * on another host of the same cluster (a host of another cluster comes first by name under first fit,
 * so only the cluster preference keeps them home); the non-HA VM is Stopped; capacity adds up.
 */
describe('HA: a host that stops heartbeating', () => {
  let ctx: Awaited<ReturnType<typeof startHaStack>>;
  let dead: { name: string; hostId: string };
  let haVms: Obj[];
  let plainVm: Obj;
  const states: string[] = [];

  beforeAll(async () => {
    ctx = await startHaStack(3);
    const { env, cat, small } = ctx;
    // A host in another cluster of the zone, first by name: firstfit would take it without the preference.
    const pod = ((await env.admin.ok('listPods')).pod as Obj[])[0];
    const other = ((await env.admin.ok('addHost', { zoneid: cat.zoneid, podid: pod.id, clustername: 'ha-other', url: 'http://aaa-other', username: 'root', password: 'pw', hypervisor: 'Simulator' })).host as Obj[])[0];
    await env.stack.startSimAgent(other.registrationtoken, 'aaa-other');
    await env.admin.ok('updateConfiguration', { name: 'vm.allocation.algorithm', value: 'firstfit' });

    dead = env.stack.hosts[0];
    const on = { zoneid: cat.zoneid, templateid: cat.templateid, serviceofferingid: small.id, hostid: dead.hostId };
    haVms = [await deployOn(env.admin, { ...on, name: 'ha-a', ha: true }), await deployOn(env.admin, { ...on, name: 'ha-b', ha: true })];
    plainVm = await deployOn(env.admin, { ...on, name: 'plain', ha: false });
    await fenceOrdersDelivered(dead.hostId, haVms.map((v) => v.instancename));
  });
  afterAll(() => ctx?.env.stop());

  it('goes Alert then Down, restarts the HA VMs in its cluster and stops the others', async () => {
    const { env } = ctx;
    // Act: the host's agent stops for good.
    await env.stack.hosts[0].agent.stop();
    const restarted = await waitFor(
      'the HA VMs Running on another host',
      async () => {
        const host = await hostById(env.admin, dead.hostId);
        if (states[states.length - 1] !== host.state) states.push(host.state);
        const now = await Promise.all(haVms.map((v) => vmById(env.admin, v.id)));
        return now.every((v) => v.state === 'Running' && v.hostid && v.hostid !== dead.hostId) && now;
      },
      30_000,
    );

    // Assess: the verdicts in order, the VMs where they belong
    expect(states).toEqual(['Up', 'Alert', 'Down']);
    const clusterOf = async (hostId: string) => (await hostById(env.admin, hostId)).clusterid;
    const home = await clusterOf(dead.hostId);
    for (const vm of restarted) expect(await clusterOf(vm.hostid)).toBe(home);
    expect(await vmById(env.admin, plainVm.id)).toMatchObject({ state: 'Stopped' });
    expect((await vmById(env.admin, plainVm.id)).hostid).toBeUndefined();
    await expectCapacityLedger(env.admin);
  });

  it('raises CloudStack host and user VM alerts and lists them with listAlerts filters', async () => {
    const { env } = ctx;
    // The "restarted" alerts come when the monitor sees the restart jobs ended.
    const alerts = await waitFor('the restart alerts', async () => {
      const all = ((await env.admin.ok('listAlerts')).alert as Obj[] | undefined) ?? [];
      return all.filter((a) => /restarted by HA/.test(a.description)).length === 2 && all;
    });

    const hostAlerts = alerts.filter((a) => a.hostid === dead.hostId && a.type === 7);
    expect(hostAlerts.map((a) => a.description)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Host in Alert state, name: simhost-1 /), expect.stringMatching(/^Host is down, name: simhost-1 /)]),
    );
    expect(hostAlerts.every((a) => a.name === 'ALERT.COMPUTE.HOST')).toBe(true);
    expect(alerts.find((a) => a.description.startsWith('Host is down'))?.content).toMatch(/HA-enabled VMs on it: /);
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 8, name: 'ALERT.USERVM', description: expect.stringMatching(/^VM \(name: plain, id: .*\) stopped unexpectedly on host name: simhost-1/) })]));
    // Newest first, as CloudStack orders by the time sent.
    expect([...alerts].map((a) => a.sent)).toEqual([...alerts].map((a) => a.sent).sort().reverse());

    // Filters: type, name, keyword, id; an unknown id is refused as CloudStack does.
    expect(((await env.admin.ok('listAlerts', { type: 7 })).alert as Obj[]).every((a) => a.type === 7)).toBe(true);
    expect(((await env.admin.ok('listAlerts', { name: 'ALERT.USERVM' })).alert as Obj[]).every((a) => a.name === 'ALERT.USERVM')).toBe(true);
    expect((await env.admin.ok('listAlerts', { keyword: 'host is DOWN' })).count).toBe(1);
    expect((await env.admin.ok('listAlerts', { id: alerts[0].id })).alert).toEqual([alerts[0]]);
    const unknown = await env.admin.call('listAlerts', { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown).toMatchObject({ status: 431 });
    expect((await env.admin.ok('listAlerts', { page: 1, pagesize: 1 })).alert).toHaveLength(1);
  });

  it('writes the host and VM events', async () => {
    const { env } = ctx;
    const events = (await env.admin.ok('listEvents', { listall: true, pagesize: -1 })).event as Obj[];
    const about = (id: string) => events.filter((e) => e.resourceid === id);
    expect(about(dead.hostId).map((e) => e.type)).toEqual(expect.arrayContaining(['HA.STATE.TRANSITION']));
    expect(about(dead.hostId).map((e) => e.description)).toEqual(expect.arrayContaining([expect.stringMatching(/is in Alert/), expect.stringMatching(/declared Down/)]));
    expect(about(plainVm.id)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'VM.STOP', description: expect.stringMatching(/not restarted/) })]));
    for (const vm of haVms) {
      expect(about(vm.id).map((e) => e.type)).toEqual(expect.arrayContaining(['VM.STOP', 'VM.START']));
      expect(about(vm.id).map((e) => e.description)).toEqual(expect.arrayContaining([expect.stringMatching(/restarted by HA elsewhere \(proof it is off: its host's agent was told to power it off/)]));
    }
  });

  it('runs the restarts as system jobs, and keeps listAlerts for the root admin', async () => {
    const { env } = ctx;
    const jobs = (await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[];
    for (const vm of haVms) expect(jobs).toEqual(expect.arrayContaining([expect.objectContaining({ jobinstanceid: vm.id, account: 'system', jobstatus: 1 })]));
    const tenant = await createTenant(env, 'ha-alerts');
    expect(await tenant.domainAdmin.client.call('listAlerts')).toMatchObject({ status: 401 });
  });
});
