import { LOCAL_ADMIN_PASSWORD } from '../../../local/stack';
import { startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Password logins over plain HTTP, as the CloudStack UI and cmk's login mode use them: login answers
 * CloudStack's loginresponse with a sessionkey (and its cookie), the key then authorises requests
 * with no signature, on any API front (the session is an item of the table), until logout or until
 * the account is disabled; wrong passwords and domains get CloudStack's 531.
 */
describe('login sessions', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let acme: Tenant;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0 });
    acme = await createTenant(env, 'sess-acme');
  });
  afterAll(() => env.stop());

  const post = async (params: Record<string, string>, cookie?: string) => {
    const res = await fetch(env.stack.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams({ response: 'json', ...params }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Obj, cookies: res.headers.getSetCookie() };
  };
  const withSession = (command: string, key: string, params: Record<string, string> = {}) => post({ command, sessionkey: key, ...params });

  it('marks the session cookie Secure when the request came over HTTPS (as API Gateway and CloudFront forward it)', async () => {
    const res = await fetch(env.stack.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ response: 'json', command: 'login', username: 'admin', password: LOCAL_ADMIN_PASSWORD, domain: '/' }).toString(),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sessionkey='));
    expect(cookie).toMatch(/; HttpOnly; Secure$/);
  });

  it('logs the admin in with CloudStack\'s default password and answers loginresponse with a sessionkey cookie', async () => {
    const res = await post({ command: 'login', username: 'admin', password: LOCAL_ADMIN_PASSWORD, domain: '/' });
    expect(res.status).toBe(200);
    const login = res.body.loginresponse as Obj;
    expect(login).toMatchObject({ username: 'admin', account: 'admin', type: '1', timeout: '1800', registered: 'false' });
    expect(login.sessionkey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const cookie = res.cookies.find((c) => c.startsWith(`sessionkey=${login.sessionkey};`));
    expect(cookie).toBeDefined();
    // No page script reads it; Secure only when the request came over HTTPS (this one is plain HTTP).
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).not.toMatch(/Secure/);

    // The key authorises a request with no signature at all.
    const zones = await withSession('listZones', login.sessionkey);
    expect(zones.status).toBe(200);
    expect(zones.body.listzonesresponse.count).toBe(1);
    const out = await withSession('logout', login.sessionkey);
    expect(out.body).toEqual({ logoutresponse: { description: 'success' } });
    const after = await withSession('listZones', login.sessionkey);
    expect(after.status).toBe(401);
  });

  it('sets a user\'s password with updateUser, logs the user in within its domain, and keeps it to its own rights', async () => {
    // An admin sets it without the current one; the user changes it with the current one only.
    expect((await env.admin.call('updateUser', { id: acme.user.userId, password: 'first-pass' })).status).toBe(200);
    const noCurrent = await acme.user.client.call('updateUser', { id: acme.user.userId, password: 'second-pass' });
    expect(noCurrent.data).toMatchObject({ errorcode: 431, errortext: 'To set a new password the current password must be provided.' });
    const wrongCurrent = await acme.user.client.call('updateUser', { id: acme.user.userId, password: 'second-pass', currentpassword: 'nope' });
    expect(wrongCurrent.data).toMatchObject({ errorcode: 431, errortext: 'Current password is incorrect.' });
    const changed = await acme.user.client.call('updateUser', { id: acme.user.userId, password: 'second-pass', currentpassword: 'first-pass', firstname: 'Una' }, { method: 'POST' });
    expect(changed.status).toBe(200);
    expect((changed.data as Obj).user).toMatchObject({ id: acme.user.userId, firstname: 'Una' });

    const wrong = await post({ command: 'login', username: acme.user.username, password: 'first-pass', domain: '/sess-acme/' });
    expect(wrong.status).toBe(531);
    expect(wrong.body).toEqual({ loginresponse: { uuidList: [], errorcode: 531, cserrorcode: 4330, errortext: `Failed to authenticate user ${acme.user.username} in domain ${acme.domain.id}; please provide valid credentials` } });
    // Its domain must be named: ROOT is the default, as CloudStack's.
    expect((await post({ command: 'login', username: acme.user.username, password: 'second-pass' })).status).toBe(531);
    const ok = await post({ command: 'login', username: acme.user.username, password: 'second-pass', domain: 'sess-acme' });
    expect(ok.status).toBe(200);
    const key = ok.body.loginresponse.sessionkey as string;
    expect(ok.body.loginresponse).toMatchObject({ type: '0', account: acme.user.accountName, domainid: acme.domain.id, firstname: 'Una' });

    const mine = await withSession('listSSHKeyPairs', key);
    expect(mine.status).toBe(200);
    const admins = await withSession('listHosts', key);
    expect(admins.status).toBe(401);
    expect(admins.body.listhostsresponse.errortext).toBe("The given command 'listHosts' either does not exist, is not available for user.");
    // A cookie alone is no credential: the key must be a parameter (a foreign page cannot act).
    expect((await post({ command: 'listZones' }, `sessionkey=${key}`)).status).toBe(401);

    // Disabling the account ends its sessions at once.
    await env.admin.waitForJob((await env.admin.ok('disableAccount', { account: acme.user.accountName, domainid: acme.domain.id, lock: false })).jobid as string);
    const disabled = await withSession('listZones', key);
    expect(disabled.status).toBe(401);
    const refused = await post({ command: 'login', username: acme.user.username, password: 'second-pass', domain: 'sess-acme' });
    expect(refused.body.loginresponse).toMatchObject({ errorcode: 531, errortext: `User ${acme.user.username} (or their account) in domain sess-acme is disabled/locked. Please contact the administrator.` });
    await env.admin.ok('enableAccount', { account: acme.user.accountName, domainid: acme.domain.id });
  });

  it('records the login and logout as events of the user', async () => {
    const events = (await env.admin.ok('listEvents', { type: 'USER.LOGIN', listall: true })).event as Obj[];
    expect(events.some((e) => e.username === 'admin' && String(e.description).startsWith('user has logged in from IP Address'))).toBe(true);
    expect(((await env.admin.ok('listEvents', { type: 'USER.LOGOUT' })).event as Obj[]).length).toBeGreaterThanOrEqual(1);
  });
});
