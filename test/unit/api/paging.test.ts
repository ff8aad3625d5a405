import { filterByKeyword, paginate, resolvePaging } from '../../../functions/api/paging';

describe('paging', () => {
  const items = Array.from({ length: 1200 }, (_, i) => i);

  it('returns one page and the total count', () => {
    expect(paginate(items, 2, 10)).toEqual({ items: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], count: 1200 });
  });

  it('returns the default page size of 500 when neither page nor pagesize is given', () => {
    const page = paginate(items);
    expect(page.items).toHaveLength(500);
    expect(page.count).toBe(1200);
  });

  it('returns everything for pagesize=-1', () => {
    expect(paginate(items, undefined, -1).items).toHaveLength(1200);
  });

  it('returns an empty page past the end, with the total', () => {
    expect(paginate(items, 200, 10)).toEqual({ items: [], count: 1200 });
  });

  it.each([
    [undefined, 10, '"page" parameter is required when "pagesize" is specified'],
    [1, undefined, '"pagesize" parameter is required when "page" is specified'],
    [1, 501, "Page size can't exceed max allowed page size value: 500"],
    [1, -1, "Can't specify page parameter when pagesize is -1 (Unlimited)"],
  ])('refuses page=%p pagesize=%p with 431 %p', (page, pagesize, text) => {
    let error: unknown;
    try {
      resolvePaging(page, pagesize);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ errorCode: 431, message: text });
  });

  it('refuses a page below 1', () => {
    expect(() => resolvePaging(0, 10)).toThrow(/at least 1/);
  });

  it('filters by keyword, case-insensitively, on any field', () => {
    const vms = [
      { name: 'web-01', displayName: 'Frontend' },
      { name: 'db-01', displayName: 'Database' },
    ];
    expect(filterByKeyword(vms, 'FRONT', (v) => [v.name, v.displayName])).toEqual([vms[0]]);
    expect(filterByKeyword(vms, undefined, (v) => [v.name])).toEqual(vms);
  });
});
