import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Account, Role } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { NameTakenError } from '../../store/name-taken';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { defaultDomain, visibleDomain } from '../scope';
import { accountResponse, checkNetworkDomain, checkNewUser, checkPrivilege, newUser, userExistsText } from '../tenancy';

const BY_ACCOUNT_TYPE: Record<number, Role> = { 0: 'user', 1: 'rootAdmin', 2: 'domainAdmin' };
const BY_ROLE_TYPE: Record<string, Role> = { admin: 'rootAdmin', domainadmin: 'domainAdmin', user: 'user' };
const TYPE_NAME: Record<Role, string> = { rootAdmin: 'ADMIN', domainAdmin: 'DOMAIN_ADMIN', user: 'NORMAL' };

/** The role asked for: `roletype` wins over `accounttype`, as a role wins in RoleType.getAccountTypeByRole. */
function roleOf(accounttype: number | undefined, roletype: string | undefined): Role {
  if (roletype !== undefined) {
    const role = BY_ROLE_TYPE[roletype.toLowerCase()];
    if (!role) throw new InvalidParameterError(`Invalid role type ${roletype}: use Admin, DomainAdmin or User`);
    return role;
  }
  if (accounttype === undefined) throw new InvalidParameterError('Neither account type and role ID are not provided');
  const role = BY_ACCOUNT_TYPE[accounttype];
  if (!role) throw new InvalidParameterError(`Invalid account type ${accounttype}: use 0 (user), 1 (root admin) or 2 (domain admin)`);
  return role;
}

export default defineCommand({
  name: 'createAccount',
  description: 'Creates an account',
  access: ['rootAdmin', 'domainAdmin'],
  async: false,
  responseKey: 'account',
  params: z.object({
    accounttype: cs.int().optional().meta({ type: 'short', description: 'Type of the account.  Specify 0 for user, 1 for root admin, and 2 for domain admin' }),
    roletype: cs.string().optional().meta({ description: 'Creates the account with this role type (Admin, DomainAdmin or User); stands in for roleid until roles exist' }),
    email: cs.string().meta({ description: 'email' }),
    firstname: cs.string().meta({ description: 'firstname' }),
    lastname: cs.string().meta({ description: 'lastname' }),
    password: cs.string().meta({ description: 'Clear text password (Default hashed to SHA256SALT).' }),
    username: cs.string().meta({ description: 'Unique username.' }),
    account: cs.string().optional().meta({ description: 'Name of the account to be created. The user will be added to this newly created account. If no account is specified, the username will be used as the account name.' }),
    domainid: cs.uuid().optional().meta({ description: 'Creates the user under the specified domain.' }),
    networkdomain: cs.string().optional().meta({ description: "Network domain for the account's networks" }),
    timezone: cs.string().optional().meta({ description: 'Specifies a timezone for this command.' }),
  }),
  async handle(ctx) {
    const { params, store, caller, now } = ctx;
    // AccountManagerImpl.createUserAccount, in its order of checks.
    if (params.password === '') throw new InvalidParameterError('Empty passwords are not allowed');
    const role = roleOf(params.accounttype, params.roletype);
    const accountName = params.account ?? params.username;
    checkNewUser(params);
    const domain = params.domainid ? await visibleDomain(ctx, params.domainid) : await defaultDomain(ctx);
    checkNetworkDomain(params.networkdomain);
    if (role === 'rootAdmin' && domain.path !== 'ROOT')
      throw new InvalidParameterError(`Invalid account type ${TYPE_NAME[role]} given for an account in domain ${domain.path}; unable to create user of admin role type in non-ROOT domain.`);
    if (accountName.trim() === '') throw new InvalidParameterError('Account name is empty');

    const created = now.toISOString();
    const account: Account = {
      id: randomUUID(),
      name: accountName,
      domainId: domain.id,
      domainPath: domain.path,
      role,
      state: 'enabled',
      networkDomain: params.networkdomain,
      created,
      version: 1,
    };
    checkPrivilege(caller, account);
    const user = await newUser(store, params, { accountId: account.id, domainId: domain.id }, created);
    try {
      await store.tenancy.putAccount(account, user);
    } catch (err) {
      if (err instanceof NameTakenError) throw new InvalidParameterError(err.kind === 'USER' ? userExistsText(params.username) : `The specified account: ${accountName} already exists`);
      throw err;
    }
    return { kind: 'object', key: 'account', value: await accountResponse(store, account, [user]) };
  },
});
