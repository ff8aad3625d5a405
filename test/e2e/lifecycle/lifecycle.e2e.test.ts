import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The whole VM lifecycle through signed HTTP against the local stack: every async command runs its
 * workflow in workflows/ and its agent work on a simulated host; the host's own record of its
 * domains is checked against what the API says.
 */
describe('VM lifecycle end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2 });
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!;
  const deploy = async (extra: Obj = {}) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small().id, templateid: cat.templateid, zoneid: cat.zoneid, ...extra })) as { jobid: string; id: string };
    const job = await env.admin.waitForJob(jobid);
    expect(job.jobstatus).toBe(1);
    return id;
  };
  const run = async (command: string, params: Obj) => env.admin.waitForJob(((await env.admin.ok(command, params)) as { jobid: string }).jobid);
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[] | undefined)?.[0];
  const hostUse = async () => new Map(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.id as string, h.cpuallocatedvalue as number]));
  const domainOn = async (instanceName: string) => {
    for (const h of env.stack.hosts) {
      const d = (await h.driver.domains()).find((x) => x.name === instanceName);
      if (d) return { hostId: h.hostId, state: d.state };
    }
    return undefined;
  };

  it('stops, starts, reboots, destroys, recovers and expunges a VM, with the host agreeing at each step', async () => {
    const id = await deploy({ name: 'life-1' });
    const running = (await vmOf(id))!;
    const hostId = running.hostid as string;
    const useRunning = (await hostUse()).get(hostId)!;

    const stop = await run('stopVirtualMachine', { id });
    expect(stop).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Stopped' } } });
    expect((stop.steps as Obj[]).map((s) => s.name)).toEqual(['ShutDownOnHost', 'ReleaseCapacity', 'RecordJobSuccess']);
    expect(await domainOn(running.instancename)).toEqual({ hostId, state: 'PowerOff' });
    expect((await hostUse()).get(hostId)).toBe(useRunning - 500);

    const start = await run('startVirtualMachine', { id }); // back to its last host, where its domain is
    expect(start).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Running', hostid: hostId } } });
    expect(await domainOn(running.instancename)).toEqual({ hostId, state: 'PowerOn' });

    const reboot = await run('rebootVirtualMachine', { id });
    expect(reboot).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Running' } } });

    const destroy = await run('destroyVirtualMachine', { id });
    expect(destroy).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Destroyed' } } });
    expect(await domainOn(running.instancename)).toEqual({ hostId, state: 'PowerOff' });
    expect((await hostUse()).get(hostId)).toBe(useRunning - 500);

    const recovered = await env.admin.ok('recoverVirtualMachine', { id });
    expect(recovered.virtualmachine).toMatchObject({ id, state: 'Stopped' });

    const destroyAgain = await run('destroyVirtualMachine', { id, expunge: true });
    expect(destroyAgain).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Expunging' } } }); // as CloudStack answers an immediate expunge
    expect(await domainOn(running.instancename)).toBeUndefined();
    expect(await vmOf(id)).toBeUndefined();
  });

  it('expunges a destroyed VM on request, answering CloudStack\'s {success: true}', async () => {
    const id = await deploy();
    await run('destroyVirtualMachine', { id });
    const expunged = await run('expungeVirtualMachine', { id });
    expect(expunged).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect(await vmOf(id)).toBeUndefined();
  });

  it('changes the affinity groups of a VM created with startvm=false (shown as Stopped)', async () => {
    const id = await deploy({ startvm: false });
    const group = (await env.admin.ok('createAffinityGroup', { name: 'spread-1', type: 'host anti-affinity' })) as { jobid: string };
    const created = await env.admin.waitForJob(group.jobid);
    const groupId = ((created.jobresult as Obj).affinitygroup as Obj).id as string;
    const updated = await run('updateVMAffinityGroup', { id, affinitygroupids: groupId });
    expect(updated).toMatchObject({ jobstatus: 1 });
    expect((await vmOf(id))!.affinitygroup).toEqual([expect.objectContaining({ id: groupId, name: 'spread-1', type: 'host anti-affinity' })]);
  });

  it.each(['startVirtualMachine', 'stopVirtualMachine', 'rebootVirtualMachine', 'destroyVirtualMachine', 'recoverVirtualMachine', 'expungeVirtualMachine', 'updateVirtualMachine'])(
    '%s answers bad ids as CloudStack does: missing, malformed, unknown',
    async (command) => {
      const missing = await env.admin.call(command, {});
      expect(missing.status).toBe(431);
      expect(missing.data.errortext).toBe(`Unable to execute API command ${command.toLowerCase()} due to missing parameter id`);
      const malformed = await env.admin.call(command, { id: 'not-a-uuid' });
      expect(malformed.status).toBe(431);
      const unknown = await env.admin.call(command, { id: '6f1c9a8e-0000-4000-8000-000000000000' });
      expect(unknown.status).toBe(431);
      expect(unknown.data.errortext).toContain('Invalid parameter id value=6f1c9a8e-0000-4000-8000-000000000000');
    },
  );

  it('refuses an operation in the wrong state with 431 and changes nothing', async () => {
    const id = await deploy({ startvm: false });
    const before = (await vmOf(id))!;
    const reply = await env.admin.call('stopVirtualMachine', { id });
    expect(reply.status).toBe(431);
    expect(JSON.stringify(reply.data)).toMatch(/it is Stopped; stop needs it Running/);
    const reboot = await env.admin.call('rebootVirtualMachine', { id });
    expect(reboot.status).toBe(431);
    const recover = await env.admin.call('recoverVirtualMachine', { id });
    expect(recover.status).toBe(431);
    expect(await vmOf(id)).toMatchObject({ state: 'Stopped', lastupdated: before.lastupdated });
  });

  it('refuses a second operation on a busy VM, naming the job that holds it', async () => {
    const id = await deploy();
    const first = (await env.admin.ok('stopVirtualMachine', { id })) as { jobid: string };
    const second = await env.admin.call('destroyVirtualMachine', { id });
    expect(second.status).toBe(530);
    expect(JSON.stringify(second.data)).toContain(first.jobid);
    expect(await env.admin.waitForJob(first.jobid)).toMatchObject({ jobstatus: 1 });
    const jobs = (await env.admin.ok('listAsyncJobs', { resourceid: id })).asyncjobs as Obj[];
    expect(jobs.map((j) => j.jobid)).toContain(first.jobid);
  });

  it('lets exactly one of a racing stop and destroy win; the other gets a clear error', async () => {
    const id = await deploy();
    const [stop, destroy] = await Promise.all([env.admin.call('stopVirtualMachine', { id }), env.admin.call('destroyVirtualMachine', { id })]);
    const replies = [stop, destroy];
    const won = replies.filter((r) => r.status === 200);
    const lost = replies.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect([530, 431]).toContain(lost[0].status);
    const job = await env.admin.waitForJob((won[0].data as { jobid: string }).jobid);
    expect(job.jobstatus).toBe(1);
  });

  it('updates display name and group while running, details only while stopped', async () => {
    const id = await deploy();
    const renamed = await env.admin.ok('updateVirtualMachine', { id, displayname: 'Renamed', group: 'web' });
    expect(renamed.virtualmachine).toMatchObject({ displayname: 'Renamed', group: 'web' });
    const refused = await env.admin.call('updateVirtualMachine', { id, 'details[0].keyboard': 'us' });
    expect(refused.status).toBe(431);
    await run('stopVirtualMachine', { id, forced: true });
    const withDetails = await env.admin.ok('updateVirtualMachine', { id, 'details[0].keyboard': 'us' });
    expect((withDetails.virtualmachine as Obj).details).toEqual({ keyboard: 'us' });

    // Bad input is refused with CloudStack's codes and leaves the VM as it was.
    const badName = await env.admin.call('updateVirtualMachine', { id, name: 'not a host name' });
    expect(badName.status).toBe(431);
    expect(badName.data.errortext).toMatch(/^Invalid value for instance name: not a host name/);
    const badOs = await env.admin.call('updateVirtualMachine', { id, ostypeid: '6f1c9a8e-0000-4000-8000-000000000000' });
    expect(badOs.status).toBe(431);
    expect(badOs.data.errortext).toContain('Invalid parameter ostypeid value=6f1c9a8e-0000-4000-8000-000000000000');
    const extra = await env.admin.call('updateVirtualMachine', { id, 'details[0].extraconfig': 'x' });
    expect(extra.status).toBe(431);
    expect(await vmOf(id)).toMatchObject({ displayname: 'Renamed', details: { keyboard: 'us' } });
  });

  it('keeps every list counter exact through create, destroy, recover and expunge', async () => {
    await expectExactListCounters();
  });
});
