import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Resource tags over signed HTTP, as Terraform's cloudstack_instance sets them (createTags
 * resourcetype=UserVm on every create, deleteTags on a change): `tags` in the VM and volume objects,
 * `tags[i]` filters on the lists, listTags, CloudStack's refusals, tenancy.
 */
describe('resource tags end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let web: string;
  let db: string;

  const deploy = async (name: string) => {
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!.id;
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small, templateid: cat.templateid, zoneid: cat.zoneid, name })) as { jobid: string; id: string };
    await env.admin.waitForJob(jobid);
    return id;
  };
  const job = async (reply: Record<string, unknown>) => env.admin.waitForJob(reply.jobid as string);
  const vm = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const names = (items: Obj[] | undefined) => (items ?? []).map((i) => i.name as string).sort();

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    [web, db] = [await deploy('tag-web'), await deploy('tag-db')];
  });
  afterAll(() => env.stop());

  it('tags VMs, shows the tags in the VM object, and filters listVirtualMachines by them', async () => {
    // Act
    const created = await job(await env.admin.ok('createTags', { resourceids: `${web},${db}`, resourcetype: 'UserVm', 'tags[0].key': 'env', 'tags[0].value': 'prod', 'tags[1].key': 'team', 'tags[1].value': 'blue' }));
    await job(await env.admin.ok('createTags', { resourceids: db, resourcetype: 'uservm', 'tags[0].key': 'role', 'tags[0].value': 'db' }));

    // Assess
    expect(created).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect((await vm(db)).tags).toEqual([
      { key: 'env', value: 'prod', resourcetype: 'UserVm', resourceid: db, account: 'admin', domainid: expect.any(String), domain: 'ROOT' },
      { key: 'role', value: 'db', resourcetype: 'UserVm', resourceid: db, account: 'admin', domainid: expect.any(String), domain: 'ROOT' },
      { key: 'team', value: 'blue', resourcetype: 'UserVm', resourceid: db, account: 'admin', domainid: expect.any(String), domain: 'ROOT' },
    ]);
    const prod = await env.admin.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'prod' });
    const dbs = await env.admin.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'prod', 'tags[1].key': 'role' });
    const none = await env.admin.ok('listVirtualMachines', { 'tags[0].key': 'env', 'tags[0].value': 'dev' });
    expect([names(prod.virtualmachine as Obj[]), prod.count]).toEqual([['tag-db', 'tag-web'], 2]);
    expect([names(dbs.virtualmachine as Obj[]), dbs.count]).toEqual([['tag-db'], 1]);
    expect(none.count ?? 0).toBe(0);
  });

  it('lists tags by resource, key and type, counted', async () => {
    const ofDb = await env.admin.ok('listTags', { resourceid: db });
    const envs = await env.admin.ok('listTags', { key: 'env', resourcetype: 'UserVm', listall: true });
    const all = await env.admin.ok('listTags', { listall: true });
    expect(((ofDb.tag as Obj[]) ?? []).map((t) => t.key).sort()).toEqual(['env', 'role', 'team']);
    expect([envs.count, (envs.tag as Obj[]).every((t) => t.key === 'env' && t.value === 'prod')]).toEqual([2, true]);
    expect(all.count).toBe(5);
  });

  it("refuses a key already on the resource, an empty value, an untaggable type, and another tenant's VM", async () => {
    const again = await env.admin.call('createTags', { resourceids: db, resourcetype: 'UserVm', 'tags[0].key': 'env', 'tags[0].value': 'dev' });
    const empty = await env.admin.call('createTags', { resourceids: db, resourcetype: 'UserVm', 'tags[0].key': 'owner' });
    const type = await env.admin.call('createTags', { resourceids: db, resourcetype: 'Network', 'tags[0].key': 'a', 'tags[0].value': 'b' });
    const acme = await createTenant(env, 'tagacme');
    const foreign = await acme.user.client.call('createTags', { resourceids: db, resourcetype: 'UserVm', 'tags[0].key': 'x', 'tags[0].value': 'y' });

    expect([again.status, again.data.errortext]).toEqual([431, `Tag env already exists on UserVm ${db}: delete it first to change its value`]);
    expect([empty.status, empty.data.errortext]).toEqual([431, 'Value for the key owner is either null or empty']);
    expect(type.status).toBe(431);
    expect(foreign.status).toBe(431);
    expect(((await vm(db)).tags as Obj[]).map((t) => t.key)).toEqual(['env', 'role', 'team']); // nothing half-written
  });

  it('deletes a key, a key with its value, or every tag of a resource (as Terraform changes them)', async () => {
    await job(await env.admin.ok('deleteTags', { resourceids: db, resourcetype: 'UserVm', 'tags[0].key': 'role' }));
    await job(await env.admin.ok('deleteTags', { resourceids: db, resourcetype: 'UserVm', 'tags[0].key': 'team', 'tags[0].value': 'red' })); // no such value: kept
    expect(((await vm(db)).tags as Obj[]).map((t) => t.key)).toEqual(['env', 'team']);
    await job(await env.admin.ok('deleteTags', { resourceids: `${db},${web}`, resourcetype: 'UserVm' }));
    expect((await vm(db)).tags).toEqual([]);
    expect((await vm(web)).tags).toEqual([]);
    expect((await env.admin.ok('listTags', { listall: true })).count ?? 0).toBe(0);
    await expectExactListCounters();
  });

  it("tags a volume and filters listVolumes by it; a user sees only their tags", async () => {
    const root = ((await env.admin.ok('listVolumes', { virtualmachineid: web, type: 'ROOT' })).volume as Obj[])[0];
    await job(await env.admin.ok('createTags', { resourceids: root.id, resourcetype: 'Volume', 'tags[0].key': 'backup', 'tags[0].value': 'daily' }));
    const tagged = await env.admin.ok('listVolumes', { 'tags[0].key': 'backup', 'tags[0].value': 'daily' });
    expect(((tagged.volume as Obj[]) ?? []).map((v) => v.id)).toEqual([root.id]);
    expect(((tagged.volume as Obj[])[0].tags as Obj[]).map((t) => [t.key, t.value, t.resourcetype])).toEqual([['backup', 'daily', 'Volume']]);
    const acme = await createTenant(env, 'tagacme2');
    expect((await acme.user.client.ok('listTags', {})).count ?? 0).toBe(0);
  });

  it("tags a template (its owner: the admin here), shows the tags in listTemplates and filters by them; another tenant may not tag it", async () => {
    await job(await env.admin.ok('createTags', { resourceids: cat.templateid, resourcetype: 'Template', 'tags[0].key': 'os', 'tags[0].value': 'debian' }));
    const tagged = await env.admin.ok('listTemplates', { templatefilter: 'executable', 'tags[0].key': 'os', 'tags[0].value': 'debian' });
    expect(((tagged.template as Obj[]) ?? []).map((t) => t.id)).toEqual([cat.templateid]);
    expect((tagged.template as Obj[])[0].tags).toEqual([{ key: 'os', value: 'debian', resourcetype: 'Template', resourceid: cat.templateid, account: 'admin', domainid: expect.any(String), domain: 'ROOT' }]);
    expect((await env.admin.ok('listTemplates', { templatefilter: 'executable', 'tags[0].key': 'os', 'tags[0].value': 'ubuntu' })).template).toBeUndefined();
    expect((await env.admin.ok('listTags', { resourceid: cat.templateid })).count).toBe(1);
    const acme = await createTenant(env, 'tagacme3');
    expect((await acme.user.client.call('createTags', { resourceids: cat.templateid, resourcetype: 'Template', 'tags[0].key': 'x', 'tags[0].value': 'y' })).status).toBe(431);
    await job(await env.admin.ok('deleteTags', { resourceids: cat.templateid, resourcetype: 'Template' }));
    expect(((await env.admin.ok('listTemplates', { templatefilter: 'executable', id: cat.templateid })).template as Obj[])[0].tags).toEqual([]);
    await expectExactListCounters();
  });
});
