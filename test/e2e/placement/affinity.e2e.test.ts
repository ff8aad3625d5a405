import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Affinity groups through the whole stack: the commands as CloudStack answers them (async jobs,
 * errors), and placement honouring them on three simulated hosts: host anti-affinity spreads the
 * members and fails with a clear 533 once the hosts run out; host affinity keeps them together.
 */
describe('affinity groups end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;
  let small: string;

  const notFound = (cmd: string, param: string, value: string) =>
    `Unable to execute API command ${cmd} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 3 });
    cat = await catalogue(env.admin);
    tenant = await createTenant(env, 'aff');
    small = cat.offerings.find((o) => o.name === 'Small Instance')!.id;
  });
  afterAll(() => env.stop());

  async function createGroup(name: string, type: string, client = env.admin): Promise<Obj> {
    const submit = await client.ok('createAffinityGroup', { name, type, description: `${name} group` });
    const job = await client.waitForJob(submit.jobid as string);
    expect(job).toMatchObject({ jobstatus: 1, jobinstancetype: 'AffinityGroup', jobinstanceid: submit.id });
    return (job.jobresult as Obj).affinitygroup as Obj;
  }

  /** Deploy and wait; the job as the root admin sees it, and where the VM runs. */
  async function deploy(params: Record<string, string | boolean>, client = env.admin): Promise<{ id: string; job: Obj; host?: string }> {
    const submit = await client.ok('deployVirtualMachine', { serviceofferingid: small, templateid: cat.templateid, zoneid: cat.zoneid, ...params });
    const job = await env.admin.waitForJob(submit.jobid as string);
    return { id: submit.id as string, job, host: ((job.jobresult as Obj).virtualmachine as Obj | undefined)?.hostid };
  }

  const groupOf = async (id: string, client = env.admin) => (((await client.ok('listAffinityGroups', { id })).affinitygroup as Obj[]) ?? [])[0];

  it('lists the two types CloudStack ships', async () => {
    expect(await env.admin.ok('listAffinityGroupTypes')).toEqual({ count: 2, affinityGroupType: [{ type: 'host anti-affinity' }, { type: 'host affinity' }] });
    expect(await tenant.user.client.ok('listAffinityGroupTypes')).toMatchObject({ count: 2 });
  });

  it('creates a group as an async job answering the group, and refuses a second of the same name or an unknown type', async () => {
    const g = await createGroup('solo', 'host anti-affinity');
    expect(g).toEqual({ id: expect.any(String), name: 'solo', description: 'solo group', type: 'host anti-affinity', account: 'admin', domainid: env.stack.seed.admin.caller.domainId, domain: 'ROOT', domainpath: 'ROOT' });
    expect(await groupOf(g.id)).toEqual(g);

    const again = await env.admin.call('createAffinityGroup', { name: 'SOLO', type: 'host affinity' });
    expect(again.status).toBe(431);
    expect(again.data).toMatchObject({ cserrorcode: 4350, errortext: 'Unable to create affinity group, a group with name SOLO already exists.' });
    const badType = await env.admin.call('createAffinityGroup', { name: 'x', type: 'anti-affinity' });
    expect(badType.data.errortext).toBe('Unable to create affinity group, invalid affinity group type: anti-affinity. Valid values are host anti-affinity,host affinity');
    const noName = await env.admin.call('createAffinityGroup', { type: 'host affinity' });
    expect(noName.data.errortext).toBe('Unable to execute API command createaffinitygroup due to missing parameter name');
    // Names are per account: another account may use the same one.
    expect((await createGroup('solo', 'host affinity', tenant.user.client)).account).toBe(tenant.user.accountName);
  });

  it('spreads the members of a host anti-affinity group over the hosts, and fails clearly when the hosts run out', async () => {
    const web = await createGroup('web', 'host anti-affinity');

    // Act: three members deployed at once on three hosts, then a fourth.
    const members = await Promise.all([1, 2, 3].map((i) => deploy({ name: `web-${i}`, affinitygroupids: web.id })));
    const fourth = await deploy({ name: 'web-4', affinitygroupids: web.id });

    // Assess
    for (const m of members) expect(m.job).toMatchObject({ jobstatus: 1 });
    expect(new Set(members.map((m) => m.host)).size).toBe(3);
    expect(fourth.job).toMatchObject({ jobstatus: 2, jobresultcode: 533, failedstep: 'ChooseHost' });
    expect((fourth.job.jobresult as Obj).errortext).toBe(
      `Unable to create a deployment for VM[User|${((await env.admin.ok('listVirtualMachines', { id: fourth.id })).virtualmachine as Obj[])[0].instancename}]: ` +
        'no host in zone zone1 can take it; 3 host(s) ruled out by host anti-affinity (3): ' +
        'host simhost-1 already runs a member of host anti-affinity group web; host simhost-2 already runs a member of host anti-affinity group web; ' +
        'host simhost-3 already runs a member of host anti-affinity group web. Please check the affinity groups provided, there may not be sufficient capacity to follow them',
    );
    expect((await groupOf(web.id)).virtualmachineIds.sort()).toEqual(members.map((m) => m.id).sort()); // the failed one (Error) is no member
  });

  it('keeps the members of a host affinity group on one host, named by group name', async () => {
    await createGroup('db', 'host affinity');
    const members = await Promise.all([1, 2, 3].map((i) => deploy({ name: `db-${i}`, affinitygroupnames: 'db' })));
    for (const m of members) expect(m.job).toMatchObject({ jobstatus: 1 });
    expect(new Set(members.map((m) => m.host)).size).toBe(1);
  });

  it.each<[string, Record<string, string>, string]>([
    ['both ids and names', { affinitygroupids: '9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6', affinitygroupnames: 'web' }, 'affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter'],
    ['an unknown name', { affinitygroupnames: 'nope' }, 'Unable to find affinity group by name nope'],
    ['an unknown id', { affinitygroupids: '9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6' }, notFound('deployvirtualmachine', 'affinitygroupids', '9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6')],
  ])('refuses a deploy with %s at once', async (_, params, text) => {
    const reply = await env.admin.call('deployVirtualMachine', { serviceofferingid: small, templateid: cat.templateid, zoneid: cat.zoneid, ...params });
    expect(reply.status).toBe(431);
    expect(reply.data.errortext).toBe(text);
  });

  it("treats another account's group as one that does not exist, and the root admin's use of it as not the VM's", async () => {
    const web = ((await env.admin.ok('listAffinityGroups', { name: 'web' })).affinitygroup as Obj[])[0];
    const theirs = ((await tenant.user.client.ok('listAffinityGroups', { name: 'solo' })).affinitygroup as Obj[])[0];

    const deployWithOthers = await tenant.user.client.call('deployVirtualMachine', { serviceofferingid: small, templateid: cat.templateid, zoneid: cat.zoneid, affinitygroupids: web.id });
    expect(deployWithOthers.data.errortext).toBe(notFound('deployvirtualmachine', 'affinitygroupids', web.id));
    expect(await tenant.user.client.ok('listAffinityGroups', { id: web.id })).toEqual({});
    const del = await tenant.user.client.call('deleteAffinityGroup', { id: web.id });
    expect(del.data.errortext).toBe(notFound('deleteaffinitygroup', 'id', web.id));

    const rootUsesTheirs = await env.admin.call('deployVirtualMachine', { serviceofferingid: small, templateid: cat.templateid, zoneid: cat.zoneid, affinitygroupids: theirs.id });
    expect(rootUsesTheirs.status).toBe(531);
    expect(rootUsesTheirs.data.errortext).toBe("Affinity Group solo does not belong to the VM's account");
    // The root admin lists everyone's groups with listall, a user only its own.
    const all = ((await env.admin.ok('listAffinityGroups', { listall: true })).affinitygroup as Obj[]).map((g) => `${g.account}/${g.name}`).sort();
    expect(all).toEqual(['admin/db', 'admin/solo', 'admin/web', `${tenant.user.accountName}/solo`].sort());
    expect(((await tenant.user.client.ok('listAffinityGroups', { listall: true })).affinitygroup as Obj[]).map((g) => g.name)).toEqual(['solo']);
  });

  describe('updateVMAffinityGroup', () => {
    it('refuses a VM that is not Stopped, with CloudStack\'s text', async () => {
      const running = ((await env.admin.ok('listVirtualMachines', { name: 'db-1' })).virtualmachine as Obj[])[0];
      const reply = await env.admin.call('updateVMAffinityGroup', { id: running.id, affinitygroupnames: 'solo' });
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(
        `Unable update affinity groups of the virtual machine VM[User|${running.instancename}] in state Running; make sure the virtual machine is stopped and not in an error state before updating.`,
      );
      const neither = await env.admin.call('updateVMAffinityGroup', { id: running.id });
      expect(neither.data.errortext).toBe('affinitygroupids parameter or affinitygroupnames parameter must be given');
    });

    it("changes a Stopped VM's groups, which its next start then follows", async () => {
      // Prepare: `pair` has a member running on some host; B is Stopped and in no group.
      const pair = await createGroup('pair', 'host anti-affinity');
      const a = await deploy({ name: 'pair-a', affinitygroupids: pair.id });
      const b = await deploy({ name: 'pair-b', startvm: false });
      expect(b.job).toMatchObject({ jobstatus: 1 });

      // Act
      const submit = await env.admin.ok('updateVMAffinityGroup', { id: b.id, affinitygroupids: pair.id });
      const job = await env.admin.waitForJob(submit.jobid as string);

      // Assess: the job answers the VM; the group lists it; a start on A's host is refused by the group.
      expect(job).toMatchObject({ jobstatus: 1, jobinstanceid: b.id, jobresult: { virtualmachine: { id: b.id, state: 'Stopped' } } });
      expect((await groupOf(pair.id)).virtualmachineIds.sort()).toEqual([a.id, b.id].sort());
      expect(((await env.admin.ok('listAffinityGroups', { virtualmachineid: b.id })).affinitygroup as Obj[]).map((g) => g.name)).toEqual(['pair']);
      const onAsHost = await env.admin.waitForJob((await env.admin.ok('startVirtualMachine', { id: b.id, hostid: a.host! })).jobid as string);
      expect(onAsHost).toMatchObject({ jobstatus: 2, jobresultcode: 533 });
      expect((onAsHost.jobresult as Obj).errortext).toMatch(/host simhost-\d cannot take it, ruled out by host anti-affinity \(1\): host simhost-\d already runs a member of host anti-affinity group pair/);
      const started = await env.admin.waitForJob((await env.admin.ok('startVirtualMachine', { id: b.id })).jobid as string);
      expect(started).toMatchObject({ jobstatus: 1 });
      expect(((started.jobresult as Obj).virtualmachine as Obj).hostid).not.toBe(a.host);
    });
  });

  describe('deleteAffinityGroup', () => {
    it('lets its members go, which keep running where they are', async () => {
      const web = ((await env.admin.ok('listAffinityGroups', { name: 'web' })).affinitygroup as Obj[])[0];
      const before = ((await env.admin.ok('listVirtualMachines', { keyword: 'web-' })).virtualmachine as Obj[]).filter((v) => v.state === 'Running');

      const job = await env.admin.waitForJob((await env.admin.ok('deleteAffinityGroup', { id: web.id })).jobid as string);

      expect(job).toMatchObject({ jobstatus: 1, jobresult: { success: true }, jobinstancetype: 'AffinityGroup', jobinstanceid: web.id });
      expect(await env.admin.ok('listAffinityGroups', { id: web.id })).toEqual({});
      for (const vm of before) {
        expect(await env.admin.ok('listAffinityGroups', { virtualmachineid: vm.id })).toEqual({});
        const now = ((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0];
        expect(now).toMatchObject({ state: 'Running', hostid: vm.hostid });
      }
      // Its name is free again.
      expect((await createGroup('web', 'host affinity')).name).toBe('web');
    });

    it('deletes by name in the caller\'s account, and says what is missing', async () => {
      const job = await env.admin.waitForJob((await env.admin.ok('deleteAffinityGroup', { name: 'db' })).jobid as string);
      expect(job).toMatchObject({ jobstatus: 1 });
      expect((await env.admin.call('deleteAffinityGroup', { name: 'db' })).data.errortext).toBe('Unable to find affinity group db');
      expect((await env.admin.call('deleteAffinityGroup', {})).data.errortext).toBe('Either the affinity group Id or group name must be specified to delete the group');
    });
  });
});
