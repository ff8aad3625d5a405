import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AccountState, AsyncJob } from '../../../core/entities';
import { InternalError, PermissionDeniedError } from '../../../core/errors';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { accountForCaller, accountResponse, checkPrivilege, DEFAULT_ADMIN_ACCOUNT_ID } from '../tenancy';

export default defineCommand({
  name: 'disableAccount',
  description: 'Disables an account',
  access: ['rootAdmin', 'domainAdmin'],
  async: true,
  responseKey: 'account',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'Account id' }),
    account: cs.string().optional().meta({ description: 'Disables specified account.' }),
    domainid: cs.uuid().optional().meta({ description: 'Disables specified account in this domain.' }),
    lock: cs.boolean().meta({ description: 'If true, only lock the account; else disable the account' }),
  }),
  async handle(ctx) {
    const { params, store, caller, now } = ctx;
    const account = await accountForCaller(ctx, params);
    if (account.id === DEFAULT_ADMIN_ACCOUNT_ID) throw new PermissionDeniedError(`Account: ${account.name} is the default admin account, disable is not allowed`);
    checkPrivilege(caller, account);

    // AccountManagerImpl.lockAccount locks only an enabled account; disableAccount takes any other state.
    const target: AccountState = params.lock ? 'locked' : 'disabled';
    if (params.lock && account.state === 'disabled') throw new InternalError(`Unable to lock account ${account.name}: only an enabled account can be locked, and it is disabled`);

    // The state change is the whole of the work here, so the job is written complete in the same
    // transaction and a client polling it finds the result at once. CloudStack also stops the
    // account's VMs on disable; Stratus does not yet (docs/decisions.md).
    const at = now.toISOString();
    const job: AsyncJob = {
      id: randomUUID(),
      cmd: 'org.apache.cloudstack.api.command.admin.account.DisableAccountCmd',
      workflow: 'none',
      accountId: caller.accountId,
      accountName: caller.accountName,
      userId: caller.userId,
      domainId: caller.domainId,
      domainPath: caller.domainPath,
      instanceType: 'Account',
      instanceId: account.id,
      status: 1,
      resultCode: 0,
      result: { account: await accountResponse(store, { ...account, state: target }) },
      steps: [],
      created: at,
      completed: at,
      version: 1,
    };
    await store.tenancy.setAccountState(account.id, target, store.credentials, await store.jobs.completedOperations(job));
    store.credentials.forgetAccount(account.id);
    return { kind: 'async', jobid: job.id };
  },
});
