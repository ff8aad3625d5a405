import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { StoredAccount } from '../../store/tenancy';
import { ACCOUNT_TYPE } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { listOf } from '../listing';
import { listParams } from '../paging';
import { cs } from '../params';
import { accountOwner, accountsInScope, scopeParams, visibleDomain, type ListScope } from '../scope';
import { accountResponse } from '../tenancy';

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
    let accounts: StoredAccount[];
    if (params.id) {
      const account = await store.tenancy.getAccount(params.id);
      const visible = account && canAccess(caller, await accountOwner(store, account)) && (!domain || account.domainId === domain.id);
      accounts = visible ? [account] : [];
    } else {
      const admin = caller.role !== 'user';
      let scope: ListScope;
      if (params.listall === true && admin) scope = { kind: 'domain', domain: domain ?? { id: caller.domainId, path: caller.domainPath }, recursive: true };
      else if (!admin || !domain) scope = { kind: 'accounts', accountIds: [caller.accountId] };
      else scope = { kind: 'domain', domain, recursive: params.isrecursive === true };
      accounts = await accountsInScope(store, scope);
    }
    const matching = accounts.filter(
      (a) =>
        (params.name === undefined || a.name.toLowerCase() === params.name.toLowerCase()) &&
        (params.accounttype === undefined || ACCOUNT_TYPE[a.role] === params.accounttype) &&
        (params.state === undefined || a.state === params.state.toLowerCase()),
    );
    return listOf('account', matching, { keyword: params.keyword, page: params.page, pagesize: params.pagesize }, (a) => [a.name], (a) => accountResponse(store, a));
  },
});
