import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Service offering administration over signed HTTP, as CloudStack's ConfigurationManagerImpl has it:
 * fixed, constrained custom and unconstrained custom offerings with its checks and texts, updates of
 * what Stratus acts on, refusals of what it does not, and a delete that leaves the VMs made from the
 * offering as they were.
 */
describe('service offering administration end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;

  const create = (params: Record<string, string | number | boolean>) => env.admin.call('createServiceOffering', params);
  const listed = async (params: Record<string, string> = {}) => ((await env.admin.ok('listServiceOfferings', params)).serviceoffering as Obj[] | undefined) ?? [];

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    tenant = await createTenant(env, 'offerings');
  });
  afterAll(() => env.stop());

  it('creates a fixed offering with host tags and HA, lists it after the seeded ones, and deploys with it', async () => {
    // Act
    const reply = await create({ name: 'Web 2x1.5', displaytext: 'Two cores at 1.5 GHz, 2 GiB', cpunumber: 2, cpuspeed: 1500, memory: 2048, offerha: true, hosttags: 'web, ssd ,web' });

    // Assess
    expect(reply.status).toBe(200);
    const offering = reply.data.serviceoffering as Obj;
    expect(offering).toMatchObject({ name: 'Web 2x1.5', displaytext: 'Two cores at 1.5 GHz, 2 GiB', cpunumber: 2, cpuspeed: 1500, memory: 2048, offerha: true, hosttags: 'web,ssd', iscustomized: false, storagetype: 'shared', state: 'Active' });
    expect((await listed()).map((o) => o.name)).toEqual(['Small Instance', 'Medium Instance', 'Large Instance', 'Custom Instance', 'Web 2x1.5']);
    // the tags steer placement: no host has them
    const deploy = await tenant.user.client.ok('deployVirtualMachine', { serviceofferingid: offering.id, templateid: cat.templateid, zoneid: cat.zoneid });
    expect(await env.admin.waitForJob(deploy.jobid as string)).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 533 } });
  });

  it("creates CloudStack's two custom kinds: unconstrained (every size at deploy) and constrained (a speed of its own, bounds)", async () => {
    // Act
    const open = (await create({ name: 'Any size', customized: true })).data.serviceoffering as Obj;
    // without `customized`, an offering with no vCPU number or memory is custom too (CreateServiceOfferingCmd.isCustomized)
    const implied = (await create({ name: 'Implied custom' })).data.serviceoffering as Obj;
    expect(implied).toMatchObject({ iscustomized: true });
    const bounded = (await create({ name: 'Bounded 1-4', customized: true, cpuspeed: 2000, mincpunumber: 1, maxcpunumber: 4, minmemory: 256, maxmemory: 4096 })).data.serviceoffering as Obj;

    // Assess
    expect(open).toMatchObject({ iscustomized: true, cpunumber: 1, memory: 32 });
    expect(open).not.toHaveProperty('cpuspeed');
    expect(open).not.toHaveProperty('serviceofferingdetails');
    expect(bounded).toMatchObject({ iscustomized: true, cpuspeed: 2000, cpunumber: 1, memory: 256, serviceofferingdetails: { mincpunumber: '1', maxcpunumber: '4', minmemory: '256', maxmemory: '4096' } });
    const vm = await tenant.user.client.ok('deployVirtualMachine', { serviceofferingid: bounded.id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: false, 'details[0].cpuNumber': '2', 'details[0].memory': '512' });
    expect(await env.admin.waitForJob(vm.jobid as string)).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { cpunumber: 2, cpuspeed: 2000, memory: 512 } } });
  });

  it.each<[string, Record<string, string | number | boolean>, string]>([
    ['a custom one with a size', { name: 'x', customized: true, cpunumber: 2 }, 'For creating a custom compute offering cpu and memory all should be null'],
    ['a custom one with some bounds', { name: 'x', customized: true, cpuspeed: 1000, mincpunumber: 1 }, 'For creating a custom compute offering min/max cpu and min/max memory/cpu speed should all be null or all specified'],
    ['a fixed one without a speed', { name: 'x', cpunumber: 1, memory: 512 }, 'Failed to create service offering x: specify the cpu speed value between 0 and 2147483647'],
    ['a fixed one with too little memory', { name: 'x', cpunumber: 1, cpuspeed: 500, memory: 16 }, 'Failed to create service offering x: specify the memory value between 32 and 2147483647 MB'],
    ['HA on local storage', { name: 'x', cpunumber: 1, cpuspeed: 500, memory: 512, offerha: true, storagetype: 'local' }, 'HA offering with local storage is not supported. '],
    ['an unknown storage type', { name: 'x', cpunumber: 1, cpuspeed: 500, memory: 512, storagetype: 'ceph' }, "Invalid storage type ceph specified, valid types are: 'local' and 'shared'"],
    ['a parameter Stratus does not act on', { name: 'x', cpunumber: 1, cpuspeed: 500, memory: 512, limitcpuuse: true }, "Parameter limitcpuuse is not supported: Stratus does not cap a VM at its offering's speed"],
  ])('refuses %s with 431 and creates nothing', async (_case, params, text) => {
    // Prepare
    const before = (await listed()).length;
    // Act
    const reply = await create(params);
    // Assess
    expect([reply.status, reply.data.errortext]).toEqual([431, text]);
    expect(await listed()).toHaveLength(before);
  });

  it('updates the name, display text and host tags (an empty value removes them), and refuses what it does not act on', async () => {
    // Prepare
    const offering = (await create({ name: 'Tagged', cpunumber: 1, cpuspeed: 500, memory: 512, hosttags: 'gpu' })).data.serviceoffering as Obj;

    // Act
    const renamed = (await env.admin.ok('updateServiceOffering', { id: offering.id, name: 'Tagged 2', displaytext: 'now two' })).serviceoffering as Obj;
    const untagged = (await env.admin.ok('updateServiceOffering', { id: offering.id, hosttags: '' })).serviceoffering as Obj;
    const sortkey = await env.admin.call('updateServiceOffering', { id: offering.id, sortkey: 3 });

    // Assess
    expect(renamed).toMatchObject({ name: 'Tagged 2', displaytext: 'now two', hosttags: 'gpu' });
    expect(untagged).toMatchObject({ name: 'Tagged 2' });
    expect(untagged).not.toHaveProperty('hosttags');
    expect((await listed({ name: 'Tagged 2' })).map((o) => o.id)).toEqual([offering.id]);
    expect((await env.admin.ok('listServiceOfferings', { keyword: 'tagged 2' })).count).toBe(1);
    expect([sortkey.status, sortkey.data.errortext]).toEqual([431, 'Parameter sortkey is not supported: offerings are listed in creation order']);
  });

  it('deletes an offering: no longer listed or deployable, while a VM made from it keeps it', async () => {
    // Prepare
    const offering = (await create({ name: 'Retired', cpunumber: 1, cpuspeed: 500, memory: 512 })).data.serviceoffering as Obj;
    const vm = await tenant.user.client.ok('deployVirtualMachine', { serviceofferingid: offering.id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: false });
    await env.admin.waitForJob(vm.jobid as string);
    const userCall = await tenant.user.client.call('deleteServiceOffering', { id: offering.id });

    // Act
    const deleted = await env.admin.call('deleteServiceOffering', { id: offering.id });

    // Assess
    expect(userCall.status).not.toBe(200);
    expect(deleted.status).toBe(200);
    expect(deleted.data).toMatchObject({ success: true });
    expect(await listed({ id: offering.id })).toEqual([]);
    expect((await listed()).map((o) => o.name)).not.toContain('Retired');
    const again = await tenant.user.client.call('deployVirtualMachine', { serviceofferingid: offering.id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: false });
    expect(again.status).toBe(431);
    const kept = ((await tenant.user.client.ok('listVirtualMachines', { id: vm.id as string })).virtualmachine as Obj[])[0];
    expect(kept).toMatchObject({ serviceofferingid: offering.id, serviceofferingname: 'Retired', cpunumber: 1, memory: 512 });
    // it starts as it is
    const started = await env.admin.waitForJob((await tenant.user.client.ok('startVirtualMachine', { id: vm.id as string })).jobid as string);
    expect(started).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running' } } });
    expect((await env.admin.call('deleteServiceOffering', { id: offering.id })).status).toBe(431);
    await expectExactListCounters();
  });
});
