import type { CommandResult } from './define-command';
import { filterByKeyword, paginate, resolvePaging } from './paging';
import type { ListScope } from './scope';
import type { Store } from '../store';
import { accountPartition, domainPartition, kindCounter, kindPartitions, type CatalogueKind } from '../store/indexing';
import type { Conditions, ListSpec } from '../store/listing';
import type { IndexName } from '../store/table';

export interface ListQuery {
  id?: string;
  name?: string;
  keyword?: string;
  page?: number;
  pagesize?: number;
}

/**
 * One page of a listed kind through the store's listing mechanism (store/listing.ts): the command
 * says which partitions hold its scope and what filters the rest; the page and its total come back
 * without reading what is not on the page.
 */
export async function pageOf<T>(store: Store, key: string, spec: Omit<ListSpec, 'offset' | 'limit'>, q: Pick<ListQuery, 'page' | 'pagesize'>, toResponse: (item: T) => unknown): Promise<CommandResult> {
  const { offset, limit } = resolvePaging(q.page, q.pagesize);
  const page = await store.listing.page<T>({ ...spec, offset, limit });
  return { kind: 'list', key, items: await Promise.all(page.items.map(toResponse)), count: page.count };
}

export type OwnedKind = 'VM' | 'JOB' | 'EVENT' | 'AFFINITYGROUP' | 'SSHKEYPAIR' | 'USER' | 'VOLUME' | 'TAG' | 'VMSNAPSHOT' | 'BACKUP' | 'BACKUPSCHEDULE';
/** Owned kinds written by every request: their kind-wide listing is sharded and counted. */
const SHARDED: ReadonlySet<OwnedKind> = new Set(['VM', 'JOB', 'EVENT', 'VOLUME', 'TAG', 'VMSNAPSHOT', 'BACKUP', 'BACKUPSCHEDULE']);

/**
 * Where a scope's resources of an owned kind are: the kind's partition(s) for everything, the
 * accounts' partitions, or the domains' (a subtree is its domains, never its accounts). With an `id`,
 * the one item, and the scope becomes a condition on it.
 */
export async function scopePartitions(store: Store, kind: OwnedKind, scope: ListScope, where: Conditions, id?: string | readonly string[]): Promise<Pick<ListSpec, 'index' | 'kind' | 'partitions' | 'counters'>> {
  if (id !== undefined) {
    if (scope.kind === 'accounts') where.in('accountId', scope.accountIds);
    if (scope.kind === 'domain') {
      const { domain } = scope;
      if (kind === 'USER') {
        // Users carry their domain's id, not its path.
        where.in('domainId', (scope.recursive ? await store.tenancy.domainTree(domain) : [domain]).map((d) => d.id));
      } else if (scope.recursive) where.or((c) => c.eq('domainPath', domain.path), (c) => c.beginsWith('domainPath', `${domain.path}/`));
      else where.eq('domainId', domain.id);
    }
    // Lookups by id (`ids`: one each), held to the scope by the conditions above.
    return { kind, partitions: typeof id === 'string' ? [id] : [...new Set(id)] };
  }
  switch (scope.kind) {
    case 'everything':
      return SHARDED.has(kind) ? { index: 'gsi1' as IndexName, partitions: kindPartitions(kind), counters: [kindCounter(kind)] } : { index: 'gsi1', partitions: [kind] };
    case 'accounts':
      return { index: 'gsi2', partitions: scope.accountIds.map((a) => accountPartition(kind, a)) };
    case 'domain': {
      const domains = scope.recursive ? await store.tenancy.domainTree(scope.domain) : [scope.domain];
      return { index: 'gsi3', partitions: domains.map((d) => domainPartition(kind, d.id)) };
    }
  }
}

/**
 * Where a catalogue list reads (zones, offerings, templates, accounts, ...): the one item when an id
 * is given (a GetItem), else the first scope partition the command was given (a zone's pods, a
 * pod's clusters), else the kind's partition. Scopes not read are conditions the command adds too.
 */
export function catalogueSource(kind: CatalogueKind, id: string | undefined, scopes: Array<readonly [IndexName, string] | false | '' | undefined> = []): Pick<ListSpec, 'index' | 'kind' | 'partitions'> {
  if (id !== undefined) return { kind, partitions: [id] };
  const scoped = scopes.find((s): s is readonly [IndexName, string] => !!s);
  return scoped ? { index: scoped[0], partitions: [scoped[1]] } : { index: 'gsi1', partitions: [kind] };
}

/**
 * A list that no table holds: a fixed catalogue in code (OS types, settings' definitions) or rows
 * computed from a few items, filtered and paged in memory.
 */
export async function listOf<T extends { id: string; name?: string }>(
  key: string,
  candidates: readonly T[],
  q: ListQuery,
  text: (item: T) => Array<string | undefined>,
  toResponse: (item: T) => unknown,
): Promise<CommandResult> {
  let items = q.id ? candidates.filter((i) => i.id === q.id) : [...candidates];
  if (q.name) items = items.filter((i) => i.name === q.name);
  items = filterByKeyword(items, q.keyword, text);
  const page = paginate(items, q.page, q.pagesize);
  return { kind: 'list', key, items: await Promise.all(page.items.map(toResponse)), count: page.count };
}
