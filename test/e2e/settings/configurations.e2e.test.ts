import { SETTINGS } from '../../../core/settings';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * listConfigurations and updateConfiguration through signed HTTP: the catalogue with its defaults,
 * global values and zone and cluster overrides as CloudStack shows them, CloudStack's refusals, and
 * a changed setting reaching a command (deployVirtualMachine names its instance from it).
 */
describe('global settings end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let acme: Tenant;
  let clusterId: string;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    acme = await createTenant(env, 'acme');
    clusterId = ((await env.admin.ok('listClusters')).cluster as Obj[])[0].id;
  });
  afterAll(() => env.stop());

  const list = async (params: Record<string, string | number> = {}) => ((await env.admin.ok('listConfigurations', params)).configuration as Obj[] | undefined) ?? [];
  const one = async (name: string, params: Record<string, string> = {}) => (await list({ name, ...params })).find((c) => c.name === name);
  const update = (params: Record<string, string>) => env.admin.call('updateConfiguration', params);

  it('lists every setting of the catalogue with its default, sorted by name, as CloudStack shows it', async () => {
    const listed = await list();

    const expected = SETTINGS.filter((s) => s.category !== 'Hidden').map((s) => s.name).sort();
    expect(listed.map((c) => c.name)).toEqual(expected);
    for (const c of listed) {
      const def = SETTINGS.find((s) => s.name === c.name)!;
      expect(c).toMatchObject({ category: def.category, value: def.defaultValue, defaultvalue: def.defaultValue, description: def.description, isdynamic: true });
      expect(c.scope).toBeUndefined();
    }
    expect(await one('expunge.delay')).toEqual({
      category: 'Advanced',
      name: 'expunge.delay',
      value: '86400',
      defaultvalue: '86400',
      description: 'Determines how long (in seconds) to wait before actually expunging destroyed vm. The default value = the default value of expunge.interval',
      isdynamic: true,
      displaytext: 'Expunge delay',
      type: 'Number',
    });
    expect(await one('vm.allocation.algorithm')).toMatchObject({ type: 'Select', options: 'random,firstfit,userdispersing,userconcentratedpod_random,userconcentratedpod_firstfit,firstfitleastconsumed' });
    expect(await one('backup.framework.provider.plugin')).toMatchObject({ value: 'dummy', parent: 'backup.framework.enabled', type: 'String' });
    expect(await one('cpu.overprovisioning.factor')).toMatchObject({ value: '1.0', type: 'Decimal' });
  });

  it('filters by part of the name, category and keyword, and pages with count as the total', async () => {
    const names = (test: (s: (typeof SETTINGS)[number]) => boolean) => SETTINGS.filter(test).map((s) => s.name).sort();

    expect((await list({ name: 'OVERPROVISIONING' })).map((c) => c.name)).toEqual(['cpu.overprovisioning.factor', 'mem.overprovisioning.factor', 'storage.overprovisioning.factor']);
    expect(await list({ category: 'Network' })).toEqual([]);
    const snapshots = names((s) => [s.name, s.description, s.category, s.defaultValue].some((t) => t.toLowerCase().includes('snapshot')));
    expect(snapshots).toEqual(expect.arrayContaining(['vmsnapshot.create.wait', 'vmsnapshot.max']));
    expect((await list({ keyword: 'SNAPSHOT' })).map((c) => c.name)).toEqual(snapshots);

    const expunge = names((s) => s.name.includes('expunge'));
    expect(expunge.length).toBeGreaterThanOrEqual(3);
    const page = await env.admin.ok('listConfigurations', { name: 'expunge', page: 2, pagesize: 2 });
    expect(page.count).toBe(expunge.length);
    expect((page.configuration as Obj[]).map((c) => c.name)).toEqual(expunge.slice(2, 4));
  });

  it('changes a global value and answers with the configuration', async () => {
    const reply = await update({ name: 'expunge.delay', value: '120' });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      updateconfigurationresponse: {
        configuration: expect.objectContaining({ name: 'expunge.delay', value: '120', defaultvalue: '86400', category: 'Advanced', isdynamic: true, type: 'Number' }),
      },
    });
    expect(await one('expunge.delay')).toMatchObject({ value: '120', defaultvalue: '86400' });
  });

  it('stores a Boolean in lower case and answers with the value as sent', async () => {
    const reply = await update({ name: 'backup.framework.enabled', value: 'TRUE' });

    expect(reply.data.configuration).toMatchObject({ value: 'TRUE' });
    expect(await one('backup.framework.enabled')).toMatchObject({ value: 'true' });
  });

  it('overrides a zone setting for one zone only, shown with zoneid and scope zone', async () => {
    const reply = await update({ name: 'enable.dynamic.scale.vm', value: 'true', zoneid: cat.zoneid });
    expect(reply.data.configuration).toMatchObject({ name: 'enable.dynamic.scale.vm', value: 'true', scope: 'zone' });

    expect(await one('enable.dynamic.scale.vm', { zoneid: cat.zoneid })).toMatchObject({ value: 'true', defaultvalue: 'false', scope: 'zone' });
    expect(await one('enable.dynamic.scale.vm')).toMatchObject({ value: 'false' });
    expect((await one('enable.dynamic.scale.vm'))?.scope).toBeUndefined();
  });

  it('lists with zoneid only the zone-scoped settings, each with the zone\'s effective value', async () => {
    await update({ name: 'unmanage.vm.preserve.nics', value: 'true' }); // global: the zone has no override

    const inZone = await list({ zoneid: cat.zoneid });

    const zoneScoped = SETTINGS.filter((s) => s.scopes.includes('zone')).map((s) => s.name).sort();
    expect(inZone.map((c) => c.name)).toEqual(zoneScoped);
    for (const c of inZone) expect(c.scope).toBe('zone');
    expect(inZone.find((c) => c.name === 'unmanage.vm.preserve.nics')).toMatchObject({ value: 'true' });
  });

  it('overrides an overprovisioning factor per cluster', async () => {
    const reply = await update({ name: 'cpu.overprovisioning.factor', value: '2.5', clusterid: clusterId });
    expect(reply.data.configuration).toMatchObject({ value: '2.5', scope: 'cluster' });

    expect(await one('cpu.overprovisioning.factor', { clusterid: clusterId })).toMatchObject({ value: '2.5', scope: 'cluster' });
    expect(await one('cpu.overprovisioning.factor')).toMatchObject({ value: '1.0' });
  });

  it.each([
    ['an unknown name', { name: 'no.such.setting', value: '1' }, "Config parameter with name no.such.setting doesn't exist"],
    ['no value', { name: 'expunge.delay' }, 'The new value for the [expunge.delay] configuration must be given.'],
    ['a Boolean that is not one', { name: 'vm.instancename.flag', value: 'maybe' }, 'Value [maybe] is not a valid [class java.lang.Boolean].'],
    ['an Integer that is not one', { name: 'expunge.delay', value: '1.5' }, 'Value [1.5] is not a valid [class java.lang.Integer].'],
    ['an empty Integer', { name: 'expunge.delay', value: ' ' }, 'Value [null] is not a valid [class java.lang.Integer].'],
    ['a zero interval', { name: 'expunge.interval', value: '0' }, 'Please enter a positive value for the configuration parameter: [expunge.interval].'],
    ['a zero factor', { name: 'mem.overprovisioning.factor', value: '0' }, 'Value for configuration [mem.overprovisioning.factor] should be greater than 0.'],
    ['an instance name with a hyphen', { name: 'instance.name', value: 'my-cloud' }, 'The provided value is not a valid instance name (instance names cannot contain hyphens, spaces or plus signs).'],
    [
      'an unknown allocation algorithm',
      { name: 'vm.allocation.algorithm', value: 'roundrobin' },
      'The provided value is not a valid value for this configuration (Options are: [random,firstfit,userdispersing,userconcentratedpod_random,userconcentratedpod_firstfit,firstfitleastconsumed]).',
    ],
    ['a zone value for a global setting', { name: 'expunge.delay', value: '60', zoneid: 'ZONE' }, 'Invalid scope id provided for the parameter expunge.delay'],
    ['a cluster value for a zone setting', { name: 'enable.dynamic.scale.vm', value: 'true', clusterid: 'CLUSTER' }, 'Invalid scope id provided for the parameter enable.dynamic.scale.vm'],
    ['both a zone and a cluster', { name: 'cpu.overprovisioning.factor', value: '2', zoneid: 'ZONE', clusterid: 'CLUSTER' }, 'cannot handle multiple IDs, provide only one ID corresponding to the scope'],
  ])('refuses %s with 431 and CloudStack\'s text, changing nothing', async (_, params, text) => {
    const before = await list();
    const withIds = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === 'ZONE' ? cat.zoneid : v === 'CLUSTER' ? clusterId : v]));

    const reply = await update(withIds);

    expect(reply.status).toBe(431);
    expect(reply.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: text });
    expect(await list()).toEqual(before);
  });

  it('refuses a missing name and an unknown zone with the parameter errors', async () => {
    const noName = await update({ value: '1' });
    expect(noName.status).toBe(431);
    expect(noName.data.errortext).toBe('Unable to execute API command updateconfiguration due to missing parameter name');

    const zoneid = '00000000-0000-4000-8000-000000000000';
    const noZone = await update({ name: 'enable.dynamic.scale.vm', value: 'true', zoneid });
    expect(noZone.status).toBe(431);
    expect(noZone.data.errortext).toBe(
      `Unable to execute API command updateconfiguration due to invalid value. Invalid parameter zoneid value=${zoneid} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
    );
  });

  it.each([
    ['a user', () => acme.user],
    ['a domain admin', () => acme.domainAdmin],
  ])('refuses both commands to %s as unavailable', async (_, who) => {
    for (const command of ['listConfigurations', 'updateConfiguration']) {
      const reply = await who().client.call(command, { name: 'expunge.delay', value: '1' });
      expect(reply.status).toBe(401);
      expect(reply.data.errortext).toBe(`The given command '${command}' either does not exist, is not available for user.`);
    }
    expect(await one('expunge.delay')).toMatchObject({ value: '120' });
  });

  it('names new instances from instance.name and, with vm.instancename.flag, from the display name', async () => {
    const deploy = async (extra: Record<string, string>) => {
      const { id, jobid } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: 'false', ...extra })) as Obj;
      expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
      return ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0].instancename as string;
    };
    await update({ name: 'instance.name', value: 'ACME' });

    const plain = await deploy({ displayname: 'frontend' });
    await update({ name: 'vm.instancename.flag', value: 'true' });
    const named = await deploy({ displayname: 'frontend' });
    const unnamed = await deploy({});

    expect(plain).toMatch(/^i-2-\d+-ACME$/);
    expect(named).toMatch(/^i-2-\d+-frontend$/);
    expect(unnamed).toMatch(/^i-2-\d+-ACME$/);
  });
});
