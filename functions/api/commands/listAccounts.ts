import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { StoredAccount } from '../../store/tenancy';
import { ACCOUNT_TYPE } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { catalogueSource, pageOf } from '../listing';
import { cataloguePartition } from '../../store/indexing';
import { Conditions, type ListSpec } from '../../store/listing';
import type { Role } from '../../../core/entities';
import { listParams } from '../paging';
import { cs } from '../params';
import { accountOwner, scopeParams, visibleDomain, type ListScope } from '../scope';
import { accountResponse } from '../tenancy';

const ROLES: readonly Role[] = ['user', 'rootAdmin', 'domainAdmin'];

export default defineCommand({
  name: 'listAccounts',
  description: 'Lists accounts and provides detailed account information for listed accounts',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'account',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list account by account ID' }),
    name: cs.string().optional().meta({ description: 'list account by account name' }),
    accounttype: cs.int().optional().meta({ description: 'list accounts by account type. Valid account types are 1 (admin), 2 (domain-admin), and 0 (user).' }),
    state: cs.string().optional().meta({ description: 'list accounts by state. Valid states are enabled, disabled, and locked.' }),
    domainid: scopeParams.domainid,
    isrecursive: scopeParams.isrecursive,
    listall: scopeParams.listall,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    // QueryManagerImpl.searchForAccounts: `listall` matters only to admins; a user sees its own account.
    const domain = params.domainid ? await visibleDomain(ctx, params.domainid) : undefined;
    const where = new Conditions();
    let source: Pick<ListSpec, 'index' | 'kind' | 'partitions'>;
    if (params.id) {
      const account = await store.tenancy.getAccount(params.id);
      const visible = account && canAccess(caller, await accountOwner(store, account)) && (!domain || account.domainId === domain.id);
      if (!visible) where.in('id', []);
      source = catalogueSource('ACCOUNT', params.id);
    } else {
      const admin = caller.role !== 'user';
      let scope: ListScope;
      if (params.listall === true && admin) scope = { kind: 'domain', domain: domain ?? { id: caller.domainId, path: caller.domainPath }, recursive: true };
      else if (!admin || !domain) scope = { kind: 'accounts', accountIds: [caller.accountId] };
      else scope = { kind: 'domain', domain, recursive: params.isrecursive === true };
      if (scope.kind === 'accounts') source = { kind: 'ACCOUNT', partitions: scope.accountIds };
      else {
        const domains = scope.recursive ? await store.tenancy.domainTree(scope.domain) : [scope.domain];
        source = { index: 'gsi2', partitions: domains.map((d) => cataloguePartition('ACCOUNT', 'DOMAIN', d.id)) };
      }
    }
    // An account's search text is its name in lower case: the name compared as CloudStack's collation does.
    if (params.name !== undefined) where.eq('text', params.name.toLowerCase());
    if (params.accounttype !== undefined) where.in('role', ROLES.filter((r) => ACCOUNT_TYPE[r] === params.accounttype));
    where.eq('state', params.state?.toLowerCase()).contains('text', params.keyword?.toLowerCase());
    return pageOf<StoredAccount>(store, 'account', { ...source, filter: where.build() }, params, (a) => accountResponse(store, a));
  },
});
