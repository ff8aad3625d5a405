import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, type CompatStack } from '../helpers';

/**
 * Resource limits through the `cloudstack` CLI (Debian's cs), as an operator would set them: make a
 * domain and an account, read the limits in force, give the account a limit of two VMs, deploy for
 * it until the third is refused with CloudStack's text, and read the counts back.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the cs CLI (cloudstack) with resource limits and counts', () => {
  let env: CompatStack;
  let ids: { zone: string; small: string; template: string };
  const cs = (...args: string[]) => cloudstack(env.stack.apiUrl, env.stack.credentials, args);

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack();
    const offerings = (await env.admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[];
    const templates = (await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[];
    ids = { zone: env.stack.seed.zone.id, small: String(offerings[0].id), template: String(templates[0].id) };
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('lists, sets and enforces an account limit and shows the counts', async () => {
    const domain = jsonOf<{ domain: Obj }>(await cs('createDomain', 'name=quota')).domain;
    const account = jsonOf<{ account: Obj }>(
      await cs('createAccount', 'accounttype=0', `domainid=${domain.id}`, 'username=quota-user', 'email=q@example.test', 'firstname=Q', 'lastname=User', 'password=not-a-real-password'),
    ).account;
    const owner = [`account=${account.name}`, `domainid=${domain.id}`];

    const limits = jsonOf<{ count: number; resourcelimit: Obj[] }>(await cs('listResourceLimits', ...owner));
    expect(limits.count).toBe(7);
    expect(limits.resourcelimit.find((l) => l.resourcetypename === 'user_vm')).toMatchObject({ account: 'quota-user', domainid: domain.id, resourcetype: '0', max: 20 });

    const set = jsonOf<{ resourcelimit: Obj }>(await cs('updateResourceLimit', ...owner, 'resourcetype=0', 'max=2')).resourcelimit;
    expect(set).toMatchObject({ account: 'quota-user', resourcetypename: 'user_vm', max: 2 });

    const deploy = (name: string) => cs('deployVirtualMachine', `serviceofferingid=${ids.small}`, `templateid=${ids.template}`, `zoneid=${ids.zone}`, `name=${name}`, ...owner);
    expect((await deploy('quota-1')).code).toBe(0);
    expect((await deploy('quota-2')).code).toBe(0);
    const third = await deploy('quota-3');
    expect(third.code).toBe(1);
    expect(third.stderr + third.stdout).toContain(`Maximum amount of resources of Type = 'user_vm', tag = 'null' for Account Name = quota-user in Domain Id = ${domain.id} is exceeded: Account Resource Limit = 2`);

    const counted = jsonOf<{ resourcecount: Obj[] }>(await cs('updateResourceCount', ...owner)).resourcecount;
    expect(Object.fromEntries(counted.map((c) => [c.resourcetypename, c.resourcecount]))).toMatchObject({ user_vm: 2, volume: 2 });
    const notCounted = await cs('updateResourceLimit', ...owner, 'resourcetype=4', 'max=1');
    expect(notCounted.code).toBe(1);
    expect(notCounted.stderr + notCounted.stdout).toContain('Resource type 4 (template) is not counted by Stratus');
  }, 240_000);
});
