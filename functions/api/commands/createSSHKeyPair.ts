import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { generateSshKeyPair } from '../../../core/ssh-keys';
import { toSshKeyPairResponse } from '../../views/sshKeyPair';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { ownerFor, ownerParams } from '../owner';
import { saveKeyPair } from '../ssh-key-pairs';

export default defineCommand({
  name: 'createSSHKeyPair',
  description: 'Create a new keypair and returns the private key',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'keypair',
  related: ['registerSSHKeyPair', 'listSSHKeyPairs', 'deleteSSHKeyPair', 'resetSSHKeyForVirtualMachine'],
  params: z.object({
    name: cs.string().meta({ description: 'Name of the keypair' }),
    ...ownerParams('ssh key'),
  }),
  async handle(ctx) {
    const { params, store, now } = ctx;
    const owner = await ownerFor(ctx, params);
    const bits = await store.settings.getNumber('ssh.key.length');
    const keys = generateSshKeyPair(bits);
    const pair = await saveKeyPair(ctx, { id: randomUUID(), name: params.name, publicKey: keys.publicKey, fingerprint: keys.fingerprint, ...owner, created: now.toISOString() }, 'already exists.');
    // The private key is returned this once and stored nowhere.
    return { kind: 'object', key: 'keypair', value: toSshKeyPairResponse(pair, (await store.inventory.getDomain(pair.domainId))?.name, keys.privateKey) };
  },
});
