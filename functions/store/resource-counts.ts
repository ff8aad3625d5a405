import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchGetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import type { Account, Backup, Volume, Vm } from '../../core/entities';
import { ConcurrentOperationError, ResourceAllocationError } from '../../core/errors';
import {
  accountLimitText,
  backupUsage,
  countedDomainPaths,
  defaultLimit,
  domainLimit,
  domainLimitText,
  RESOURCE_TYPES,
  UNLIMITED,
  usageDelta,
  vmUsage,
  volumeUsage,
  type ResourceTypeName,
  type Usage,
} from '../../core/resource-limits';
import { accountPartition } from './indexing';
import { accountCountsKey, domainCountsKey, RESOURCE_COUNTS, type ItemKey } from './keys';
import type { ListingRepository } from './listing';
import type { SettingsRepository } from './settings';
import type { TenancyRepository } from './tenancy';

/**
 * Resource counts, kept in the transactions that take and give back resources: every write of a
 * VM, volume or backup carries, with its listing counters, an ADD to its account's counts item and
 * to its domain's and each domain's above it but ROOT (never limited, and every write of the cloud
 * would meet there). The guard below (installed on the store's client) then holds each increase to
 * the limits, as a condition on those same ADDs, so racing deploys cannot pass a limit together.
 */

type Owner = { accountId: string; domainPath: string };
const countOf = (t: ResourceTypeName) => `c_${t}`;
const limitOf = (t: ResourceTypeName) => `m_${t}`;

/** The Updates that move an owner's counts by `delta`, unconditioned (increases get their limits' conditions from the guard). */
export function usageUpdates(table: string, owner: Owner, delta: Usage): object[] {
  const types = RESOURCE_TYPES.map((t) => t.name).filter((t) => delta[t]);
  if (!types.length) return [];
  const values: Record<string, number> = { ':one': 1 };
  for (const t of types) values[`:${countOf(t)}`] = delta[t]!;
  const update = `ADD ${types.map((t) => `${countOf(t)} :${countOf(t)}`).join(', ')}, v :one`;
  return [accountCountsKey(owner.accountId), ...countedDomainPaths(owner.domainPath).map(domainCountsKey)].map((Key) => ({ Update: { TableName: table, Key, UpdateExpression: update, ExpressionAttributeValues: { ...values } } }));
}

/** Count Updates of several writes summed per counts item (a transaction names an item once; budgets count what is sent). */
export function mergedUsageUpdates<T extends { Update: { TableName?: string; Key: { pk: string; sk: string }; ExpressionAttributeValues: Record<string, number> } }>(ops: readonly T[]): T[] {
  const byKey = new Map<string, { table: string; key: ItemKey; delta: Usage }>();
  for (const op of ops) {
    const entry = byKey.get(op.Update.Key.pk) ?? { table: op.Update.TableName ?? '', key: op.Update.Key, delta: {} };
    for (const [name, value] of Object.entries(op.Update.ExpressionAttributeValues)) {
      if (!name.startsWith(':c_')) continue;
      const t = name.slice(3) as ResourceTypeName;
      entry.delta[t] = (entry.delta[t] ?? 0) + value;
    }
    byKey.set(op.Update.Key.pk, entry);
  }
  return [...byKey.values()].flatMap((e) => {
    const types = RESOURCE_TYPES.map((t) => t.name).filter((t) => e.delta[t]);
    if (!types.length) return [];
    const values: Record<string, number> = { ':one': 1 };
    for (const t of types) values[`:${countOf(t)}`] = e.delta[t]!;
    return [{ Update: { TableName: e.table, Key: e.key, UpdateExpression: `ADD ${types.map((t) => `${countOf(t)} :${countOf(t)}`).join(', ')}, v :one`, ExpressionAttributeValues: values } } as unknown as T];
  });
}

/** The count Updates that follow a VM, volume or backup item from `before` to `after` (both whole); other kinds count nothing. */
export function usageOperations(table: string, kind: string, before: object | undefined, after: object | undefined): object[] {
  const usageOf = (kind === 'VM' ? vmUsage : kind === 'VOLUME' ? volumeUsage : kind === 'BACKUP' ? backupUsage : undefined) as ((e: object | undefined) => Usage) | undefined;
  if (!usageOf) return [];
  const from = before as Owner | undefined;
  const to = after as Owner | undefined;
  if (from && to && from.accountId !== to.accountId) return [...usageUpdates(table, from, usageDelta(usageOf(before), {})), ...usageUpdates(table, to, usageOf(after))];
  return usageUpdates(table, (to ?? from)!, usageDelta(usageOf(before), usageOf(after)));
}

