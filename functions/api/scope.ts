import { canAccess, inDomainTree, type Owned } from '../../core/access';
import type { Caller, Domain } from '../../core/entities';
import { EntityNotFoundError, InternalError, InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import type { Store } from '../store';
import type { StoredAccount } from '../store/tenancy';
import { cs } from './params';

/**
 * Who sees what in a list, in one place for every list command: CloudStack's
 * AccountManagerImpl.buildACLSearchParameters (`account`, `domainid`, `isrecursive`, `listall`) turned
 * into a scope, and the scope read through indexes (never Scan). Resources a caller may not see are
 * simply not listed; a named domain or account the caller may not see is answered like a missing one.
 */

interface Ctx {
  caller: Caller;
  store: Store;
  command: string;
}

/** The shared scoping parameters; list commands spread these into their schema. */
export const scopeParams = {
  account: cs.string().optional().meta({ description: 'list resources by account. Must be used with the domainId parameter.' }),
  domainid: cs.uuid().optional().meta({ description: 'list only resources belonging to the domain specified' }),
  isrecursive: cs.boolean().optional().meta({ description: 'defaults to false, but if true, lists all resources from the parent specified by the domainId till leaves.' }),
  listall: cs.boolean().optional().meta({
    description: "If set to false, list only resources belonging to the command's caller; if set to true - list resources that the caller is authorized to see. Default value is false",
  }),
};

export interface ScopeInput {
  account?: string;
  domainid?: string;
  isrecursive?: boolean;
  listall?: boolean;
}

export type ListScope =
  | { kind: 'everything' }
  | { kind: 'accounts'; accountIds: string[] }
  | { kind: 'domain'; domain: Pick<Domain, 'id' | 'path'>; recursive: boolean };

/** Whether the caller may name a domain (DomainChecker.checkAccess): root any, a domain admin its subtree, a user its own. */
export function canSeeDomain(caller: Caller, domain: Pick<Domain, 'id' | 'path'>): boolean {
  switch (caller.role) {
    case 'rootAdmin':
      return true;
    case 'domainAdmin':
      return inDomainTree(domain.path, caller.domainPath);
    case 'user':
      return domain.id === caller.domainId;
  }
}

/** The domain a parameter names, if the caller may see it; otherwise 431 as for an unknown id. */
export async function visibleDomain(ctx: Ctx, id: string, param = 'domainid'): Promise<Domain> {
  const domain = await ctx.store.tenancy.getDomain(id);
  if (!domain || !canSeeDomain(ctx.caller, domain)) throw new EntityNotFoundError(ctx.command, param, id);
  return domain;
}

/**
 * The domain a command acts in when the request names none: ROOT, as in CloudStack. Only the root
 * admin and ROOT's own admins may act there; others get DomainChecker's refusal (ROOT is no secret).
 */
export async function defaultDomain(ctx: Ctx): Promise<Domain> {
  const root = await ctx.store.tenancy.domainByPath('ROOT');
  if (!root) throw new InternalError('The ROOT domain is missing: the bootstrap has not run');
  if (!canSeeDomain(ctx.caller, root)) throw new PermissionDeniedError(`Account ${ctx.caller.accountName} does not have permission to operate within domain id=${root.id}`);
  return root;
}

/** An account as canAccess sees it (accounts older than tenancy read their domain's path). */
export async function accountOwner(store: Store, account: StoredAccount): Promise<Owned> {
  const domainPath = account.domainPath ?? (await store.tenancy.getDomain(account.domainId))?.path;
  return { accountId: account.id, domainPath: domainPath ?? '' };
}

/**
 * The scope of a list (buildACLSearchParameters): `account` (in `domainid` or the caller's domain)
 * narrows to that account; a user sees only its own account; `domainid` lists that domain (its
 * subtree with `isrecursive=true`); otherwise `listall=true`, or asking for one `id`, widens an admin
 * to everything it administers, and without either every caller lists its own account.
 */
export async function resolveScope(ctx: Ctx, p: ScopeInput, id?: string): Promise<ListScope> {
  const { caller, store } = ctx;
  const domain = p.domainid ? await visibleDomain(ctx, p.domainid) : undefined;
  if (p.account !== undefined) {
    const where = domain ?? { id: caller.domainId };
    const account = await store.tenancy.accountByName(where.id, p.account);
    if (!account || !canAccess(caller, await accountOwner(store, account))) throw new InvalidParameterError(`could not find account ${p.account} in domain ${where.id}`);
    return { kind: 'accounts', accountIds: [account.id] };
  }
  if (caller.role === 'user') return { kind: 'accounts', accountIds: [caller.accountId] };
  if (domain) return { kind: 'domain', domain, recursive: p.isrecursive === true };
  if (p.listall !== true && id === undefined) return { kind: 'accounts', accountIds: [caller.accountId] };
  return caller.role === 'rootAdmin' ? { kind: 'everything' } : { kind: 'domain', domain: { id: caller.domainId, path: caller.domainPath }, recursive: true };
}

/** The accounts a scope covers (listUsers' `accounttype`: users do not carry their account's type). */
export async function accountsInScope(store: Store, scope: ListScope): Promise<StoredAccount[]> {
  switch (scope.kind) {
    case 'accounts':
      return (await Promise.all(scope.accountIds.map((id) => store.tenancy.getAccount(id)))).filter((a): a is StoredAccount => !!a);
    case 'everything':
      return store.tenancy.listAccounts();
    case 'domain': {
      const domains = scope.recursive ? await store.tenancy.domainTree(scope.domain) : [scope.domain];
      return (await Promise.all(domains.map((d) => store.tenancy.accountsInDomain(d.id)))).flat();
    }
  }
}

/** Destroyed and Expunging VMs: admins see them; users only where allow.user.view.destroyed.vm is true (QueryManagerImpl). */
export async function canSeeDestroyed(caller: Caller, store: Store): Promise<boolean> {
  return caller.role !== 'user' || store.settings.getBoolean('allow.user.view.destroyed.vm');
}
