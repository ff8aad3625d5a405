import type { CommandResult } from './define-command';
import { filterByKeyword, paginate } from './paging';

export interface ListQuery {
  id?: string;
  name?: string;
  keyword?: string;
  page?: number;
  pagesize?: number;
}

/**
 * What every list command does after choosing its candidates: the `id`, `name` and `keyword`
 * filters, one page, and a response object for the items of that page only (count stays the total).
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
