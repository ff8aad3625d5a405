import { z } from 'zod';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { accountForCaller, accountResponse, checkPrivilege } from '../tenancy';

export default defineCommand({
  name: 'enableAccount',
  description: 'Enables an account',
  access: ['rootAdmin', 'domainAdmin'],
  async: false,
  responseKey: 'account',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'Account id' }),
    account: cs.string().optional().meta({ description: 'Enables specified account.' }),
    domainid: cs.uuid().optional().meta({ description: 'Enables specified account in this domain.' }),
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    const account = await accountForCaller(ctx, params);
    checkPrivilege(caller, account);
    const enabled = await store.tenancy.setAccountState(account.id, 'enabled', store.credentials);
    store.credentials.forgetAccount(account.id);
    return { kind: 'object', key: 'account', value: await accountResponse(store, enabled) };
  },
});
