import { z } from 'zod';
import type { User } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { ACCOUNT_TYPE, toUserResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { pageOf, scopePartitions } from '../listing';
import { Conditions } from '../../store/listing';
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
    const where = new Conditions();
    const source = await scopePartitions(store, 'USER', scope, where, params.id);
    if (caller.role === 'user') where.eq('id', caller.userId);
    if (params.username !== undefined) {
      // A user's search text starts with its username in lower case: compared as CloudStack's collation does.
      const username = params.username.toLowerCase();
      where.or((c) => c.eq('text', username), (c) => c.beginsWith('text', `${username}\n`));
    }
    if (params.accounttype !== undefined) {
      // Users do not carry their account's type: the scope's accounts of that type (a few; no VM is read).
      const accounts = await accountsInScope(store, scope);
      where.in('accountId', accounts.filter((a) => ACCOUNT_TYPE[a.role] === params.accounttype).map((a) => a.id));
    }
    where.eq('state', params.state?.toLowerCase()).contains('text', params.keyword?.toLowerCase());
    const names = createLookups(store);
    // In creation order, as CloudStack lists users (id ascending).
    return pageOf<User>(store, 'user', { ...source, filter: where.build() }, params, async (u) => {
      const [account, domain] = await Promise.all([names.account(u.accountId), names.domain(u.domainId)]);
      return toUserResponse(u, account, domain, u.id === DEFAULT_ADMIN_USER_ID);
    });
  },
});