/** An owner's counts and its own limits (absent: inherited or the default). */
export interface CountsItem {
  counts: Usage;
  limits: Usage;
  version: number;
}

function countsItem(item: Record<string, unknown> | undefined): CountsItem {
  const counts: Usage = {};
  const limits: Usage = {};
  for (const { name } of RESOURCE_TYPES) {
    if (typeof item?.[countOf(name)] === 'number') counts[name] = item[countOf(name)] as number;
    if (typeof item?.[limitOf(name)] === 'number') limits[name] = item[limitOf(name)] as number;
  }
  return { counts, limits, version: (item?.v as number | undefined) ?? 0 };
}

/** Reads and writes of counts and limits for the API (listResourceLimits, updateResourceLimit, updateResourceCount). */
export class ResourceCountsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly settings: SettingsRepository,
    private readonly tenancy: TenancyRepository,
    private readonly listing: ListingRepository,
  ) {}

  async read(keys: readonly ItemKey[], consistent = false): Promise<Map<string, CountsItem>> {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Map(keys.map((k) => [k.pk, k])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: ItemKey[]; ConsistentRead: boolean }> | undefined = { [this.table]: { Keys: unique.slice(i, i + 100), ConsistentRead: consistent } };
      while (request && Object.keys(request).length) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.table] ?? []) found.set(item.pk as string, item);
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return new Map(keys.map((k) => [k.pk, countsItem(found.get(k.pk))]));
  }

  /** The limits in force for an account, per type (root admins: unlimited). */
  async accountLimits(account: Pick<Account, 'id' | 'role'>, own?: CountsItem): Promise<Record<ResourceTypeName, number>> {
    const item = own ?? (await this.read([accountCountsKey(account.id)])).get(accountCountsKey(account.id).pk)!;
    if (account.role === 'rootAdmin') return Object.fromEntries(RESOURCE_TYPES.map((t) => [t.name, UNLIMITED])) as Record<ResourceTypeName, number>;
    // The defaults a type has no own limit for, read at once (a settings cache miss is one read each).
    const limits = await Promise.all(RESOURCE_TYPES.map(async (t) => [t.name, item.limits[t.name] ?? defaultLimit(t.name, await this.settings.getNumber(t.account))] as const));
    return Object.fromEntries(limits) as Record<ResourceTypeName, number>;
  }

  /** The limits in force for a domain, per type: its own, an ancestor's below ROOT, or the default. */
  async domainLimits(path: string, items?: Map<string, CountsItem>): Promise<Record<ResourceTypeName, number>> {
    const chain = countedDomainPaths(path);
    const read = items ?? (await this.read(chain.map(domainCountsKey)));
    const limits = await Promise.all(
      RESOURCE_TYPES.map(async (t) => {
        const overrides = new Map(chain.map((p) => [p, read.get(domainCountsKey(p).pk)?.limits[t.name]]));
        return [t.name, domainLimit(path, overrides, await this.settings.getNumber(t.domain), t.name)] as const;
      }),
    );
    return Object.fromEntries(limits) as Record<ResourceTypeName, number>;
  }

  /** Set an account's or domain's own limit of a type (-1: unlimited). */
  async setLimit(key: ItemKey, type: ResourceTypeName, max: number): Promise<void> {
    await this.db.send(new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: 'SET #m = :m', ExpressionAttributeNames: { '#m': limitOf(type) }, ExpressionAttributeValues: { ':m': max } }));
  }

  /**
   * An account's counts made again from its VMs, volumes and backups (its own listing partitions):
   * the difference from what is kept is ADDed to the account's item, held to the version read (each
   * count move bumps `v`), and to its domains' in the same transaction, so they stay the sums of
   * their accounts. Made again if a count moved meanwhile.
   */
  async recountAccount(account: { id: string; domainPath: string }): Promise<Usage> {
    const key = accountCountsKey(account.id);
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = (await this.read([key], true)).get(key.pk)!;
      const [vms, volumes, backups] = await Promise.all([
        this.listing.all<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account.id)] }),
        this.listing.all<Volume>({ index: 'gsi2', partitions: [accountPartition('VOLUME', account.id)] }),
        this.listing.all<Backup>({ index: 'gsi2', partitions: [accountPartition('BACKUP', account.id)] }),
      ]);
      const usage: Usage = {};
      const add = (u: Usage) => {
        for (const [t, n] of Object.entries(u) as Array<[ResourceTypeName, number]>) usage[t] = (usage[t] ?? 0) + n;
      };
      vms.forEach((vm) => add(vmUsage(vm)));
      volumes.forEach((v) => add(volumeUsage(v)));
      backups.forEach((b) => add(backupUsage(b)));
      const drift = usageDelta(before.counts, usage);
      if (!Object.keys(drift).length) return usage;
      const [own, ...domains] = usageUpdates(this.table, { accountId: account.id, domainPath: account.domainPath }, drift) as Array<{ Update: Record<string, unknown> }>;
      const held = { ...own!.Update, ConditionExpression: before.version === 0 ? 'attribute_not_exists(v) OR v = :read' : 'v = :read', ExpressionAttributeValues: { ...(own!.Update.ExpressionAttributeValues as object), ':read': before.version } };
      try {
        // Repairs are not held to limits: they say what is there.
        await withoutLimits(() => this.db.send(new TransactWriteCommand({ TransactItems: [{ Update: held }, ...domains] as never })));
        return usage;
      } catch (err) {
        if ((err as Error).name !== 'TransactionCanceledException') throw err;
      }
    }
    throw new ConcurrentOperationError(`The resource counts of account ${account.id} kept changing while they were recalculated; try again`);
  }

  /**
   * A domain's counts made again: every account's in its subtree recounted (each correction reaching
   * the domains above it), then the domain's item read. ROOT's are summed from its accounts and its
   * children, not kept (nothing counts into ROOT as it goes).
   */
  async recountDomain(domain: { id: string; path: string }): Promise<Usage> {
    const tree = await this.tenancy.domainTree(domain);
    const sum: Usage = {};
    const add = (u: Usage) => {
      for (const [t, n] of Object.entries(u) as Array<[ResourceTypeName, number]>) sum[t] = (sum[t] ?? 0) + n;
    };
    for (const d of tree) for (const a of await this.tenancy.accountsInDomain(d.id)) add(await this.recountAccount({ id: a.id, domainPath: d.path }));
    if (!domain.path.includes('/')) return sum; // ROOT
    const key = domainCountsKey(domain.path);
    return (await this.read([key], true)).get(key.pk)!.counts;
  }
}

