import { z } from 'zod';
import { canAccess } from '../../../core/access';
import { InvalidParameterError } from '../../../core/errors';
import { NameTakenError } from '../../store/name-taken';
import { toUserResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { accountOwner, defaultDomain, visibleDomain } from '../scope';
import { checkNewUser, checkPrivilege, newUser, userExistsText } from '../tenancy';

export default defineCommand({
  name: 'createUser',
  description: 'Creates a user for an account that already exists',
  access: ['rootAdmin', 'domainAdmin'],
  async: false,
  responseKey: 'user',
  params: z.object({
    account: cs.string().meta({ description: 'Creates the user under the specified account.' }),
    domainid: cs.uuid().optional().meta({ description: 'Creates the user under the specified domain. Has to be accompanied with the account parameter' }),
    email: cs.string().meta({ description: 'Email' }),
    firstname: cs.string().meta({ description: 'Firstname' }),
    lastname: cs.string().meta({ description: 'Lastname' }),
    password: cs.string().meta({ description: 'Clear text password (Default hashed to SHA256SALT).' }),
    username: cs.string().meta({ description: 'Unique username.' }),
    timezone: cs.string().optional().meta({ description: 'Specifies a timezone for this command.' }),
  }),
  async handle(ctx) {
    const { params, store, caller, now } = ctx;
    checkNewUser(params);
    const domain = params.domainid ? await visibleDomain(ctx, params.domainid) : await defaultDomain(ctx);
    // AccountManagerImpl.createUser: an enabled account of that name in that domain.
    const account = await store.tenancy.accountByName(domain.id, params.account);
    if (!account || account.state !== 'enabled' || !canAccess(caller, await accountOwner(store, account)))
      throw new InvalidParameterError(`Unable to find account ${params.account} in domain ${domain.id} to create user`);
    checkPrivilege(caller, account);
    const user = await newUser(store, params, { accountId: account.id, domainId: domain.id }, now.toISOString());
    try {
      await store.tenancy.putUser(user);
    } catch (err) {
      if (err instanceof NameTakenError) throw new InvalidParameterError(userExistsText(params.username));
      throw err;
    }
    return { kind: 'object', key: 'user', value: toUserResponse(user, account, domain, false) };
  },
});
