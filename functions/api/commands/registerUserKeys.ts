import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { Caller } from '../../../core/entities';
import { EntityNotFoundError } from '../../../core/errors';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { accountOwner } from '../scope';
import { checkPrivilege, newKeyText } from '../tenancy';

export default defineCommand({
  name: 'registerUserKeys',
  description: 'This command allows a user to register for the developer API, returning a secret key and an API key. Any key the user had stops working.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'userkeys',
  params: z.object({
    id: cs.uuid().meta({ description: 'User id' }),
  }),
  async handle({ params, store, caller, command }) {
    // AccountManagerImpl.createApiKeyAndSecretKey: the caller must reach the user's account and outrank it (or own it).
    const user = await store.tenancy.getUser(params.id, true);
    const account = user ? await store.tenancy.getAccount(user.accountId, true) : undefined;
    if (!user || !account) throw new EntityNotFoundError(command, 'id', params.id);
    const owner = await accountOwner(store, account);
    if (!canAccess(caller, owner)) throw new EntityNotFoundError(command, 'id', params.id);
    checkPrivilege(caller, account);

    const apiKey = newKeyText();
    const secretKey = newKeyText();
    // The key carries who it authenticates, so a request needs one read (credentials.ts).
    const keyCaller: Caller = {
      userId: user.id,
      username: user.username,
      accountId: account.id,
      accountName: account.name,
      domainId: account.domainId,
      domainPath: owner.domainPath,
      role: account.role,
    };
    await store.tenancy.replaceUserKeys(user, { apiKey, secretKey, caller: keyCaller }, store.credentials);
    if (user.apiKey) store.credentials.forget(user.apiKey);
    return { kind: 'object', key: 'userkeys', value: { apikey: apiKey, secretkey: secretKey } };
  },
});