/**
 * Writes that settle what was already allowed (a workflow's steps after the API took the resource,
 * a compensation putting back what an operation gave up, a recount) are not held to limits: a limit
 * is met when an operation is asked for, never after the work is done.
 */
const unlimited = new AsyncLocalStorage<true>();
export const withoutLimits = <T>(work: () => Promise<T>): Promise<T> => unlimited.run(true, work);

// ---- the guard: a transaction's count ADDs merged per item and held to limits ----

/**
 * The client's middleware sees a transaction as its caller wrote it: in the DocumentClient's form
 * (plain strings and numbers: the DocumentClient marshals later, at the serialize step), or
 * marshalled ({ S }, { N }) when sent on the base client. The guard reads both and answers in kind.
 */
type Value = string | number | { N?: string; S?: string };
type WriteOp = { TableName?: string; Key?: { pk?: Value; sk?: Value }; UpdateExpression?: string; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, Value> };
type TransactItem = Record<string, WriteOp>;

const text = (v: Value | undefined): string | undefined => (typeof v === 'object' ? v.S : v === undefined ? undefined : String(v));
const amount = (v: Value | undefined): number => (typeof v === 'object' ? Number(v.N) : Number(v));
const isCountUpdate = (item: TransactItem) => !!text(item.Update?.Key?.pk)?.startsWith(RESOURCE_COUNTS);

interface MergedCount {
  table: string;
  pk: string;
  sk: string;
  delta: Usage;
}

/** The order CloudStack checks a deploy's types in (resourceLimitCheck, then the volumes'), then backups'. */
const CHECK_ORDER: readonly ResourceTypeName[] = ['user_vm', 'cpu', 'memory', 'volume', 'primary_storage', 'backup', 'backup_storage'];

/** The owner a counts item belongs to, from its key. */
function ownerOfKey(pk: string): { account?: string; domainPath?: string } {
  const rest = pk.slice(RESOURCE_COUNTS.length);
  return rest.startsWith('ACCOUNT#') ? { account: rest.slice('ACCOUNT#'.length) } : { domainPath: rest.slice('DOMAIN#'.length) };
}

export class ResourceLimitGuard {
  constructor(
    private readonly counts: ResourceCountsRepository,
    private readonly tenancy: TenancyRepository,
  ) {}

