import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { User } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { toUserResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { accountOwner } from '../scope';
import { passwordMatches } from '../sessions';
import { checkPrivilege, DEFAULT_ADMIN_USER_ID, hashPassword } from '../tenancy';

export default defineCommand({
  name: 'updateUser',
  description: 'Updates a user account',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'user',
  params: z.object({
    id: cs.uuid().meta({ description: 'User uuid' }),
    password: cs.string().optional().meta({ description: 'Clear text password (default hashed to SHA256SALT). If you wish to use any other hashing algorithm, you would need to write a custom authentication adapter. Can\'t be passed when command is executed via integration.api.port' }),
    currentpassword: cs.string().optional().meta({ description: 'Current password that was being used by the user. You must inform the current password when updating the password.', since: '4.16' }),
    firstname: cs.string().optional().meta({ description: 'first name' }),
    lastname: cs.string().optional().meta({ description: 'last name' }),
    email: cs.string().optional().meta({ description: 'email' }),
    timezone: cs.string().optional().meta({ description: 'Specifies a timezone for this command. For more information on the timezone parameter, see Time Zone Format.' }),
  }),
  refused: {
    username: 'usernames cannot be changed',
    userapikey: 'API keys are made by registerUserKeys',
    usersecretkey: 'API keys are made by registerUserKeys',
    mandate2fa: 'two-factor authentication is not supported',
  },
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const user = await store.tenancy.getUser(params.id, true);
    const account = user ? await store.tenancy.getAccount(user.accountId, true) : undefined;
    if (!user || !account || !canAccess(caller, await accountOwner(store, account))) throw new EntityNotFoundError(command, 'id', params.id);
    checkPrivilege(caller, account);
    const after: User = { ...user };
    if (params.firstname !== undefined) after.firstName = params.firstname;
    if (params.lastname !== undefined) after.lastName = params.lastname;
    if (params.email !== undefined) after.email = params.email;
    if (params.timezone !== undefined) after.timezone = params.timezone;
    if (params.password !== undefined) {
      // AccountManagerImpl.validateUserPasswordAndUpdateIfNeeded, with its texts.
      if (params.password.trim() === '') throw new InvalidParameterError('Password cannot be empty or blank.');
      // Users (and admins changing their own) give the current one; an admin resetting another's need not.
      if (caller.role === 'user' || caller.userId === user.id) {
        if (!params.currentpassword) throw new InvalidParameterError('To set a new password the current password must be provided.');
        if (!(await passwordMatches(params.currentpassword, user.passwordHash))) throw new InvalidParameterError('Current password is incorrect.');
      }
      after.passwordHash = await hashPassword(params.password);
    }
    await store.tenancy.updateUser(user, after);
    const domain = await store.tenancy.getDomain(user.domainId);
    return { kind: 'object', key: 'user', value: toUserResponse(after, account, domain, user.id === DEFAULT_ADMIN_USER_ID) };
  },
});
