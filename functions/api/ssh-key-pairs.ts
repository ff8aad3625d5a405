import type { Caller, SshKeyPair } from '../../core/entities';
import { InvalidParameterError } from '../../core/errors';
import type { Store } from '../store';
import { KeyPairTakenError } from '../store/ssh-keys';

/** What the SSH key pair commands and the VM commands that take `keypair`/`keypairs` share. */

interface Ctx {
  store: Store;
  caller: Caller;
}

/**
 * Store a new pair; a name or public key the account holds already gets CloudStack's texts
 * (createSSHKeyPair's name refusal ends `already exists.`, registerSSHKeyPair's `for this account.`).
 */
export async function saveKeyPair({ store }: Ctx, pair: SshKeyPair, nameTakenSuffix = 'already exists for this account.'): Promise<SshKeyPair> {
  if (pair.name.trim() === '') throw new InvalidParameterError("Please specify a valid name for the key pair. The key name can't be empty");
  try {
    await store.sshKeys.create(pair);
  } catch (err) {
    if (err instanceof KeyPairTakenError && err.what === 'name') throw new InvalidParameterError(`A key pair with name '${pair.name}' ${nameTakenSuffix}`);
    if (err instanceof KeyPairTakenError) throw new InvalidParameterError(`A key pair with key '${pair.publicKey}' already exists for this account.`);
    throw err;
  }
  return pair;
}

/** `keypair` and `keypairs` together (DeployVMCmd.getSSHKeyPairNames), each name once, in the order given. */
export function keyPairNames(p: { keypair?: string; keypairs?: string[] }): string[] {
  return [...new Set([...(p.keypair !== undefined ? [p.keypair] : []), ...(p.keypairs ?? [])])];
}

/** The owner's pairs by name, every one of them present, as a VM keeps them; `text` is CloudStack's refusal (its spelling). */
export async function keyPairsOf(store: Store, accountId: string, names: readonly string[], text: string): Promise<Array<{ name: string; publicKey: string }>> {
  const found = await store.sshKeys.findByNames(accountId, names);
  if (found.some((k) => k === undefined)) throw new InvalidParameterError(text);
  return found.map((k) => ({ name: k!.name, publicKey: k!.publicKey }));
}
