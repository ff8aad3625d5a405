import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { fingerprintOf, publicKeyFromKeyMaterial } from '../../../core/ssh-keys';
import { toSshKeyPairResponse } from '../../views/sshKeyPair';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { ownerFor, ownerParams } from '../owner';
import { saveKeyPair } from '../ssh-key-pairs';

export default defineCommand({
  name: 'registerSSHKeyPair',
  description: 'Register a public key in a keypair under a certain name',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'keypair',
  related: ['createSSHKeyPair', 'listSSHKeyPairs', 'deleteSSHKeyPair', 'resetSSHKeyForVirtualMachine'],
  params: z.object({
    name: cs.string().meta({ description: 'Name of the keypair' }),
    publickey: cs.string(5120).meta({ description: 'Public key material of the keypair' }),
    ...ownerParams('ssh key'),
  }),
  async handle(ctx) {
    const { params, store, now } = ctx;
    const owner = await ownerFor(ctx, params);
    const publicKey = publicKeyFromKeyMaterial(params.publickey);
    if (!publicKey) throw new InvalidParameterError('Public key is invalid');
    const pair = await saveKeyPair(ctx, { id: randomUUID(), name: params.name, publicKey, fingerprint: fingerprintOf(publicKey), ...owner, created: now.toISOString() });
    return { kind: 'object', key: 'keypair', value: toSshKeyPairResponse(pair, (await store.inventory.getDomain(pair.domainId))?.name) };
  },
});
