import { setTimeout as sleep } from 'node:timers/promises';
import { CloudStackClient } from '../../../local/cloudstack-client';
import { startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * API throttling across API fronts: two fronts in two processes (the stack's and a second one, as
 * two Lambda instances of the api function) on one table. With api.throttling.enabled an account
 * gets api.throttling.max requests per interval however they are spread over the fronts, the next
 * is CloudStack's 429, the root admin is never throttled, and the next interval starts afresh. A
 * login session opened on one front works on the other and ends on both.
 */
describe('API throttling and sessions across two API front processes', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let acme: Tenant;
  let front: { apiUrl: string; stop(): Promise<void> };
  const INTERVAL = 10; // seconds
  const MAX = 6;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0, settingsCacheMs: 0 });
    acme = await createTenant(env, 'throttled');
    front = await env.stack.startApiFront();
  }, 120_000);
  afterAll(() => env.stop());

  const set = (name: string, value: string | number | boolean) => env.admin.ok('updateConfiguration', { name, value });

  it('holds one account to api.throttling.max per interval over both fronts, with CloudStack\'s 429', async () => {
    const viaFirst = acme.user.client;
    const viaSecond = new CloudStackClient(front.apiUrl, acme.user.apiKey, acme.user.secretKey);
    // Both fronts answer before throttling is on.
    expect((await viaSecond.call('listZones')).status).toBe(200);
    await set('api.throttling.interval', INTERVAL);
    await set('api.throttling.max', MAX);
    await set('api.throttling.enabled', true);

    // Start at the beginning of an interval, so all the requests fall into one.
    await sleep(INTERVAL * 1000 - (Date.now() % (INTERVAL * 1000)) + 100);
    const replies = [];
    for (let i = 0; i < 2 * MAX; i++) replies.push(await (i % 2 === 0 ? viaFirst : viaSecond).call('listZones'));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(MAX);
    expect(statuses.slice(0, MAX).every((s) => s === 200)).toBe(true); // the first MAX, from both fronts
    const refused = replies[MAX]!.data as Obj;
    expect(refused.errorcode).toBe(429);
    expect(refused.errortext).toMatch(/^The given user has reached his\/her account api limit, please retry after \d+ ms\.$/);
    // Another account has its own count; the root admin none.
    expect((await acme.domainAdmin.client.call('listZones')).status).toBe(200);
    for (let i = 0; i < MAX + 2; i++) expect((await env.admin.call('listZones')).status).toBe(200);

    // The next interval starts afresh.
    await sleep(INTERVAL * 1000 - (Date.now() % (INTERVAL * 1000)) + 100);
    expect((await viaSecond.call('listZones')).status).toBe(200);
    await set('api.throttling.enabled', false);
    for (let i = 0; i < MAX + 2; i++) expect((await viaFirst.call('listZones')).status).toBe(200);
  }, 60_000);

  it('opens a session on one front that works on the other and ends on both at logout', async () => {
    const form = async (url: string, params: Record<string, string>) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ response: 'json', ...params }).toString() });
      return { status: res.status, body: (await res.json()) as Obj };
    };
    const login = await form(front.apiUrl, { command: 'login', username: 'admin', password: 'password' });
    const key = login.body.loginresponse.sessionkey as string;
    expect((await form(env.stack.apiUrl, { command: 'listZones', sessionkey: key })).status).toBe(200);
    expect((await form(env.stack.apiUrl, { command: 'logout', sessionkey: key })).status).toBe(200);
    expect((await form(front.apiUrl, { command: 'listZones', sessionkey: key })).status).toBe(401);
  });
});
