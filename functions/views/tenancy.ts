import type { Account, Domain, Role, User } from '../../core/entities';
import { csDate } from './format';

/** Domain, account and user objects (DomainResponse, AccountResponse, UserResponse) with CloudStack's field names and types. */

/** Account.Type ordinals (`accounttype`): 0 user, 1 root admin, 2 domain admin. */
export const ACCOUNT_TYPE: Record<Role, number> = { user: 0, rootAdmin: 1, domainAdmin: 2 };
export const ROLE_TYPE: Record<Role, string> = { rootAdmin: 'Admin', domainAdmin: 'DomainAdmin', user: 'User' };
const ROLE_NAME: Record<Role, string> = { rootAdmin: 'Root Admin', domainAdmin: 'Domain Admin', user: 'User' };

/** ROOT is level 0, its children 1, and so on. */
export const domainLevel = (d: Pick<Domain, 'path'>) => d.path.split('/').length - 1;

export const toDomainResponse = (d: Domain, related: { parent?: Domain; hasChild: boolean; limits?: Record<string, string | number> }) => ({
  id: d.id,
  name: d.name,
  level: domainLevel(d),
  ...(related.parent ? { parentdomainid: related.parent.id, parentdomainname: related.parent.name } : {}),
  haschild: related.hasChild,
  networkdomain: d.networkDomain,
  path: d.path,
  state: 'Active',
  created: csDate(d.created),
  hasannotations: false,
  ...related.limits,
});

export const toUserResponse = (u: User, account: Account | undefined, domain: Domain | undefined, isDefault: boolean) => ({
  id: u.id,
  username: u.username,
  firstname: u.firstName,
  lastname: u.lastName,
  email: u.email,
  created: csDate(u.created),
  state: u.state,
  account: account?.name,
  accountid: u.accountId,
  accounttype: account ? ACCOUNT_TYPE[account.role] : undefined,
  roletype: account ? ROLE_TYPE[account.role] : undefined,
  rolename: account ? ROLE_NAME[account.role] : undefined,
  domainid: u.domainId,
  domain: domain?.name,
  domainpath: domain?.path,
  timezone: u.timezone,
  apikey: u.apiKey,
  isdefault: isDefault,
  usersource: 'native',
  is2faenabled: false,
  is2famandated: false,
});

export const toAccountResponse = (a: Account, domain: Domain | undefined, users: Array<ReturnType<typeof toUserResponse>>, isDefault: boolean, limits: Record<string, string | number> = {}) => ({
  id: a.id,
  name: a.name,
  accounttype: ACCOUNT_TYPE[a.role],
  roletype: ROLE_TYPE[a.role],
  rolename: ROLE_NAME[a.role],
  domainid: a.domainId,
  domain: domain?.name,
  domainpath: domain?.path,
  networkdomain: a.networkDomain,
  state: a.state,
  isdefault: isDefault,
  iscleanuprequired: false,
  created: csDate(a.created),
  ...limits,
  user: users,
});
