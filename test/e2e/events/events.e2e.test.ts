import { EVENT_TYPES, newEvent, type EventInput } from '../../../core/events';
import type { Caller } from '../../../core/entities';
import { createStore, type Store } from '../../../functions/store';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant, type TenantUser } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * listEvents and listEventTypes through signed HTTP: updateConfiguration's own events, who sees
 * which events (own account, a domain admin's subtree, the root admin with listall), CloudStack's
 * filters and their refusals. Events other than updateConfiguration's are written the way the rest
 * of Stratus writes them, through the events repository, each with a token that keeps this file's
 * listings apart from the events other commands write (createAccount, deploys).
 */
describe('events end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let store: Store;
  let acme: Tenant;
  let sales: Tenant; // ROOT/acme/sales
  let globex: Tenant;
  let admin: Caller;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    store = createStore(); // the stack's own store: this process runs its API
    admin = env.stack.seed.admin.caller;
    acme = await createTenant(env, 'acme');
    [sales, globex] = await Promise.all([createTenant(env, 'sales', { parentId: acme.domain.id }), createTenant(env, 'globex')]);
  });
  afterAll(() => env.stop());

  const asCaller = (t: Tenant, who: 'user' | 'domainAdmin'): Caller => {
    const u: TenantUser = t[who];
    return { userId: u.userId, username: u.username, accountId: u.accountId, accountName: u.accountName, domainId: t.domain.id, domainPath: t.domain.path, role: who === 'user' ? 'user' : 'domainAdmin' };
  };
  const record = (input: Omit<EventInput, 'type'> & { type?: EventInput['type'] }, at?: string) => store.events.record(newEvent({ type: 'USER.UPDATE', ...input }), at ? new Date(at) : undefined);
  const events = async (client: { call: typeof env.admin.call }, params: Record<string, string | number | boolean> = {}) => {
    const reply = await client.call('listEvents', params);
    expect(reply.status).toBe(200);
    return ((reply.data.event as Obj[] | undefined) ?? []).map((e) => e.description as string);
  };

  it('lists every event type as {name}', async () => {
    const reply = await env.admin.ok('listEventTypes');

    expect(reply.count).toBe(EVENT_TYPES.length);
    expect((reply.eventtype as Obj[]).map((t) => t.name)).toEqual([...EVENT_TYPES]);
    expect((await acme.user.client.ok('listEventTypes')).count).toBe(EVENT_TYPES.length);
  });

  it('shows updateConfiguration\'s CONFIGURATION.VALUE.EDIT events, refusals as ERROR, newest first', async () => {
    // Act
    await env.admin.ok('updateConfiguration', { name: 'expunge.delay', value: '300' });
    const refused = await env.admin.call('updateConfiguration', { name: 'no.such.setting', value: '5' });
    expect(refused.status).toBe(431);

    // Assess
    const listed = (await env.admin.ok('listEvents', { type: 'CONFIGURATION.VALUE.EDIT' })).event as Obj[];
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ level: 'ERROR', state: 'Completed', description: 'Error while updating configuration.  Name: no.such.setting New Value: 5' });
    const root = ((await env.admin.ok('listDomains', { name: 'ROOT' })).domain as Obj[])[0];
    expect(listed[1]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'admin',
      type: 'CONFIGURATION.VALUE.EDIT',
      level: 'INFO',
      description: 'Successfully completed updating configuration.  Name: expunge.delay New Value: 300',
      account: 'admin',
      domainid: root.id,
      domain: 'ROOT',
      domainpath: 'ROOT',
      created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/),
      state: 'Completed',
      archived: false,
    });
    // A tenant sees none of the administrator's events.
    expect(await events(acme.user.client, { type: 'CONFIGURATION.VALUE.EDIT', listall: true })).toEqual([]);
  });

  describe('who sees which events', () => {
    beforeAll(async () => {
      await record({ caller: admin, description: 'scope-admin' }, '2030-01-01T00:00:01Z');
      await record({ caller: asCaller(acme, 'user'), description: 'scope-acme-user' }, '2030-01-01T00:00:02Z');
      await record({ caller: asCaller(acme, 'domainAdmin'), description: 'scope-acme-admin' }, '2030-01-01T00:00:03Z');
      await record({ caller: asCaller(sales, 'user'), description: 'scope-sales-user' }, '2030-01-01T00:00:04Z');
      await record({ caller: asCaller(globex, 'user'), description: 'scope-globex-user' }, '2030-01-01T00:00:05Z');
      // The root admin acting on acme's user: the event is the owner's, done by the admin.
      await record({ caller: admin, owner: asCaller(acme, 'user'), description: 'scope-acme-user-by-admin' }, '2030-01-01T00:00:06Z');
    });

    const scoped = { keyword: 'scope-' };

    it('shows a user its own account\'s events only, listall or not', async () => {
      expect(await events(acme.user.client, scoped)).toEqual(['scope-acme-user-by-admin', 'scope-acme-user']);
      expect(await events(acme.user.client, { ...scoped, listall: true })).toEqual(['scope-acme-user-by-admin', 'scope-acme-user']);
    });

    it('shows a domain admin its own account, or with listall its domain and every domain below it', async () => {
      expect(await events(acme.domainAdmin.client, scoped)).toEqual(['scope-acme-admin']);
      expect(await events(acme.domainAdmin.client, { ...scoped, listall: true })).toEqual(['scope-acme-user-by-admin', 'scope-sales-user', 'scope-acme-admin', 'scope-acme-user']);
    });

    it('narrows a domain admin to one domain, or its subtree with isrecursive', async () => {
      expect(await events(acme.domainAdmin.client, { ...scoped, domainid: acme.domain.id })).toEqual(['scope-acme-user-by-admin', 'scope-acme-admin', 'scope-acme-user']);
      expect(await events(acme.domainAdmin.client, { ...scoped, domainid: acme.domain.id, isrecursive: true })).toEqual([
        'scope-acme-user-by-admin',
        'scope-sales-user',
        'scope-acme-admin',
        'scope-acme-user',
      ]);
      expect(await events(acme.domainAdmin.client, { ...scoped, domainid: sales.domain.id })).toEqual(['scope-sales-user']);
    });

    it('answers a domain outside a domain admin\'s tree like an unknown one', async () => {
      const reply = await acme.domainAdmin.client.call('listEvents', { domainid: globex.domain.id });

      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(
        `Unable to execute API command listevents due to invalid value. Invalid parameter domainid value=${globex.domain.id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
      );
    });

    it('shows the root admin its own account, everything with listall, one account with account and domainid', async () => {
      expect(await events(env.admin, scoped)).toEqual(['scope-admin']);
      expect(await events(env.admin, { ...scoped, listall: true })).toEqual([
        'scope-acme-user-by-admin',
        'scope-globex-user',
        'scope-sales-user',
        'scope-acme-admin',
        'scope-acme-user',
        'scope-admin',
      ]);
      expect(await events(env.admin, { ...scoped, account: acme.user.accountName, domainid: acme.domain.id })).toEqual(['scope-acme-user-by-admin', 'scope-acme-user']);
    });

    it('names the acting user and the owning account', async () => {
      const [e] = (await acme.user.client.ok('listEvents', { keyword: 'scope-acme-user-by-admin' })).event as Obj[];

      expect(e).toMatchObject({ username: 'admin', account: acme.user.accountName, domainid: acme.domain.id, domain: 'acme', domainpath: 'ROOT/acme' });
    });
  });

  describe('filters', () => {
    let vmId: string;
    let parentId: string;

    beforeAll(async () => {
      const cat = await catalogue(env.admin);
      const { id, jobid } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: 'false', name: 'probe-vm' })) as Obj;
      expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
      vmId = id;
      // The fixtures are dated 2021: kept for ever, or event.purge.delay would have them gone already.
      await env.admin.ok('updateConfiguration', { name: 'event.purge.delay', value: '0' });
      const vm = { type: 'VirtualMachine' as const, id: vmId, name: 'probe-vm' };
      const parent = await record({ type: 'VM.REBOOT', caller: admin, description: 'filter-reboot-started', state: 'Started', resource: vm }, '2021-03-04T10:00:00Z');
      parentId = parent.id;
      await record({ type: 'VM.REBOOT', caller: admin, description: 'filter-reboot-done', parentId, resource: vm }, '2021-03-04T10:00:30Z');
      await record({ type: 'VM.REBOOT', caller: admin, description: 'filter-reboot-failed', level: 'ERROR', resource: vm }, '2021-03-05T23:59:59.500Z');
      await record({ type: 'HOST.RECONNECT', caller: admin, description: 'filter-host', level: 'WARN' }, '2021-03-06T00:00:00Z');
    });

    const filtered = (params: Record<string, string | number | boolean>) => events(env.admin, { keyword: 'filter-', ...params });

    it('lists newest first and pages with count as the total', async () => {
      expect(await filtered({})).toEqual(['filter-host', 'filter-reboot-failed', 'filter-reboot-done', 'filter-reboot-started']);
      const page = await env.admin.ok('listEvents', { keyword: 'filter-', page: 2, pagesize: 3 });
      expect(page.count).toBe(4);
      expect((page.event as Obj[]).map((e) => e.description)).toEqual(['filter-reboot-started']);
    });

    it('filters by id, type, level and startid', async () => {
      expect(await filtered({ id: parentId })).toEqual(['filter-reboot-started']);
      expect(await filtered({ type: 'HOST.RECONNECT' })).toEqual(['filter-host']);
      expect(await filtered({ level: 'ERROR' })).toEqual(['filter-reboot-failed']);
      expect(await filtered({ startid: parentId })).toEqual(['filter-reboot-done', 'filter-reboot-started']);
    });

    it('filters by date, a bare day spanning the whole day', async () => {
      expect(await filtered({ startdate: '2021-03-05', enddate: '2021-03-05' })).toEqual(['filter-reboot-failed']);
      expect(await filtered({ startdate: '2021-03-04 10:00:30' })).toEqual(['filter-host', 'filter-reboot-failed', 'filter-reboot-done']);
      expect(await filtered({ enddate: '2021-03-04 10:00:29' })).toEqual(['filter-reboot-started']);
    });

    it('refuses a date in another format with CloudStack\'s text', async () => {
      const reply = await env.admin.call('listEvents', { startdate: '03/04/2021' });

      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe('Unable to parse date 03/04/2021 for command listevents, please pass dates in the format mentioned in the api documentation');
    });

    it('filters by resource, and shows it', async () => {
      const listed = (await env.admin.ok('listEvents', { keyword: 'filter-', resourcetype: 'VirtualMachine', resourceid: vmId.toUpperCase() })).event as Obj[];

      expect(listed.map((e) => e.description)).toEqual(['filter-reboot-failed', 'filter-reboot-done', 'filter-reboot-started']);
      expect(listed[1]).toMatchObject({ resourceid: vmId, resourcetype: 'VirtualMachine', resourcename: 'probe-vm', parentid: parentId, type: 'VM.REBOOT' });
    });

    it.each([
      ['an unknown resource type', { resourcetype: 'virtualmachine' }, 'Invalid resourcetype'],
      ['a resource id without its type', { resourceid: '00000000-0000-4000-8000-000000000000' }, 'resourceid parameter must be used with resourcetype parameter'],
      ['a resource id that is no UUID', { resourcetype: 'VirtualMachine', resourceid: '42' }, 'Invalid resourceid'],
      ['a VM that does not exist', { resourcetype: 'VirtualMachine', resourceid: '00000000-0000-4000-8000-000000000000' }, 'Invalid resourceid'],
    ])('refuses %s with 431 and CloudStack\'s text', async (_, params, text) => {
      const reply = await env.admin.call('listEvents', params);

      expect(reply.status).toBe(431);
      expect(reply.data).toMatchObject({ errorcode: 431, errortext: text });
    });

    it('answers another tenant\'s VM like one that does not exist', async () => {
      const reply = await acme.user.client.call('listEvents', { resourcetype: 'VirtualMachine', resourceid: vmId });

      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe('Invalid resourceid');
    });

    it('lists nothing for archived events, which Stratus does not keep', async () => {
      expect(await filtered({ archived: true })).toEqual([]);
    });
  });
});
