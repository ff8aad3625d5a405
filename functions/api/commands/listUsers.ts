import { z } from 'zod';
import type { User } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { ACCOUNT_TYPE, toUserResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { listOf } from '../listing';
import { listParams } from '../paging';
import { cs } from '../params';
import { accountsInScope, resolveScope, scopeParams } from '../scope';
import { DEFAULT_ADMIN_USER_ID } from '../tenancy';

export default defineCommand({
  name: 'listUsers',
  description: 'Lists user accounts',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'user',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'List user by ID.' }),
    username: cs.string().optional().meta({ description: 'List user by the username' }),
    accounttype: cs.int().optional().meta({ description: 'List users by account type. Valid types include admin, domain-admin, read-only-admin, or user.' }),
    state: cs.string().optional().meta({ description: 'List users by state of the user account.' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    // QueryManagerImpl.searchForUsers: a user sees only itself; admins list by the shared scope.
    const scope = await resolveScope(ctx, params, params.id);
    const accounts = await accountsInScope(store, scope);
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const users = (await Promise.all(accounts.map((a) => store.tenancy.usersOfAccount(a.id)))).flat().sort((a, b) => a.created.localeCompare(b.created));
    const matching = users.filter(
      (u: User) =>
        (caller.role !== 'user' || u.id === caller.userId) &&
        (params.id === undefined || u.id === params.id) &&
        (params.username === undefined || u.username.toLowerCase() === params.username.toLowerCase()) &&
        (params.accounttype === undefined || ACCOUNT_TYPE[byId.get(u.accountId)!.role] === params.accounttype) &&
        (params.state === undefined || u.state === params.state.toLowerCase()),
    );
    const names = createLookups(store);
    return listOf(
      'user',
      matching,
      { keyword: params.keyword, page: params.page, pagesize: params.pagesize },
      (u) => [u.username, u.firstName, u.lastName, u.email],
      async (u) => toUserResponse(u, byId.get(u.accountId), await names.domain(u.domainId), u.id === DEFAULT_ADMIN_USER_ID),
    );
  },
});
