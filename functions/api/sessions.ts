import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Caller } from '../../core/entities';
import { newEvent } from '../../core/events';
import { CloudStackError, InvalidParameterError } from '../../core/errors';
import type { Store } from '../store';
import type { RawParam } from './request';

/**
 * Password logins (CloudStack's `login` and `logout`): a user's username, password and domain give
 * a session whose key (`sessionkey`) then authorises requests without a signature, as the
 * CloudStack UI and cmk's login mode use it. The key is sent as a parameter on each request (a
 * cookie alone is not enough, as in CloudStack: a page of another site cannot make the browser act).
 * A session ends at logout or after SESSION_TIMEOUT_SECONDS without a request.
 */

/** CloudStack's session timeout (its servlet's 30 minutes): the `timeout` a login answers. */
export const SESSION_TIMEOUT_SECONDS = 1800;
/** A session used again later than this after its last extension is moved on (fewer writes than one per request). */
const EXTEND_AFTER_SECONDS = 60;

/** 531 (ApiErrorCode.ACCOUNT_ERROR): CloudStack's CloudAuthenticationException for a login. */
export class LoginError extends CloudStackError {
  override readonly name = 'LoginError';
  readonly errorCode = 531;
  override readonly csErrorCode = 4330;
}

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A password against a stored `scrypt$<salt>$<hash>`, in constant time. */
export async function passwordMatches(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !salt || !hash) {
    await scryptAsync(password, Buffer.alloc(16), 32); // the same work as a real check: no timing tells a user without a password
    return false;
  }
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

const ACCOUNT_TYPE: Record<Caller['role'], string> = { user: '0', rootAdmin: '1', domainAdmin: '2' };

/** `domain` as CloudStack's login takes it: a path below ROOT (`/`, `/acme/`, `acme/sales`), to Stratus' `ROOT/acme/sales`. */
function domainPathOf(domain: string | undefined): string {
  const parts = (domain ?? '/').split('/').filter((p) => p !== '');
  if (parts[0]?.toUpperCase() === 'ROOT') parts.shift();
  return ['ROOT', ...parts].join('/');
}

export interface LoginResult {
  body: Record<string, unknown>;
  cookies: string[];
}

/** `login`: check the password, open a session, answer CloudStack's loginresponse and set the sessionkey cookie. */
export async function login(store: Store, params: ReadonlyMap<string, string>, now: Date, sourceIp: string): Promise<LoginResult> {
  const username = params.get('username');
  const password = params.get('password');
  if (!username) throw new InvalidParameterError('Unable to execute API command login due to missing parameter username');
  if (!password) throw new InvalidParameterError('Unable to execute API command login due to missing parameter password');
  const domainId = params.get('domainid');
  const domain = domainId ? await store.tenancy.getDomain(domainId) : await store.tenancy.domainByPath(domainPathOf(params.get('domain')));
  const refused = () => new LoginError(`Failed to authenticate user ${username} in domain ${domain?.id ?? domainId ?? params.get('domain') ?? '/'}; please provide valid credentials`);
  const user = await store.tenancy.userByName(username);
  const matches = await passwordMatches(password, user?.passwordHash);
  if (!domain || !user || user.domainId !== domain.id || user.username.toLowerCase() !== username.toLowerCase() || !matches) throw refused();
  const account = await store.tenancy.getAccount(user.accountId, true);
  if (!account) throw refused();
  if (user.state !== 'enabled' || account.state !== 'enabled')
    throw new LoginError(`User ${user.username} (or their account) in domain ${domain.name} is disabled/locked. Please contact the administrator.`);

  const caller: Caller = { userId: user.id, username: user.username, accountId: account.id, accountName: account.name, domainId: domain.id, domainPath: domain.path, role: account.role };
  const key = randomBytes(32).toString('base64url');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  await store.sessions.create(key, { caller, created: now.toISOString(), expiresAt: nowSeconds + SESSION_TIMEOUT_SECONDS });
  await store.events.record(newEvent({ type: 'USER.LOGIN', caller, description: `user has logged in from IP Address ${sourceIp}`, resource: { type: 'User', id: user.id, name: user.username } }), now).catch(() => undefined);
  return {
    // CloudStack's LoginCmdResponse: every value a string.
    body: {
      loginresponse: {
        username: user.username,
        userid: user.id,
        domainid: domain.id,
        timeout: String(SESSION_TIMEOUT_SECONDS),
        account: account.name,
        firstname: user.firstName ?? '',
        lastname: user.lastName ?? '',
        type: ACCOUNT_TYPE[account.role],
        ...(user.timezone ? { timezone: user.timezone } : {}),
        registered: 'false',
        sessionkey: key,
      },
    },
    cookies: [`sessionkey=${key}; Path=/; SameSite=Strict; Max-Age=${SESSION_TIMEOUT_SECONDS}`],
  };
}

/** The caller of a live session whose user and account are still enabled; its end moved on. */
export async function sessionCaller(store: Store, key: string, now: Date): Promise<Caller | undefined> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const session = await store.sessions.get(key, nowSeconds);
  if (!session) return undefined;
  // Disabling an account or user ends its sessions at once: both are read with the session.
  const [user, account] = await Promise.all([store.tenancy.getUser(session.caller.userId, true), store.tenancy.getAccount(session.caller.accountId, true)]);
  if (!user || user.state !== 'enabled' || !account || account.state !== 'enabled') return undefined;
  const until = nowSeconds + SESSION_TIMEOUT_SECONDS;
  if (until - session.expiresAt >= EXTEND_AFTER_SECONDS) await store.sessions.extend(key, until, nowSeconds);
  return session.caller;
}

/** `logout`: the session ends for every API front at once. */
export async function logout(store: Store, key: string, caller: Caller, now: Date): Promise<LoginResult> {
  await store.sessions.delete(key);
  await store.events.record(newEvent({ type: 'USER.LOGOUT', caller, description: 'user has logged out', resource: { type: 'User', id: caller.userId, name: caller.username } }), now).catch(() => undefined);
  return { body: { logoutresponse: { description: 'success' } }, cookies: ['sessionkey=; Path=/; SameSite=Strict; Max-Age=0'] };
}

/** The parameters of a login or logout request, by lower-case name (first value). */
export function paramMap(params: readonly RawParam[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) if (!out.has(k.toLowerCase())) out.set(k.toLowerCase(), v);
  return out;
}
