import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { canAccess } from '../../core/access';
import type { Account, Caller, Role, User } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import { stableId } from '../../core/ids';
import type { Store } from '../store';
import type { StoredAccount } from '../store/tenancy';
import { toAccountResponse, toUserResponse } from '../views/tenancy';
import { limitFields } from '../../core/resource-limits';
import { accountCountsKey } from '../store/keys';
import { accountOwner, visibleDomain } from './scope';

/** What the tenancy commands (createAccount, createUser, registerUserKeys, disableAccount, ...) share. */

interface Ctx {
  caller: Caller;
  store: Store;
  command: string;
}

/** The bootstrap's admin account and user (functions/bootstrap/seed.ts derives their ids from these names). */
export const DEFAULT_ADMIN_ACCOUNT_ID = stableId('account', 'admin');
export const DEFAULT_ADMIN_USER_ID = stableId('user', 'admin');

// RoleType ids order the roles: a smaller rank may act on a larger one.
const RANK: Record<Role, number> = { rootAdmin: 1, domainAdmin: 4, user: 8 };

/**
 * AccountManagerImpl.verifyCallerPrivilegeForUserOrAccountOperations: the default admin may act on
 * any account; others only on accounts of a lower role, or on their own account.
 */
export function checkPrivilege(caller: Caller, target: Pick<Account, 'id' | 'name' | 'role'>): void {
  if (caller.accountId === DEFAULT_ADMIN_ACCOUNT_ID || RANK[caller.role] < RANK[target.role]) return;
  const who = `The calling account [${caller.accountName}, ${caller.accountId}]`;
  if (RANK[caller.role] > RANK[target.role]) throw new PermissionDeniedError(`${who} has a lower role type than the user account [${target.name}, ${target.id}]`);
  // allow.operations.on.users.in.same.account is true by default: one's own account is fine.
  if (caller.accountId !== target.id) throw new PermissionDeniedError(`${who} is not allowed to perform this operation on users from other accounts of the same role type within the domain`);
}

/** An account named by `id`, or by `account` + `domainid`, if the caller may see it (disableAccount, enableAccount). */
export async function accountForCaller(ctx: Ctx, p: { id?: string; account?: string; domainid?: string }): Promise<StoredAccount> {
  const { store, caller, command } = ctx;
  if (p.id) {
    const account = await store.tenancy.getAccount(p.id, true);
    if (!account || !canAccess(caller, await accountOwner(store, account))) throw new EntityNotFoundError(command, 'id', p.id);
    return account;
  }
  if (p.account !== undefined && p.domainid) {
    const domain = await visibleDomain(ctx, p.domainid);
    const account = await store.tenancy.accountByName(domain.id, p.account);
    if (account && canAccess(caller, await accountOwner(store, account))) return account;
  }
  throw new InvalidParameterError(`Unable to find account by accountId: null OR by name: ${p.account ?? 'null'} in domain ${p.domainid ?? 'null'}`);
}

/** Refuse what CloudStack refuses before creating a user or account: an empty password or name. */
export function checkNewUser(p: { password: string; username: string; firstname: string; lastname: string }): void {
  if (p.password === '') throw new InvalidParameterError('Empty passwords are not allowed');
  if (p.username.trim() === '') throw new InvalidParameterError('Username is empty');
  if (p.firstname.trim() === '') throw new InvalidParameterError('Firstname is empty');
  if (p.lastname.trim() === '') throw new InvalidParameterError('Lastname is empty');
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const NETWORK_DOMAIN = new RegExp(`^(?=.{1,190}$)${LABEL}(?:\\.${LABEL})*$`, 'i');

/** NetUtils.verifyDomainName. */
export function checkNetworkDomain(networkDomain: string | undefined): void {
  if (networkDomain === undefined || NETWORK_DOMAIN.test(networkDomain)) return;
  throw new InvalidParameterError(
    `Invalid network domain. Total length shouldn't exceed 190 chars. Each domain label must be between 1 and 63 characters long, can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'); can't start or end with "-"`,
  );
}

/** The text for a username someone holds: usernames are unique across all domains here. */
export const userExistsText = (username: string) => `The user ${username} already exists; usernames are unique across all domains`;

/** CloudStack's numeric user id: 1 and 2 are its system and admin users, so new users start at 3. */
export async function nextUserNumber(store: Store): Promise<number> {
  return 2 + (await store.inventory.nextSequence('user'));
}

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A salted scrypt hash: Stratus keeps no password in the clear (there is no password login yet). */
/** A new enabled user of an account, as createAccount and createUser make one. */
export async function newUser(
  store: Store,
  p: { username: string; firstname: string; lastname: string; email: string; timezone?: string; password: string },
  owner: { accountId: string; domainId: string },
  created: string,
): Promise<User> {
  return {
    id: randomUUID(),
    numericId: await nextUserNumber(store),
    username: p.username,
    accountId: owner.accountId,
    domainId: owner.domainId,
    state: 'enabled',
    firstName: p.firstname,
    lastName: p.lastname,
    email: p.email,
    timezone: p.timezone,
    passwordHash: await hashPassword(p.password),
    created,
  };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** An API key or secret: 86 URL-safe characters, as the bootstrap's and CloudStack's keys. */
export const newKeyText = () => randomBytes(64).toString('base64url').slice(0, 86);

/** The account object with its users; pass `users` when they were just written (the account index may lag). */
export async function accountResponse(store: Store, account: Account, users?: User[]) {
  const key = accountCountsKey(account.id);
  const [domain, members, counts] = await Promise.all([store.tenancy.getDomain(account.domainId), users ?? store.tenancy.usersOfAccount(account.id), store.resourceCounts.read([key])]);
  const userViews = members.map((u) => toUserResponse(u, account, domain, u.id === DEFAULT_ADMIN_USER_ID));
  const own = counts.get(key.pk)!;
  const limits = limitFields(await store.resourceCounts.accountLimits(account, own), own.counts, account.role === 'rootAdmin');
  return toAccountResponse(account, domain, userViews, account.id === DEFAULT_ADMIN_ACCOUNT_ID, limits);
}
