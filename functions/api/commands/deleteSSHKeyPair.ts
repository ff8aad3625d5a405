import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { ownerFor, ownerParams } from '../owner';

export default defineCommand({
  name: 'deleteSSHKeyPair',
  description: 'Deletes a keypair by name',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  related: ['createSSHKeyPair', 'registerSSHKeyPair', 'listSSHKeyPairs'],
  params: z.object({
    name: cs.string().meta({ description: 'Name of the keypair' }),
    ...ownerParams('keypair'),
  }),
  async handle(ctx) {
    const { params, store } = ctx;
    const owner = await ownerFor(ctx, params);
    const pair = await store.sshKeys.findByName(owner.accountId, params.name, true);
    // VMs given the pair keep its public key (they hold a copy): nothing else changes.
    if (!pair || !(await store.sshKeys.delete(pair)))
      throw new InvalidParameterError(`A key pair with name '${params.name}' does not exist for account ${owner.accountName} in specified domain id`);
    return { kind: 'success' };
  },
});
