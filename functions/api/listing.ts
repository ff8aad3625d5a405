import type { CommandResult } from './define-command';
import { filterByKeyword, paginate, resolvePaging } from './paging';
import type { ListScope } from './scope';
import type { Store } from '../store';
import { accountPartition, domainPartition, kindCounter, kindPartitions } from '../store/indexing';
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

export type OwnedKind = 'VM' | 'JOB' | 'EVENT';

/**
 * Where a scope's resources of an owned kind are: the kind's shards for everything, the accounts'
 * partitions, or the domains' (a subtree is its domains, never its accounts). With an `id`, the one
 * item, and the scope becomes a condition on it.
 */
export async function scopePartitions(store: Store, kind: OwnedKind, scope: ListScope, where: Conditions, id?: string): Promise<Pick<ListSpec, 'index' | 'kind' | 'partitions' | 'counters'>> {
  if (id !== undefined) {
    if (scope.kind === 'accounts') where.in('accountId', scope.accountIds);
    if (scope.kind === 'domain') {
      const { domain } = scope;
      if (scope.recursive) where.or((c) => c.eq('domainPath', domain.path), (c) => c.beginsWith('domainPath', `${domain.path}/`));
      else where.eq('domainId', domain.id);
    }
    return { kind, partitions: [id] };
  }
  switch (scope.kind) {
    case 'everything':
      return { index: 'gsi1' as IndexName, partitions: kindPartitions(kind), counters: [kindCounter(kind)] };
    case 'accounts':
      return { index: 'gsi2', partitions: scope.accountIds.map((a) => accountPartition(kind, a)) };
    case 'domain': {
      const domains = scope.recursive ? await store.tenancy.domainTree(scope.domain) : [scope.domain];
      return { index: 'gsi3', partitions: domains.map((d) => domainPartition(kind, d.id)) };
    }
  }
}

/**
 * The catalogue kinds (zones, offerings, templates, ...: a few hundred items at most, written by
 * administrators) are still listed from their kind's partition and filtered here; the owned and
 * infrastructure kinds go through pageOf.
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