  /**
   * Send a transaction (`send`) with its count Updates merged into one per counts item (DynamoDB
   * takes one operation per item), placed last, and every increase conditioned on the limit read
   * just before; an increase past a limit is refused with CloudStack's text before anything is
   * written. A count that moved past its condition meanwhile is read again. A cancellation's
   * reasons are given back in the caller's order, so callers that read them by index still can.
   */
  async send<R>(items: TransactItem[], send: (items: TransactItem[]) => Promise<R>): Promise<R> {
    if (!items.some(isCountUpdate)) return send(items);
    const others = items.filter((i) => !isCountUpdate(i));
    const merged = new Map<string, MergedCount>();
    for (const item of items.filter(isCountUpdate)) {
      const op = item.Update!;
      const pk = text(op.Key!.pk)!;
      const entry = merged.get(pk) ?? { table: op.TableName!, pk, sk: text(op.Key!.sk)!, delta: {} };
      for (const [name, value] of Object.entries(op.ExpressionAttributeValues ?? {})) {
        if (!name.startsWith(':c_')) continue;
        const t = name.slice(3) as ResourceTypeName;
        entry.delta[t] = (entry.delta[t] ?? 0) + amount(value);
      }
      merged.set(pk, entry);
    }
    // Accounts first, then domains from the deepest up: the order CloudStack checks them in.
    const depth = (c: MergedCount) => (ownerOfKey(c.pk).account !== undefined ? Number.MAX_SAFE_INTEGER : ownerOfKey(c.pk).domainPath!.split('/').length);
    const counts = [...merged.values()].filter((c) => Object.values(c.delta).some((d) => d !== 0)).sort((a, b) => depth(b) - depth(a));
    const settling = unlimited.getStore() === true;
    // The caller's index -> the sent index (-1: a count that summed to nothing, not sent).
    let other = 0;
    const slotOf = items.map((item) => (isCountUpdate(item) ? (i => (i < 0 ? -1 : others.length + i))(counts.findIndex((c) => c.pk === text(item.Update!.Key!.pk))) : other++));
    const marshalled = typeof items.find(isCountUpdate)!.Update!.Key!.pk === 'object';
    for (let attempt = 0; attempt < 5; attempt++) {
      const conditioned = await this.conditioned(counts, marshalled, settling);
      try {
        return await send([...others, ...conditioned]);
      } catch (err) {
        const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
        if ((err as Error).name !== 'TransactionCanceledException' || !reasons) throw err;
        const lost = (r: { Code?: string } | undefined) => !!r?.Code && r.Code !== 'None';
        const countsLost = reasons.slice(others.length).some((r) => r.Code === 'ConditionalCheckFailed');
        if (countsLost && !reasons.slice(0, others.length).some(lost)) continue; // a count moved: read again
        (err as { CancellationReasons?: unknown[] }).CancellationReasons = slotOf.map((s) => (s < 0 ? undefined : reasons[s]) ?? { Code: 'None' });
        throw err;
      }
    }
    throw new ConcurrentOperationError('Resource counts kept changing while the operation was being recorded; try again');
  }

  /**
   * Refuse now, as the transaction would, an operation that will take `delta` for an owner in a later
   * step (a restore that grows a ROOT disk, a destroyed VM a restore brings back): its API call
   * answers the 535 before any work is done.
   */
  async assertRoom(owner: { accountId: string; domainPath: string }, delta: Usage): Promise<void> {
    const rising: Usage = Object.fromEntries(Object.entries(delta).filter(([, d]) => d! > 0));
    const updates = usageUpdates('', owner, rising) as Array<{ Update: { Key: ItemKey } }>;
    await this.conditioned(
      updates.map((u) => ({ table: '', pk: u.Update.Key.pk, sk: u.Update.Key.sk, delta: rising })),
      false,
    );
  }

