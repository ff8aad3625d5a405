import type { Account, Caller, Domain } from '../../core/entities';
import { InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import { RESOURCE_TYPES, resourceTypeById, resourceTypeByName, shownLimit, UNCOUNTED_TYPES, type ResourceType } from '../../core/resource-limits';
import type { Store } from '../store';
import { accountCountsKey, domainCountsKey } from '../store/keys';
import { canSeeDomain } from './scope';

/**
 * What listResourceLimits, updateResourceLimit and updateResourceCount share: whose limits a call
 * names, which types, and the response objects (ResourceLimitResponse, ResourceCountResponse).
 */

export type LimitOwner = { kind: 'account'; account: Account; domain: Domain } | { kind: 'domain'; domain: Domain };

/** The types a call names: one by `resourcetypename` (which wins) or `resourcetype`, else all Stratus counts. */
export function typesNamed(p: { resourcetype?: number; resourcetypename?: string }): readonly ResourceType[] {
  if (p.resourcetypename !== undefined) {
    const t = resourceTypeByName(p.resourcetypename);
    if (t) return [t];
    const uncounted = Object.entries(UNCOUNTED_TYPES).find(([, name]) => name === p.resourcetypename!.toLowerCase());
    throw uncounted ? notCounted(Number(uncounted[0])) : new InvalidParameterError(`Please specify a valid resource type name: ${p.resourcetypename}`);
  }
  if (p.resourcetype !== undefined) return [typeById(p.resourcetype)];
  return RESOURCE_TYPES;
}

/** A type by its number, refusing those CloudStack knows and Stratus does not count by name. */
export function typeById(id: number): ResourceType {
  const t = resourceTypeById(id);
  if (t) return t;
  if (UNCOUNTED_TYPES[id]) throw notCounted(id);
  throw new InvalidParameterError('Please specify valid resource type');
}

const notCounted = (id: number) =>
  new InvalidParameterError(`Resource type ${id} (${UNCOUNTED_TYPES[id]}) is not counted by Stratus, so no limit on it could be kept: the counted types are ${RESOURCE_TYPES.map((t) => `${t.id} (${t.name})`).join(', ')}`);

/** The domain named by id, if the caller may see it (CloudStack's checkAccess on a domain). */
export async function domainForCaller(store: Store, caller: Caller, id: string): Promise<Domain> {
  const domain = await store.tenancy.getDomain(id);
  if (!domain || !canSeeDomain(caller, domain)) throw new InvalidParameterError(`Unable to find domain by id ${id}`);
  return domain;
}

/** `account` (with `domainid`) names an account; `domainid` alone a domain; neither, for a listing, the caller's account. */
export async function limitOwner(store: Store, caller: Caller, p: { account?: string; domainid?: string }, fallBackToCaller: boolean): Promise<LimitOwner | undefined> {
  if (p.account !== undefined && p.domainid === undefined) throw new InvalidParameterError('AccountName and domainId must be specified together');
  if (caller.role === 'user' || (p.domainid === undefined && fallBackToCaller)) {
    const [account, domain] = await Promise.all([store.tenancy.getAccount(caller.accountId), store.tenancy.getDomain(caller.domainId)]);
    return account && domain ? { kind: 'account', account, domain } : undefined;
  }
  if (p.domainid === undefined) return undefined;
  const domain = await domainForCaller(store, caller, p.domainid);
  if (p.account === undefined) return { kind: 'domain', domain };
  const account = await store.tenancy.accountByName(domain.id, p.account);
  if (!account) throw new InvalidParameterError(`Unable to find account ${p.account} in domain ${domain.id}`);
  return { kind: 'account', account, domain };
}

/** The limits in force for an owner, per type, in the counted unit (bytes for storage). */
export async function limitsOf(store: Store, owner: LimitOwner) {
  return owner.kind === 'account' ? store.resourceCounts.accountLimits(owner.account) : store.resourceCounts.domainLimits(owner.domain.path);
}

export const countsKeyOf = (owner: LimitOwner) => (owner.kind === 'account' ? accountCountsKey(owner.account.id) : domainCountsKey(owner.domain.path));

const ownerFields = (owner: LimitOwner) => ({
  ...(owner.kind === 'account' ? { account: owner.account.name } : {}),
  domainid: owner.domain.id,
  domain: owner.domain.name,
  domainpath: owner.domain.path,
});

/** ResourceLimitResponse: `max` in GiB for storage. */
export const toResourceLimitResponse = (owner: LimitOwner, type: ResourceType, max: number) => ({
  ...ownerFields(owner),
  resourcetype: String(type.id),
  resourcetypename: type.name,
  max: shownLimit(type.name, max),
});

/** ResourceCountResponse: counts as kept (storage in bytes, as CloudStack shows them). */
export const toResourceCountResponse = (owner: LimitOwner, type: ResourceType, count: number) => ({
  ...ownerFields(owner),
  resourcetype: String(type.id),
  resourcetypename: type.name,
  resourcecount: count,
});

/** Who may change whose limits (ResourceLimitManagerImpl.updateResourceLimit's checks, with its texts). */
export function checkLimitChange(caller: Caller, owner: LimitOwner, max: number): void {
  if (owner.kind === 'account') {
    if (owner.account.role === 'rootAdmin' && max !== -1) throw new InvalidParameterError('Only -1 limit is supported for Root Admin accounts');
    if (caller.accountId === owner.account.id && caller.role === 'domainAdmin') throw new PermissionDeniedError(`Unable to update resource limit for their own account ${owner.account.id}, permission denied`);
    return;
  }
  if (!owner.domain.parentId) throw new PermissionDeniedError(`Cannot update resource limit for ROOT domain ${owner.domain.id}, permission denied`);
  if (caller.domainId === owner.domain.id && caller.role === 'domainAdmin') throw new PermissionDeniedError(`Unable to update resource limit for domain ${owner.domain.id}, permission denied`);
}
