import { expectOneCopyAndExactAccounting } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Host maintenance through signed HTTP (workflows/host-maintenance.asl.json): a host with ten VMs is
 * drained by live migration into Maintenance, one whose VMs have nowhere to go ends in
 * ErrorInMaintenance with the reasons and its VMs still running, and cancelling returns a host to service.
 */
describe('host maintenance end to end', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const hostIds: Record<string, string> = {};

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0 });
    for (const name of ['maint-a', 'maint-b', 'maint-c']) hostIds[name] = (await env.stack.addSimHost(name)).hostId;
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!;
  const deployOn = async (host: string, name: string) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small().id, templateid: cat.templateid, zoneid: cat.zoneid, name, hostid: hostIds[host] })) as { jobid: string; id: string };
    expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
    return id;
  };
  const hostOf = async (host: string) => ((await env.admin.ok('listHosts', { id: hostIds[host] })).host as Obj[])[0];
  const vmsOn = async (host: string) => (((await env.admin.ok('listVirtualMachines', { listall: true, hostid: hostIds[host] })).virtualmachine as Obj[] | undefined) ?? []);
  const run = async (command: string, params: Obj, timeoutMs = 60_000) => env.admin.waitForJob(((await env.admin.ok(command, params)) as { jobid: string }).jobid, { timeoutMs });

  it('live-migrates all ten VMs off a host into Maintenance, each as its own migration job, and cancels back to Enabled', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await deployOn('maint-a', `drain-${i}`));
    const job = await run('prepareHostForMaintenance', { id: hostIds['maint-a'] });
    expect(job).toMatchObject({ jobstatus: 1, jobinstancetype: 'Host', jobresult: { host: { id: hostIds['maint-a'], resourcestate: 'Maintenance' } } });
    expect(await hostOf('maint-a')).toMatchObject({ resourcestate: 'Maintenance' });
    expect(await vmsOn('maint-a')).toEqual([]);
    const running = ((await env.admin.ok('listVirtualMachines', { listall: true, state: 'Running' })).virtualmachine as Obj[]).filter((v) => ids.includes(v.id));
    expect(running).toHaveLength(10);
    for (const vm of running) expect([hostIds['maint-b'], hostIds['maint-c']]).toContain(vm.hostid);
    // Each VM moved by its own job, which listAsyncJobs shows on the VM.
    const migrations = ((await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[]).filter((j) => String(j.cmd).endsWith('MigrateVMCmd') && ids.includes(j.jobinstanceid));
    expect(migrations).toHaveLength(10);
    expect(migrations.every((j) => j.jobstatus === 1)).toBe(true);
    await expectOneCopyAndExactAccounting(env);

    // A host in maintenance takes no VM; cancelled, it does again.
    expect((await env.admin.call('prepareHostForMaintenance', { id: hostIds['maint-a'] })).status).toBe(431);
    const cancel = await run('cancelHostMaintenance', { id: hostIds['maint-a'] });
    expect(cancel).toMatchObject({ jobstatus: 1, jobresult: { host: { resourcestate: 'Enabled' } } });
    await deployOn('maint-a', 'after-maintenance');
    const events = (await env.admin.ok('listEvents', { listall: true })).event as Obj[];
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['MAINT.PREPARE', 'MAINT.CANCEL', 'VM.MIGRATE']));
  });

  it('ends in ErrorInMaintenance naming the VMs that could not move and why, and keeps them running', async () => {
    const stuck = [await deployOn('maint-b', 'stuck-1'), await deployOn('maint-b', 'stuck-2')];
    // Nowhere to go: the other hosts of the cluster are disabled.
    for (const h of ['maint-a', 'maint-c']) await env.admin.ok('updateHost', { id: hostIds[h], allocationstate: 'Disable' });
    try {
      const job = await run('prepareHostForMaintenance', { id: hostIds['maint-b'] });
      expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 530 });
      const text = (job.jobresult as Obj).errortext as string;
      expect(text).toMatch(/Host maint-b is in ErrorInMaintenance: \d+ VM\(s\) could not be moved off host maint-b/);
      expect(text).toContain('stuck-1');
      expect(text).toMatch(/not enabled for allocation|Disabled/);
      const host = await hostOf('maint-b');
      expect(host).toMatchObject({ resourcestate: 'ErrorInMaintenance', maintenancereason: expect.stringContaining('stuck-2') });
      for (const id of stuck) expect(((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0]).toMatchObject({ state: 'Running', hostid: hostIds['maint-b'] });
      await expectOneCopyAndExactAccounting(env);
    } finally {
      for (const h of ['maint-a', 'maint-c']) await env.admin.ok('updateHost', { id: hostIds[h], allocationstate: 'Enable' });
    }
    expect(await run('cancelHostMaintenance', { id: hostIds['maint-b'] })).toMatchObject({ jobstatus: 1, jobresult: { host: { resourcestate: 'Enabled' } } });
    expect((await hostOf('maint-b')).maintenancereason).toBeUndefined();
    expect((await env.admin.call('cancelHostMaintenance', { id: hostIds['maint-b'] })).status).toBe(431);
  });
});