  /** The merged Updates, each increase held to its limit (and to the own limits read staying as read). */
  private async conditioned(counts: readonly MergedCount[], marshalled: boolean, settling = false): Promise<TransactItem[]> {
    const n = (x: number): Value => (marshalled ? { N: String(x) } : x);
    const rising = settling ? [] : counts.filter((c) => Object.values(c.delta).some((d) => d! > 0));
    const accountIds = [...new Set(rising.map((c) => ownerOfKey(c.pk).account).filter((a): a is string => !!a))];
    const [items, accounts] = await Promise.all([
      this.counts.read(rising.map((c) => ({ pk: c.pk, sk: c.sk })), true),
      Promise.all(accountIds.map((id) => this.tenancy.getAccount(id))),
    ]);
    const accountById = new Map(accounts.filter((a): a is NonNullable<typeof a> => !!a).map((a) => [a.id, a]));
    // The domains held to limits: those of the accounts written for, but root admins' (CloudStack
    // checks neither their account's limits nor their domains').
    const limited = [...accountById.values()].filter((a) => a.role !== 'rootAdmin');
    const paths = await Promise.all(limited.map(async (a) => a.domainPath ?? (await this.tenancy.getDomain(a.domainId))?.path ?? ''));
    const known = new Set(paths.flatMap(countedDomainPaths));
    const ops: TransactItem[] = [];
    const over: Array<{ rank: number; refuse: () => Promise<never> }> = [];
    for (const c of counts) {
      const types = RESOURCE_TYPES.map((t) => t.name).filter((t) => c.delta[t]);
      const values: Record<string, Value> = { ':one': n(1) };
      const names: Record<string, string> = {};
      const conditions: string[] = [];
      for (const t of types) values[`:${countOf(t)}`] = n(c.delta[t]!);
      const item = items.get(c.pk);
      if (item) {
        const owner = ownerOfKey(c.pk);
        // Every write the API or a workflow makes is for an account it read; an item of no account (a
        // store test's raw VMs) and its domains have no limits to be held to, nor a root admin's domains.
        if (owner.account !== undefined ? !accountById.has(owner.account) : !known.has(owner.domainPath!)) {
          ops.push(countUpdate(c, types, values, [], names));
          continue;
        }
        const limits = owner.account !== undefined ? await this.counts.accountLimits(accountById.get(owner.account)!, item) : await this.counts.domainLimits(owner.domainPath!, items);
        for (const t of types) {
          const d = c.delta[t]!;
          if (d <= 0) continue;
          const own = item.limits[t];
          names[`#${limitOf(t)}`] = limitOf(t);
          if (own === undefined) conditions.push(`attribute_not_exists(#${limitOf(t)})`);
          else {
            values[`:own_${t}`] = n(own);
            conditions.push(`#${limitOf(t)} = :own_${t}`);
          }
          const limit = limits[t];
          if (limit === UNLIMITED) continue;
          const current = item.counts[t] ?? 0;
          if (current + d > limit) over.push({ rank: CHECK_ORDER.indexOf(t) * 1000 + ops.length, refuse: () => this.refuse(t, owner, accountById, limit, current, d) });
          names[`#${countOf(t)}`] = countOf(t);
          values[`:room_${t}`] = n(limit - d);
          conditions.push(`(attribute_not_exists(#${countOf(t)}) OR #${countOf(t)} <= :room_${t})`);
        }
      }
      ops.push(countUpdate(c, types, values, conditions, names));
    }
    // The first limit CloudStack would name: type by type, each the account's then its domains' up.
    if (over.length) await over.sort((a, b) => a.rank - b.rank)[0]!.refuse();
    return ops;
  }

  private async refuse(t: ResourceTypeName, owner: { account?: string; domainPath?: string }, accounts: Map<string, Account>, limit: number, current: number, requested: number): Promise<never> {
    if (owner.account !== undefined) {
      const account = accounts.get(owner.account);
      throw new ResourceAllocationError(accountLimitText(t, { name: account?.name ?? owner.account, domainId: account?.domainId ?? '' }, limit, current, requested));
    }
    const domain = await this.tenancy.domainByPath(owner.domainPath!);
    throw new ResourceAllocationError(domainLimitText(t, domain?.id ?? owner.domainPath!, limit, current, requested));
  }
}

/** A merged counts Update, in the transaction's form (`values` already so), with its conditions if any. */
function countUpdate(c: MergedCount, types: readonly ResourceTypeName[], values: Record<string, Value>, conditions: readonly string[], names: Record<string, string>): TransactItem {
  const marshalled = typeof values[':one'] === 'object';
  const key = (x: string): Value => (marshalled ? { S: x } : x);
  return {
    Update: {
      TableName: c.table,
      Key: { pk: key(c.pk), sk: key(c.sk) },
      UpdateExpression: `ADD ${types.map((t) => `${countOf(t)} :${countOf(t)}`).join(', ')}, v :one`,
      ...(conditions.length ? { ConditionExpression: conditions.join(' AND '), ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/** The guard as client middleware: every TransactWriteItems of the store's client goes through it. */
export function resourceLimitMiddleware(guard: ResourceLimitGuard): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    if ((context as { commandName?: string }).commandName !== 'TransactWriteItemsCommand') return next(args);
    const input = args.input as { TransactItems?: TransactItem[] };
    if (!input.TransactItems?.some(isCountUpdate)) return next(args);
    return guard.send(input.TransactItems, (items) => next({ ...args, input: { ...input, TransactItems: items } }));
  };
}
