import { InvalidParameterError } from '../../core/errors';
import { cs } from './params';

/**
 * List paging as BaseListCmd does it: `page` (1-based) and `pagesize` together or not at all,
 * `pagesize=-1` for everything (without `page`), never more than `default.page.size` (500) per
 * page, and 500 when neither is given. `count` in the answer stays the total.
 */

export const DEFAULT_PAGE_SIZE = 500;
export const PAGESIZE_UNLIMITED = -1;

/** The shared list parameters; list commands spread these into their schema. */
export const listParams = {
  keyword: cs.string().optional().meta({ description: 'List by keyword' }),
  page: cs.int().optional().meta({ description: 'The page number of the results' }),
  pagesize: cs.int().optional().meta({ description: 'The number of results per page; -1 for all' }),
};

export interface Paging {
  offset: number;
  limit?: number; // undefined: everything
}

/** Check page/pagesize and turn them into an offset and a limit; throws ACS's 431 texts. */
export function resolvePaging(page: number | undefined, pagesize: number | undefined, maxPageSize = DEFAULT_PAGE_SIZE): Paging {
  if (page === undefined && pagesize !== undefined && pagesize !== PAGESIZE_UNLIMITED) {
    throw new InvalidParameterError('"page" parameter is required when "pagesize" is specified');
  }
  if (pagesize === undefined && page !== undefined) {
    throw new InvalidParameterError('"pagesize" parameter is required when "page" is specified');
  }
  if (pagesize !== undefined && pagesize > maxPageSize) {
    throw new InvalidParameterError(`Page size can't exceed max allowed page size value: ${maxPageSize}`);
  }
  if (pagesize === PAGESIZE_UNLIMITED) {
    if (page !== undefined) throw new InvalidParameterError("Can't specify page parameter when pagesize is -1 (Unlimited)");
    return { offset: 0 };
  }
  if (page === undefined || pagesize === undefined) return { offset: 0, limit: maxPageSize };
  if (page < 1 || pagesize < 1) {
    throw new InvalidParameterError(`Invalid page ${page} or pagesize ${pagesize}: both must be at least 1 (pagesize -1 lists everything)`);
  }
  return { offset: (page - 1) * pagesize, limit: pagesize };
}

/** One page of `items` and the total, ready for a `{ kind: 'list' }` result. */
export function paginate<T>(items: readonly T[], page?: number, pagesize?: number, maxPageSize = DEFAULT_PAGE_SIZE): { items: T[]; count: number } {
  const { offset, limit } = resolvePaging(page, pagesize, maxPageSize);
  return { items: items.slice(offset, limit === undefined ? undefined : offset + limit), count: items.length };
}

/** The `keyword` filter: a case-insensitive substring of any of the given fields (ACS matches name/displaytext with LIKE %kw%). */
export function matchesKeyword(keyword: string | undefined, ...fields: Array<string | undefined>): boolean {
  if (!keyword) return true;
  const needle = keyword.toLowerCase();
  return fields.some((f) => f !== undefined && f.toLowerCase().includes(needle));
}

export function filterByKeyword<T>(items: readonly T[], keyword: string | undefined, fields: (item: T) => Array<string | undefined>): T[] {
  return keyword ? items.filter((item) => matchesKeyword(keyword, ...fields(item))) : [...items];
}
