import { CloudStackClient } from '../../../local/cloudstack-client';
import { startTestStack } from '../../support/stack';
import { createAccountWithKeys, createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Domains, accounts, users and keys through signed HTTP: what each command answers, CloudStack's
 * errors for bad input and taken names, and that disabling an account or replacing a key takes
 * effect on the very next request.
 */
describe('tenancy commands', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let root: Obj; // the ROOT domain as listed
  let acme: Tenant;

  const AUTH = { errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' };
  const notFound = (cmd: string, param: string, value: string) =>
    `Unable to execute API command ${cmd} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;
  const newAccount = (name: string, extra: Record<string, string | number> = {}) => ({
    accounttype: 0,
    username: name,
    email: `${name}@example.test`,
    firstname: 'Fiona',
    lastname: 'Tester',
    password: 'secret-1',
    ...extra,
  });

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0 });
    root = ((await env.admin.ok('listDomains', { name: 'ROOT' })).domain as Obj[])[0];
    acme = await createTenant(env, 'acme');
  });
  afterAll(() => env.stop());

  describe('createDomain and listDomains', () => {
    it('creates a domain below ROOT and another below it, with their levels, paths and parents', async () => {
      const sales = (await env.admin.ok('createDomain', { name: 'sales', parentdomainid: acme.domain.id, networkdomain: 'sales.acme.example' })).domain as Obj;

      expect(acme.domain).toMatchObject({ name: 'acme', path: 'ROOT/acme' });
      expect(sales).toMatchObject({ name: 'sales', level: 2, path: 'ROOT/acme/sales', parentdomainid: acme.domain.id, parentdomainname: 'acme', haschild: false, networkdomain: 'sales.acme.example', state: 'Active' });
      const listed = ((await env.admin.ok('listDomains', { id: acme.domain.id })).domain as Obj[])[0];
      expect(listed).toMatchObject({ id: acme.domain.id, level: 1, parentdomainid: root.id, parentdomainname: 'ROOT', haschild: true });
      const rootNow = ((await env.admin.ok('listDomains', { id: root.id })).domain as Obj[])[0];
      expect(rootNow).toMatchObject({ level: 0, path: 'ROOT', haschild: true });
      expect(rootNow.parentdomainid).toBeUndefined();
    });

    it.each([
      ['the same name under the same parent', 'acme'],
      ['the same name in another case', 'ACME'],
    ])('refuses %s with CloudStack 431 text', async (_, name) => {
      const reply = await env.admin.call('createDomain', { name });
      expect(reply.status).toBe(431);
      expect(reply.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: `Domain with name [${name}] already exists for the parent with ID [${root.id}].` });
    });

    it('lets two parents each have a child of the same name', async () => {
      const other = (await env.admin.ok('createDomain', { name: 'initech' })).domain as Obj;
      const a = await env.admin.call('createDomain', { name: 'support', parentdomainid: acme.domain.id });
      const b = await env.admin.call('createDomain', { name: 'support', parentdomainid: other.id });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([(a.data.domain as Obj).path, (b.data.domain as Obj).path]).toEqual(['ROOT/acme/support', 'ROOT/initech/support']);
    });

    it('gives exactly one of several concurrent creates of one name', async () => {
      const replies = await Promise.all(Array.from({ length: 5 }, () => env.admin.call('createDomain', { name: 'raced' })));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      expect(replies.filter((r) => r.status === 431).map((r) => r.data.errortext)).toEqual(Array(4).fill(`Domain with name [raced] already exists for the parent with ID [${root.id}].`));
    });

    it.each([
      [{}, 'Unable to execute API command createdomain due to missing parameter name'],
      [{ name: 'x', parentdomainid: '6a1c6e55-2f6b-4d57-9f7e-0d2f8b9c1a11' }, notFound('createdomain', 'parentdomainid', '6a1c6e55-2f6b-4d57-9f7e-0d2f8b9c1a11')],
      [{ name: 'a/b' }, "Domain name a/b can not contain '/'"],
      [{ name: 'nd', networkdomain: '-bad-.example' }, expect.stringContaining('Invalid network domain.')],
    ])('refuses createDomain %j with 431', async (params, text) => {
      const reply = await env.admin.call('createDomain', params as Record<string, string>);
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toEqual(text);
    });

    it('lets a domain admin create within its subtree but not beside it', async () => {
      const inside = await acme.domainAdmin.client.call('createDomain', { name: 'research', parentdomainid: acme.domain.id });
      const atRoot = await acme.domainAdmin.client.call('createDomain', { name: 'elsewhere' });
      const sibling = (await env.admin.ok('listDomains', { name: 'initech' })).domain as Obj[];
      const beside = await acme.domainAdmin.client.call('createDomain', { name: 'elsewhere', parentdomainid: sibling[0].id });

      expect(inside.status).toBe(200);
      expect(atRoot.status).toBe(531);
      expect(atRoot.data).toMatchObject({ cserrorcode: 4365, errortext: `Account acme-admin does not have permission to operate within domain id=${root.id}` });
      expect(beside.status).toBe(431);
      expect(beside.data.errortext).toBe(notFound('createdomain', 'parentdomainid', sibling[0].id));
    });

    it('lists for a user its own domain, for a domain admin its subtree with listall, for root every domain', async () => {
      const names = async (c: CloudStackClient, p: Record<string, string | boolean | number> = {}) => (((await c.ok('listDomains', p)).domain as Obj[]) ?? []).map((d) => d.path).sort();

      expect(await names(acme.user.client)).toEqual(['ROOT/acme']);
      expect(await names(acme.user.client, { listall: true })).toEqual(expect.arrayContaining(['ROOT/acme', 'ROOT/acme/sales']));
      expect(await names(acme.domainAdmin.client)).toEqual(['ROOT/acme']);
      const subtree = await names(acme.domainAdmin.client, { listall: true });
      expect(subtree.every((p) => p === 'ROOT/acme' || p.startsWith('ROOT/acme/'))).toBe(true);
      expect(subtree).toEqual(expect.arrayContaining(['ROOT/acme/sales', 'ROOT/acme/support', 'ROOT/acme/research']));
      expect(await names(env.admin)).toEqual(expect.arrayContaining(['ROOT', 'ROOT/acme', 'ROOT/initech', 'ROOT/initech/support']));
      expect(await names(env.admin, { level: 2, keyword: 'supp' })).toEqual(['ROOT/acme/support', 'ROOT/initech/support']);
      // A domain outside the caller's reach is listed as no domain at all.
      expect(await names(acme.domainAdmin.client, { id: root.id })).toEqual([]);
    });
  });

  describe('createAccount, createUser, listAccounts and listUsers', () => {
    it('creates an account named after its user, with the user in the answer and no password', async () => {
      const reply = await env.admin.call('createAccount', newAccount('wile', { domainid: acme.domain.id, timezone: 'UTC' }));

      expect(reply.status).toBe(200);
      const account = reply.data.account as Obj;
      expect(account).toMatchObject({ name: 'wile', accounttype: 0, roletype: 'User', domainid: acme.domain.id, domain: 'acme', domainpath: 'ROOT/acme', state: 'enabled', isdefault: false });
      expect(account.user).toHaveLength(1);
      expect(account.user[0]).toMatchObject({ username: 'wile', firstname: 'Fiona', lastname: 'Tester', email: 'wile@example.test', account: 'wile', accountid: account.id, accounttype: 0, state: 'enabled', timezone: 'UTC' });
      expect(JSON.stringify(reply.body)).not.toContain('secret-1');
      expect(JSON.stringify(reply.body)).not.toContain('scrypt');
    });

    it('takes roletype in place of accounttype, and an account name other than the username', async () => {
      const account = (await env.admin.ok('createAccount', newAccount('roadrunner', { roletype: 'DomainAdmin', account: 'birds', domainid: acme.domain.id }))).account as Obj;
      expect(account).toMatchObject({ name: 'birds', accounttype: 2, roletype: 'DomainAdmin', rolename: 'Domain Admin' });
    });

    it.each([
      ['no username', { username: undefined }, 'Unable to execute API command createaccount due to missing parameter username'],
      ['no password', { password: undefined }, 'Unable to execute API command createaccount due to missing parameter password'],
      ['no email', { email: undefined }, 'Unable to execute API command createaccount due to missing parameter email'],
      ['an empty password', { password: '' }, 'Empty passwords are not allowed'],
      ['neither type nor role', { accounttype: undefined }, 'Neither account type and role ID are not provided'],
      ['an unknown account type', { accounttype: 7 }, 'Invalid account type 7: use 0 (user), 1 (root admin) or 2 (domain admin)'],
      ['a root admin outside ROOT', { accounttype: 1, domainid: 'ACME' }, 'Invalid account type ADMIN given for an account in domain ROOT/acme; unable to create user of admin role type in non-ROOT domain.'],
      ['an unknown domain', { domainid: '0b0b0b0b-1111-4222-8333-444455556666' }, notFound('createaccount', 'domainid', '0b0b0b0b-1111-4222-8333-444455556666')],
    ])('refuses %s with 431', async (_, change, text) => {
      const params: Record<string, string | number> = newAccount('badinput');
      for (const [k, v] of Object.entries(change)) {
        if (v === undefined) delete params[k];
        else params[k] = v === 'ACME' ? acme.domain.id : v;
      }
      const reply = await env.admin.call('createAccount', params);
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(text);
    });

    it('keeps account names unique per domain and usernames unique everywhere', async () => {
      await env.admin.ok('createAccount', newAccount('coyote', { domainid: acme.domain.id }));

      const sameAccount = await env.admin.call('createAccount', newAccount('coyote2', { account: 'Coyote', domainid: acme.domain.id }));
      const otherDomain = await env.admin.call('createAccount', newAccount('coyote3', { account: 'coyote' }));
      const sameUser = await env.admin.call('createAccount', newAccount('coyote', { account: 'fresh' }));

      expect(sameAccount.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: 'The specified account: Coyote already exists' });
      expect(otherDomain.status).toBe(200);
      expect(sameUser.data).toMatchObject({ errorcode: 431, errortext: 'The user coyote already exists; usernames are unique across all domains' });
      // Nothing of the refused requests was written: the free name is still free.
      expect((await env.admin.call('createAccount', newAccount('fresh'))).status).toBe(200);
    });

    it('gives an account name to exactly one of several concurrent creates', async () => {
      const replies = await Promise.all([1, 2, 3, 4].map((i) => env.admin.call('createAccount', newAccount(`racer${i}`, { account: 'racers', domainid: acme.domain.id }))));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
      expect(replies.filter((r) => r.data.errortext === 'The specified account: racers already exists')).toHaveLength(3);
    });

    it('adds a user to an account and lists it there', async () => {
      const user = (await env.admin.ok('createUser', { account: 'wile', domainid: acme.domain.id, username: 'wile2', email: 'w2@example.test', firstname: 'W', lastname: 'Two', password: 'p' })).user as Obj;
      const listed = (await env.admin.ok('listUsers', { account: 'wile', domainid: acme.domain.id })).user as Obj[];

      expect(user).toMatchObject({ username: 'wile2', account: 'wile', domainid: acme.domain.id, accounttype: 0 });
      expect(listed.map((u) => u.username).sort()).toEqual(['wile', 'wile2']);
    });

    it.each<[Record<string, string>, () => string]>([
      [{ account: 'nobody' }, () => `Unable to find account nobody in domain ${acme.domain.id} to create user`],
      [{ account: 'wile', username: 'coyote' }, () => 'The user coyote already exists; usernames are unique across all domains'],
      [{ account: 'wile', password: '' }, () => 'Empty passwords are not allowed'],
    ])('refuses createUser %j with 431', async (change, text) => {
      const reply = await env.admin.call('createUser', { domainid: acme.domain.id, username: 'someone', email: 's@example.test', firstname: 'S', lastname: 'O', password: 'p', ...change });
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(text());
    });

    it('lists accounts by CloudStack scope: own account by default, the subtree with listall', async () => {
      const names = async (c: CloudStackClient, p: Record<string, string | boolean> = {}) => (((await c.ok('listAccounts', p)).account as Obj[]) ?? []).map((a) => a.name).sort();

      expect(await names(env.admin)).toEqual(['admin']);
      expect(await names(env.admin, { domainid: acme.domain.id })).toEqual(expect.arrayContaining(['acme-admin', 'acme-user', 'wile', 'coyote']));
      expect(await names(env.admin, { domainid: acme.domain.id })).not.toContain('fresh');
      expect(await names(env.admin, { listall: true })).toEqual(expect.arrayContaining(['admin', 'acme-user', 'fresh']));
      expect(await names(acme.user.client, { listall: true })).toEqual(['acme-user']);
      const subtree = await names(acme.domainAdmin.client, { listall: true });
      expect(subtree).toEqual(expect.arrayContaining(['acme-admin', 'acme-user', 'wile']));
      expect(subtree).not.toContain('admin');
      expect(subtree).not.toContain('fresh');
      const admin = ((await env.admin.ok('listAccounts', { name: 'ADMIN' })).account as Obj[])[0];
      expect(admin).toMatchObject({ accounttype: 1, roletype: 'Admin', isdefault: true, domainpath: 'ROOT' });
    });

    it('shows a user only itself in listUsers', async () => {
      const users = (await acme.user.client.ok('listUsers', { listall: true })).user as Obj[];
      expect(users.map((u) => u.username)).toEqual(['acme-user']);
      expect(users[0].apikey).toBe(acme.user.apiKey);
      expect(users[0].secretkey).toBeUndefined();
    });

    it('refuses a domain admin an account of its own role, and users every tenancy command', async () => {
      const peer = await acme.domainAdmin.client.call('createAccount', newAccount('peeradmin', { accounttype: 2, domainid: acme.domain.id }));
      const asUser = await acme.user.client.call('createAccount', newAccount('sneaky'));

      expect(peer.status).toBe(531);
      expect(peer.data.errortext).toMatch(/^The calling account \[acme-admin, [0-9a-f-]+\] is not allowed to perform this operation on users from other accounts of the same role type within the domain$/);
      expect(asUser.status).toBe(401);
      expect(asUser.data.errortext).toBe("The given command 'createAccount' either does not exist, is not available for user.");
      // A user below it is the domain admin's to create.
      expect((await acme.domainAdmin.client.call('createAccount', newAccount('minion', { domainid: acme.domain.id }))).status).toBe(200);
    });
  });

  describe('registerUserKeys', () => {
    it('returns a new key pair and the old key stops working at once', async () => {
      const t = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'rotator', accounttype: 0 });
      expect((await t.client.call('listZones')).status).toBe(200);

      const keys = (await env.admin.ok('registerUserKeys', { id: t.userId })).userkeys as Obj;

      expect(Object.keys(keys).sort()).toEqual(['apikey', 'secretkey']);
      expect(keys.apikey).toMatch(/^[A-Za-z0-9_-]{86}$/);
      expect(keys.apikey).not.toBe(t.apiKey);
      expect((await t.client.call('listZones')).data).toEqual({ uuidList: [], ...AUTH });
      const fresh = new CloudStackClient(env.stack.apiUrl, keys.apikey, keys.secretkey);
      expect((await fresh.call('listZones')).status).toBe(200);
      expect(((await env.admin.ok('listUsers', { id: t.userId, listall: true })).user as Obj[])[0].apikey).toBe(keys.apikey);
    });

    it('lets a user replace its own keys but not reach another account', async () => {
      const self = (await acme.user.client.ok('registerUserKeys', { id: acme.user.userId })).userkeys as Obj;
      acme.user.client = new CloudStackClient(env.stack.apiUrl, self.apikey, self.secretkey);
      const other = await acme.user.client.call('registerUserKeys', { id: acme.domainAdmin.userId });
      const adminUser = ((await env.admin.ok('listUsers', { username: 'admin' })).user as Obj[])[0];
      const byDomainAdmin = await acme.domainAdmin.client.call('registerUserKeys', { id: adminUser.id });

      expect((await acme.user.client.call('listZones')).status).toBe(200);
      expect(other.data.errortext).toBe(notFound('registeruserkeys', 'id', acme.domainAdmin.userId));
      expect(byDomainAdmin.data.errortext).toBe(notFound('registeruserkeys', 'id', adminUser.id));
    });
  });

  describe('disableAccount and enableAccount', () => {
    it('disables through an async job, refuses the account keys at once, and enabling lets them in again', async () => {
      const t = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'pauser', accounttype: 0 });

      const submit = await env.admin.call('disableAccount', { id: t.accountId, lock: false });
      expect(submit.status).toBe(200);
      expect(Object.keys(submit.data)).toEqual(['jobid']);
      const job = await env.admin.waitForJob(submit.data.jobid as string);
      expect(job).toMatchObject({ jobstatus: 1, jobresultcode: 0, jobinstancetype: 'Account', jobinstanceid: t.accountId, cmd: expect.stringContaining('DisableAccountCmd') });
      expect((job.jobresult as Obj).account).toMatchObject({ id: t.accountId, state: 'disabled' });

      const refused = await t.client.call('listZones');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ listzonesresponse: { uuidList: [], ...AUTH } });

      const enabled = (await env.admin.ok('enableAccount', { id: t.accountId })).account as Obj;
      expect(enabled.state).toBe('enabled');
      expect((await t.client.call('listZones')).status).toBe(200);
    });

    it('locks by account name and domain, and will not lock a disabled account', async () => {
      const t = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'lockee', accounttype: 0 });

      const lock = await acme.domainAdmin.client.ok('disableAccount', { account: 'lockee', domainid: acme.domain.id, lock: true });
      const locked = await acme.domainAdmin.client.waitForJob(lock.jobid as string);
      expect((locked.jobresult as Obj).account.state).toBe('locked');
      expect((await t.client.call('listZones')).status).toBe(401);

      await env.admin.waitForJob((await env.admin.ok('disableAccount', { id: t.accountId, lock: false })).jobid as string);
      const relock = await env.admin.call('disableAccount', { id: t.accountId, lock: true });
      expect(relock.status).toBe(530);
      expect(relock.data.errortext).toBe('Unable to lock account lockee: only an enabled account can be locked, and it is disabled');
      expect(((await env.admin.ok('listAccounts', { id: t.accountId })).account as Obj[])[0].state).toBe('disabled');
    });

    it.each([
      ['no lock', () => ({ id: acme.user.accountId }), 431, 'Unable to execute API command disableaccount due to missing parameter lock'],
      ['no account at all', () => ({ lock: false }), 431, 'Unable to find account by accountId: null OR by name: null in domain null'],
      ['an account of another domain, to a domain admin', () => ({ id: 'ADMIN', lock: false }), 431, 'NOTFOUND'],
      ['the default admin account', () => ({ id: 'ADMIN', lock: false, root: true }), 531, 'Account: admin is the default admin account, disable is not allowed'],
    ])('refuses %s', async (_, params, status, text) => {
      const adminAccount = ((await env.admin.ok('listAccounts', { name: 'admin' })).account as Obj[])[0];
      const p: Obj = params();
      const client = p.root ? env.admin : acme.domainAdmin.client;
      delete p.root;
      if (p.id === 'ADMIN') p.id = adminAccount.id;
      const reply = await client.call('disableAccount', p);
      expect(reply.status).toBe(status);
      expect(reply.data.errortext).toBe(text === 'NOTFOUND' ? notFound('disableaccount', 'id', adminAccount.id) : text);
    });
  });
});
