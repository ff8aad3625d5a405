import { createHash } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SshKeyPair } from '../../core/entities';
import { entityKey, nameClaimKey, type ItemKey } from './keys';
import { Repository } from './repository';

/** A public key held in an account: a conditional put makes a key registered once per account. */
const publicKeyClaimKey = (accountId: string, publicKey: string): ItemKey => ({
  pk: `SSHKEY#${accountId}#${createHash('sha256').update(publicKey).digest('base64url')}`,
  sk: 'SSHKEY',
});

/** Which of an account's unique values a new pair would take twice. */
export class KeyPairTakenError extends Error {
  override readonly name = 'KeyPairTakenError';
  constructor(readonly what: 'name' | 'publicKey') {
    super(`A key pair with this ${what} already exists in the account`);
  }
}

/**
 * SSH key pairs (one listed kind, SSHKEYPAIR): an account's pairs are found by name through a claim
 * item (names are unique per account, case-insensitively as CloudStack's MySQL compares them), and
 * a second claim keeps one public key from being registered twice in an account.
 */
export class SshKeysRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<SshKeyPair>('SSHKEYPAIR', id, consistent);

  /** An account's pair by name: its claim, then the pair (two reads by key). */
  async findByName(accountId: string, name: string, consistent = false): Promise<SshKeyPair | undefined> {
    const claim = (await this.db.send(new GetCommand({ TableName: this.table, Key: nameClaimKey('SSHKEYPAIR', accountId, name), ConsistentRead: consistent }))).Item;
    return claim ? this.get(claim.id as string, consistent) : undefined;
  }

  /** An account's pairs by name, in the order asked; `undefined` where a name has none. */
  findByNames(accountId: string, names: readonly string[]): Promise<Array<SshKeyPair | undefined>> {
    return Promise.all(names.map((n) => this.findByName(accountId, n, true)));
  }

  /** Store a new pair with its name and public key claimed in its account, at once. */
  async create(pair: SshKeyPair): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.listedItem('SSHKEYPAIR', pair), ConditionExpression: 'attribute_not_exists(pk)' } },
            this.claim(nameClaimKey('SSHKEYPAIR', pair.accountId, pair.name), pair),
            this.claim(publicKeyClaimKey(pair.accountId, pair.publicKey), pair),
          ],
        }),
      );
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw new KeyPairTakenError('name');
      if (reasons?.[2]?.Code === 'ConditionalCheckFailed') throw new KeyPairTakenError('publicKey');
      throw err;
    }
  }

  /** Whether the account holds this public key already (registerSSHKeyPair's check before it writes). */
  async holdsPublicKey(accountId: string, publicKey: string): Promise<boolean> {
    return !!(await this.db.send(new GetCommand({ TableName: this.table, Key: publicKeyClaimKey(accountId, publicKey), ConsistentRead: true }))).Item;
  }

  /** Remove a pair and its claims; false when it was gone already. */
  async delete(pair: SshKeyPair): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: entityKey('SSHKEYPAIR', pair.id), ConditionExpression: 'attribute_exists(pk)' } },
            { Delete: { TableName: this.table, Key: nameClaimKey('SSHKEYPAIR', pair.accountId, pair.name) } },
            { Delete: { TableName: this.table, Key: publicKeyClaimKey(pair.accountId, pair.publicKey) } },
          ],
        }),
      );
      return true;
    } catch (err) {
      if ((err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw err;
    }
  }

  private claim(key: ItemKey, pair: SshKeyPair) {
    return { Put: { TableName: this.table, Item: { ...key, kind: 'SSHKEYPAIR', id: pair.id, name: pair.name }, ConditionExpression: 'attribute_not_exists(pk)' } };
  }
}
