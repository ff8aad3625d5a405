import { GetCommand, UpdateCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { inDomainTree } from '../../core/access';
import type { Account, AccountState, Caller, Domain, User } from '../../core/entities';
import { ConcurrentOperationError } from '../../core/errors';
import type { CredentialsRepository } from './credentials';
import { entityKey, nameLockKey, type Kind, type NameKind } from './keys';
import { NameTakenError } from './name-taken';
import { Repository } from './repository';
import { cataloguePartition, type ListedEntities } from './indexing';


/**
 * An account as stored: the API keys of its users ride on it, so a state change reaches every key
 * in the one transaction that changes the state (no index read, which could lag a new key).
 */
export type StoredAccount = Account & { apiKeys?: string[] };

interface NameClaim {
  kind: NameKind;
  scope: string;
  name: string;
  ownerId: string;
}

type Write = Record<string, unknown>;

const ROOT_PARENT = '-'; // the scope of ROOT's own name
const EVERYWHERE = '*'; // usernames are unique across domains
const MAX_TRANSACTION_ITEMS = 100;

const failedAt = (err: unknown): ((i: number) => boolean) | undefined => {
  const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  if ((err as Error).name !== 'TransactionCanceledException' || !reasons) return undefined;
  if (reasons.some((r) => r.Code === 'TransactionConflict')) throw new ConcurrentOperationError('Another change to the same tenant was in progress; retry');
  return (i) => reasons[i]?.Code === 'ConditionalCheckFailed';
};

/**
 * Domains, accounts and users: their unique names, their state and their API keys. Every name is
 * claimed by a conditional put on a name item in the same transaction as the entity, so two
 * concurrent creates of one name cannot both succeed (no read-then-write). Creating the same entity
 * (same id) again is a no-op, which keeps the bootstrap safe to run on every start.
 */
export class TenancyRepository extends Repository {
  getDomain = (id: string, consistent = false) => this.getEntity<Domain>('DOMAIN', id, consistent);
  getAccount = (id: string, consistent = false) => this.getEntity<StoredAccount>('ACCOUNT', id, consistent);
  getUser = (id: string, consistent = false) => this.getEntity<User>('USER', id, consistent);
  listAccounts = () => this.listKind<StoredAccount>('ACCOUNT');
  accountsInDomain = (domainId: string) => this.listPartition<StoredAccount>('gsi2', cataloguePartition('ACCOUNT', 'DOMAIN', domainId));
  usersOfAccount = (accountId: string) => this.listPartition<User>('gsi2', cataloguePartition('USER', 'ACCOUNT', accountId));

  /** The domain at `path` ('ROOT', 'ROOT/acme'): domains are listed in path order (gsi1). */
  async domainByPath(path: string): Promise<Domain | undefined> {
    const [found] = await this.domainsFrom(`${path}#`);
    return found;
  }

  /** `root` and every domain below it, in path order. */
  async domainTree(root: Pick<Domain, 'path'>): Promise<Domain[]> {
    // The prefix also matches siblings whose name extends root's ('ROOT/ab' for 'ROOT/a').
    return (await this.domainsFrom(root.path)).filter((d) => inDomainTree(d.path, root.path));
  }

  async hasChildren(d: Pick<Domain, 'path'>): Promise<boolean> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :k AND begins_with(gsi1sk, :p)',
        ExpressionAttributeValues: { ':k': 'DOMAIN', ':p': `${d.path}/` },
        Limit: 1,
      }),
    );
    return (out.Items?.length ?? 0) > 0;
  }

  /** The account named `name` in the domain (case-insensitive), read through its name item. */
  async accountByName(domainId: string, name: string): Promise<StoredAccount | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: nameLockKey('ACCOUNT', domainId, name), ConsistentRead: true }));
    const ownerId = out.Item?.ownerId as string | undefined;
    return ownerId ? this.getAccount(ownerId, true) : undefined;
  }

  /** A user's own fields (names, email, timezone, password hash), only what changed. */
  updateUser = (before: User, after: User) => this.updateEntity('USER', before, after, `User ${before.username}`);

  /** A user by username (unique across all domains here, case-insensitively), for a password login. */
  async userByName(username: string): Promise<User | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: nameLockKey('USER', EVERYWHERE, username), ConsistentRead: true }));
    const ownerId = out.Item?.ownerId as string | undefined;
    return ownerId ? this.getUser(ownerId, true) : undefined;
  }

  /** Set a user's password hash (createUser's and updateUser's password, the bootstrap's admin password). */
  async setPasswordHash(userId: string, passwordHash: string, o: { onlyIfUnset?: boolean } = {}): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('USER', userId),
          UpdateExpression: 'SET passwordHash = :h',
          ConditionExpression: o.onlyIfUnset ? 'attribute_exists(pk) AND attribute_not_exists(passwordHash)' : 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':h': passwordHash },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Create a domain, claiming its name under its parent. False when it exists already. */
  putDomain(d: Domain): Promise<boolean> {
    return this.create([{ kind: 'DOMAIN', scope: d.parentId ?? ROOT_PARENT, name: d.name, ownerId: d.id }], [this.put('DOMAIN', d)]);
  }

  /**
   * Create an account (createAccount: with its first user), claiming the account's name in its
   * domain and the username everywhere. False when it exists already. The username is claimed
   * first, so a request that repeats both names hears about the user, as CloudStack checks it first.
   */
  async putAccount(a: Account, firstUser?: User): Promise<boolean> {
    const domainPath = a.domainPath ?? (await this.getDomain(a.domainId))?.path;
    const account: StoredAccount = { ...a, domainPath, version: a.version ?? 1, apiKeys: [] };
    const claims: NameClaim[] = [{ kind: 'ACCOUNT', scope: a.domainId, name: a.name, ownerId: a.id }];
    const puts = [this.put('ACCOUNT', account)];
    if (firstUser) {
      claims.unshift(this.userClaim(firstUser));
      puts.push(this.userPut(firstUser));
    }
    return this.create(claims, puts);
  }

  /** Create a user in an account that exists and is enabled, claiming the username. */
  putUser(u: User): Promise<boolean> {
    const accountEnabled = {
      ConditionCheck: {
        TableName: this.table,
        Key: entityKey('ACCOUNT', u.accountId),
        ConditionExpression: 'attribute_exists(pk) AND #state = :enabled',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':enabled': 'enabled' },
      },
    };
    return this.create([this.userClaim(u)], [this.userPut(u)], [accountEnabled]);
  }

  /**
   * Move an account to `state` and set `enabled` on every API key of its users, in one transaction
   * conditioned on the account's version (key registration bumps it, so no key is missed); `also`
   * holds writes that belong to the change (the disableAccount job). Returns the account as written.
   */
  async setAccountState(accountId: string, state: AccountState, credentials: CredentialsRepository, also: Write[] = []): Promise<StoredAccount> {
    const account = await this.getAccount(accountId, true);
    if (!account) throw new ConcurrentOperationError(`Account ${accountId} was removed while its state was being changed`);
    const next = (account.version ?? 0) + 1;
    const update = {
      Update: {
        TableName: this.table,
        Key: entityKey('ACCOUNT', accountId),
        UpdateExpression: 'SET #state = :state, #version = :next',
        ...this.versionCondition(account.version),
        ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
        ExpressionAttributeValues: { ':state': state, ':next': next, ...this.versionValue(account.version) },
      },
    };
    const keys = (account.apiKeys ?? []).map((k) => credentials.setEnabledOperation(k, state === 'enabled'));
    // The account, the extra writes and the first keys go together; keys past one transaction follow.
    const first = [update, ...also, ...keys.splice(0, MAX_TRANSACTION_ITEMS - 1 - also.length)];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: first as never }));
    } catch (err) {
      if (failedAt(err)?.(0)) throw new ConcurrentOperationError(`Account ${account.name} changed while its state was being set; retry`);
      throw err;
    }
    for (let i = 0; i < keys.length; i += MAX_TRANSACTION_ITEMS) {
      await this.db.send(new TransactWriteCommand({ TransactItems: keys.slice(i, i + MAX_TRANSACTION_ITEMS) as never }));
    }
    return { ...account, state, version: next };
  }

  /**
   * Give a user a new key pair, in one transaction: the new key item, the user's `apiKey` (still the
   * one read), the account's key list and version, and the old key's deletion. A concurrent
   * registration or state change fails it rather than leaving a stray key enabled.
   */
  async replaceUserKeys(user: User, key: { apiKey: string; secretKey: string; caller: Caller }, credentials: CredentialsRepository): Promise<void> {
    const account = await this.getAccount(user.accountId, true);
    if (!account) throw new ConcurrentOperationError(`Account ${user.accountId} was removed while keys were being registered`);
    const old = user.apiKey;
    const enabled = account.state === 'enabled' && user.state === 'enabled';
    const items: Write[] = [
      credentials.putOperation(key.apiKey, key.secretKey, key.caller, enabled),
      {
        Update: {
          TableName: this.table,
          Key: entityKey('USER', user.id),
          UpdateExpression: 'SET apiKey = :new',
          ConditionExpression: old ? 'apiKey = :old' : 'attribute_exists(pk) AND attribute_not_exists(apiKey)',
          ExpressionAttributeValues: { ':new': key.apiKey, ...(old ? { ':old': old } : {}) },
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: entityKey('ACCOUNT', account.id),
          UpdateExpression: 'SET apiKeys = :keys, #version = :next',
          ...this.versionCondition(account.version),
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':keys': [...(account.apiKeys ?? []).filter((k) => k !== old), key.apiKey], ':next': (account.version ?? 0) + 1, ...this.versionValue(account.version) },
        },
      },
      ...(old ? [credentials.deleteOperation(old)] : []),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
    } catch (err) {
      if (failedAt(err)) throw new ConcurrentOperationError(`User ${user.username} or its account changed while its keys were being registered; retry`);
      throw err;
    }
  }

  private versionCondition(version: number | undefined) {
    // Accounts written before tenancy carried no version.
    return { ConditionExpression: version === undefined ? 'attribute_not_exists(#version)' : '#version = :v' };
  }

  private versionValue(version: number | undefined) {
    return version === undefined ? {} : { ':v': version };
  }

  private userClaim(u: User): NameClaim {
    return { kind: 'USER', scope: EVERYWHERE, name: u.username, ownerId: u.id };
  }

  private userPut(u: User) {
    return this.put('USER', u);
  }

  private put<K extends 'DOMAIN' | 'ACCOUNT' | 'USER'>(kind: K, entity: ListedEntities[K]) {
    return { Put: { TableName: this.table, Item: this.listedItem(kind, entity), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  private claim(c: NameClaim) {
    return {
      Put: {
        TableName: this.table,
        Item: { ...nameLockKey(c.kind, c.scope, c.name), name: c.name, ownerId: c.ownerId },
        // The same owner may claim again: the bootstrap re-creates what exists.
        ConditionExpression: 'attribute_not_exists(pk) OR ownerId = :owner',
        ExpressionAttributeValues: { ':owner': c.ownerId },
      },
    };
  }

  /** Claims, entity puts and checks in one transaction; false when an entity exists already. */
  private async create(claims: NameClaim[], puts: Write[], checks: Write[] = []): Promise<boolean> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [...claims.map((c) => this.claim(c)), ...puts, ...checks] as never }));
      return true;
    } catch (err) {
      const failed = failedAt(err);
      if (!failed) throw err;
      if (puts.some((_, i) => failed(claims.length + i))) return false;
      const taken = claims.find((_, i) => failed(i));
      if (taken) throw new NameTakenError(taken.kind, taken.name);
      throw new ConcurrentOperationError('The account changed while the user was being created; retry');
    }
  }

  private domainsFrom(prefix: string): Promise<Domain[]> {
    return this.queryAll<Domain>({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :k AND begins_with(gsi1sk, :p)',
      ExpressionAttributeValues: { ':k': 'DOMAIN', ':p': prefix },
    });
  }
}
