import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Repository } from './repository';
import { COUNTER_BUCKET, counterBucket, counterPartition } from './indexing';
import { strip } from './keys';
import type { IndexName } from './table';

/**
 * The one listing mechanism: every list reads the index partitions that hold its scope (an account,
 * a domain, a host, a kind's shards), merged in the index's order, and reads only what the page
 * needs. The total comes from the partitions' counters when nothing but the partitions narrows the
 * list, else from a server-side COUNT of the partitions with the filter (nothing is transferred).
 *
 * - Page 1 reads full items, `limit` per partition at most.
 * - A later page of one partition skips by a server-side COUNT and reads the page where it stopped;
 *   of merged partitions, it walks the keys only (a projection of the index keys) up to the offset
 *   and gets the page's items by key. Either way the skipped items' bodies never leave DynamoDB.
 */

/** A DynamoDB filter on the items of the partitions (what no index serves). */
export interface Filter {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface ListSpec {
  /** The index read; none: the table itself, where `partitions` are entity ids of `kind` (a lookup by id). */
  index?: IndexName;
  kind?: string;
  partitions: readonly string[];
  /** The counters that total the partitions (a sharded family has one); default: one per partition. */
  counters?: readonly string[];
  /** Newest first (descending sort keys). */
  descending?: boolean;
  /** An inclusive range of the sort key (its leading creation time, e.g. listEvents' dates; or a Number sort key's values). */
  from?: string | number;
  to?: string | number;
  filter?: Filter;
  offset: number;
  /**
   * Items that expire (events, finished jobs: DynamoDB TTL) are listed and counted only while they
   * are alive at this time; TTL deletes them lazily, and DynamoDB Local never does.
   */
  liveAt?: Date;
  /** Items per page; undefined: everything from the offset on. */
  limit?: number;
  /**
   * How to total the list: from the counters (a function of a partition's summed counter), when the
   * filter is exactly what the counters separate (or there is none) and there is no range; else a COUNT.
   */
  countFrom?: (counter: { n: number; gone: number }) => number;
}

interface Cursor {
  partition: string;
  buffer: Array<Record<string, unknown>>;
  next?: Record<string, unknown>;
  done: boolean;
}

const KEY_PROJECTION = (index: IndexName | undefined) => (index ? ['pk', 'sk', `${index}pk`, `${index}sk`] : ['pk', 'sk']);
const sortKeyOf = (index: IndexName | undefined) => (index ? `${index}sk` : 'sk');

export class ListingRepository extends Repository {
  /** One page and the total. */
  async page<T>(spec: ListSpec): Promise<{ items: T[]; count: number }> {
    if (spec.partitions.length === 1 && spec.offset > 0 && spec.limit !== undefined) {
      // One partition needs no merge: skip by a server-side COUNT, then read the page where it stopped.
      const [items, count] = await Promise.all([this.skipThenRead(spec, spec.partitions[0], spec.offset, spec.limit), this.count(spec)]);
      return { items: items.map((i) => strip<T>(i)), count };
    }
    const need = spec.limit === undefined ? Infinity : spec.offset + spec.limit;
    const keysOnly = spec.offset > 0;
    // A lookup by id is complete once walked: its count is what it found.
    const counted = spec.limit !== undefined && spec.index !== undefined;
    const [walked, count] = await Promise.all([this.walk(spec, need, keysOnly), counted ? this.count(spec) : undefined]);
    const slice = walked.slice(spec.offset, need);
    const items = keysOnly ? await this.bodies<T>(slice) : slice.map((i) => strip<T>(i));
    return { items, count: count ?? walked.length };
  }

  /** Everything in the partitions, merged in order (internal reads of bounded partitions: a host's VMs). */
  async all<T>(spec: Omit<ListSpec, 'offset' | 'limit' | 'countFrom' | 'counters'>): Promise<T[]> {
    return (await this.walk({ ...spec, offset: 0 }, Infinity, false)).map((i) => strip<T>(i));
  }

  /**
   * The merged partitions `size` items at a time, for a reader that stops once it has what it needs
   * (placement: the hosts of a zone by free memory, until one fits).
   */
  async *pages<T>(spec: Omit<ListSpec, 'offset' | 'limit' | 'countFrom' | 'counters'>, size: number): AsyncGenerator<T[]> {
    const merge = this.merge({ ...spec, offset: 0 }, false);
    for (;;) {
      const page = await merge.take(size);
      if (page.length > 0) yield page.map((i) => strip<T>(i));
      if (page.length < size) return;
    }
  }

  /** Entities of any kinds by key, in one BatchGetItem per 100: each found one under its `pk`. */
  async entities(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Map<string, Record<string, unknown>>> {
    return new Map((await this.batchGetItems(keys)).map((item) => [String(item.pk), strip<Record<string, unknown>>(item)]));
  }

  /** The total of a list: its counters, or a server-side COUNT of its partitions. */
  async count(spec: ListSpec): Promise<number> {
    if (spec.countFrom && spec.from === undefined && spec.to === undefined) {
      const countFrom = spec.countFrom;
      const sums = await Promise.all((spec.counters ?? spec.partitions).map((p) => this.counter(p, spec.liveAt)));
      return sums.reduce((total, c) => total + countFrom(c), 0);
    }
    const counts = await Promise.all(
      spec.partitions.map(async (partition) => {
        let total = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const out = await this.db.send(new QueryCommand({ ...this.query(spec, partition), Select: 'COUNT', ExclusiveStartKey: start }));
          total += out.Count ?? 0;
          start = out.LastEvaluatedKey;
        } while (start);
        return total;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * A partition's counter: the sum of its counter shards, of the items that never expire and, with
   * `liveAt`, of the expiry buckets still ahead of it (a range of the counter partition's keys).
   */
  async counter(partition: string, liveAt?: Date): Promise<{ n: number; gone: number }> {
    // Without `liveAt`, every bucket: what a list without it shows.
    const queries: Array<{ condition: string; values: Record<string, string> }> = liveAt
      ? [
          { condition: 'pk = :p AND begins_with(sk, :b)', values: { ':b': `${COUNTER_BUCKET}#` } },
          { condition: 'pk = :p AND sk BETWEEN :from AND :to', values: { ':from': counterBucket(Math.floor(liveAt.getTime() / 1000) + 1), ':to': 'x~' } },
        ]
      : [{ condition: 'pk = :p', values: {} }];
    const pages = await Promise.all(
      queries.map((q) => this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: q.condition, ExpressionAttributeValues: { ':p': counterPartition(partition), ...q.values } }))),
    );
    let n = 0;
    let gone = 0;
    for (const item of pages.flatMap((p) => p.Items ?? [])) {
      n += Number(item.n ?? 0);
      gone += Number(item.gone ?? 0);
    }
    return { n, gone };
  }

  private query(spec: ListSpec, partition: string): QueryCommandInput {
    const filter = withLiveness(spec.filter, spec.liveAt);
    spec = { ...spec, filter };
    if (!spec.index) {
      if (!spec.kind) throw new Error('A lookup by id needs the kind of its items');
      return {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', ...(spec.filter?.names ?? {}) },
        ExpressionAttributeValues: { ':pk': `${spec.kind}#${partition}`, ':sk': spec.kind, ...(spec.filter?.values ?? {}) },
        ...(spec.filter ? { FilterExpression: spec.filter.expression } : {}),
      };
    }
    const pk = `${spec.index}pk`;
    const sk = `${spec.index}sk`;
    const names: Record<string, string> = { '#pk': pk, ...(spec.filter?.names ?? {}) };
    const values: Record<string, unknown> = { ':pk': partition, ...(spec.filter?.values ?? {}) };
    let condition = '#pk = :pk';
    if (spec.from !== undefined || spec.to !== undefined) names['#sk'] = sk;
    // The range is of the sort key's leading time: `to` takes every id after that time too.
    if (spec.from !== undefined) values[':from'] = spec.from;
    if (spec.to !== undefined) values[':to'] = typeof spec.to === 'number' ? spec.to : `${spec.to}\uffff`;
    if (spec.from !== undefined && spec.to !== undefined) condition += ' AND #sk BETWEEN :from AND :to';
    else if (spec.from !== undefined) condition += ' AND #sk >= :from';
    else if (spec.to !== undefined) condition += ' AND #sk <= :to';
    return {
      TableName: this.table,
      IndexName: spec.index,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ...(spec.filter ? { FilterExpression: spec.filter.expression } : {}),
      ScanIndexForward: !spec.descending,
    };
  }

  /**
   * Past `offset` items of one partition without reading them out (Select COUNT with a Limit stops
   * where it counted to, filter included), then `limit` items from there.
   */
  private async skipThenRead(spec: ListSpec, partition: string, offset: number, limit: number): Promise<Array<Record<string, unknown>>> {
    const input = this.query(spec, partition);
    let start: Record<string, unknown> | undefined;
    for (let skipped = 0; skipped < offset; ) {
      const out = await this.db.send(new QueryCommand({ ...input, Select: 'COUNT', Limit: Math.min(1000, offset - skipped), ExclusiveStartKey: start }));
      skipped += out.Count ?? 0;
      start = out.LastEvaluatedKey;
      if (!start) return [];
    }
    const items: Array<Record<string, unknown>> = [];
    do {
      const out = await this.db.send(new QueryCommand({ ...input, Limit: limit - items.length, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }

  /**
   * The first `need` items of the merged partitions (keys only when asked): each partition is read
   * lazily, a chunk at a time, and the chunks are merged by the index's sort key.
   */
  private walk(spec: ListSpec, need: number, keysOnly: boolean): Promise<Array<Record<string, unknown>>> {
    return this.merge(spec, keysOnly).take(need);
  }

  /** A merge of the spec's partitions that hands out its items in order, `take(n)` at a time. */
  private merge(spec: ListSpec, keysOnly: boolean): { take(n: number): Promise<Array<Record<string, unknown>>> } {
    const sk = sortKeyOf(spec.index);
    const cursors: Cursor[] = spec.partitions.map((partition) => ({ partition, buffer: [], done: false }));
    const fill = async (c: Cursor, left: number) => {
      const input = this.query(spec, c.partition);
      if (keysOnly) {
        const projected = KEY_PROJECTION(spec.index);
        input.ProjectionExpression = projected.map((_, i) => `#k${i}`).join(', ');
        projected.forEach((name, i) => (input.ExpressionAttributeNames![`#k${i}`] = name));
      }
      // Spread over the partitions, with room for an uneven spread; never less than a few items.
      const open = cursors.filter((x) => !x.done).length;
      const chunk = left === Infinity ? undefined : cursors.length === 1 ? Math.min(1000, left) : Math.min(1000, Math.max(10, Math.ceil((left * 1.5) / open) + 5));
      // A filter may drop a whole chunk: read on until something passes or the partition ends.
      do {
        const result = await this.db.send(new QueryCommand({ ...input, Limit: chunk, ExclusiveStartKey: c.next }));
        c.buffer.push(...(result.Items ?? []));
        c.next = result.LastEvaluatedKey;
        c.done = !c.next;
      } while (c.buffer.length === 0 && !c.done);
    };
    // Numbers (a Number sort key) compare as numbers, text as DynamoDB orders it.
    const order = (a: Record<string, unknown>, b: Record<string, unknown>) => {
      const x = a[sk];
      const y = b[sk];
      if (typeof x === 'number' && typeof y === 'number') return x - y;
      return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    };
    const before = (a: Record<string, unknown>, b: Record<string, unknown>) => (spec.descending ? order(a, b) > 0 : order(a, b) < 0);
    let started = false;
    return {
      take: async (n) => {
        const out: Array<Record<string, unknown>> = [];
        if (!started) {
          started = true;
          await Promise.all(cursors.map((c) => fill(c, n)));
        }
        while (out.length < n) {
          // Every cursor that is empty but not finished must be read before the merge can go on.
          const empty = cursors.filter((c) => c.buffer.length === 0 && !c.done);
          if (empty.length) await Promise.all(empty.map((c) => fill(c, n - out.length)));
          let best: Cursor | undefined;
          for (const c of cursors) if (c.buffer.length && (!best || before(c.buffer[0], best.buffer[0]))) best = c;
          if (!best) break;
          out.push(best.buffer.shift()!);
        }
        return out;
      },
    };
  }

  /** The items behind keys, in the keys' order; one deleted between the two reads is simply not on the page. */
  private async bodies<T>(keys: Array<Record<string, unknown>>): Promise<T[]> {
    const found = new Map((await this.batchGet<T & { id: string }>(keys as Array<{ pk: string; sk: string }>)).map((i) => [i.id, i]));
    const idOf = (k: Record<string, unknown>) => String(k.pk).slice(String(k.pk).indexOf('#') + 1);
    return keys.map((k) => found.get(idOf(k))).filter((i): i is T & { id: string } => !!i);
  }
}

/** The filter, and (with `liveAt`) only items not yet expired: TTL is lazy, so reads check it too. */
function withLiveness(filter: Filter | undefined, liveAt: Date | undefined): Filter | undefined {
  if (!liveAt) return filter;
  const alive = '(attribute_not_exists(#live_exp) OR #live_exp > :live_now)';
  return {
    expression: filter ? `${alive} AND ${filter.expression}` : alive, // a Conditions filter is ANDs; its ORs are in parentheses
    names: { ...(filter?.names ?? {}), '#live_exp': 'expiresAt' },
    values: { ...(filter?.values ?? {}), ':live_now': Math.floor(liveAt.getTime() / 1000) },
  };
}

/**
 * A FilterExpression built from conditions, with its names and values numbered so that they never
 * collide with the key condition's (`#pk`, `:pk`, `#sk`, `:from`, `:to`).
 */
const MAX_IN_OPERANDS = 99;

export class Conditions {
  private readonly parts: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private n = 0;

  private name(attribute: string): string {
    const key = `#f_${attribute}`;
    this.names[key] = attribute;
    return key;
  }

  private value(v: unknown): string {
    const key = `:f${this.n++}`;
    this.values[key] = v;
    return key;
  }

  /** attribute = value (skipped when value is undefined). */
  eq(attribute: string, value: string | number | boolean | undefined): this {
    if (value !== undefined) this.parts.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  /** attribute is one of values (none: nothing passes); more than DynamoDB's 100 operands of one IN are OR'd lists. */
  in(attribute: string, values: readonly string[]): this {
    if (values.length === 0) {
      // Every listed item has an id (a filter may not name `pk`, the key of a lookup by id).
      this.parts.push(`attribute_not_exists(${this.name('id')})`);
      return this;
    }
    const lists: string[] = [];
    for (let i = 0; i < values.length; i += MAX_IN_OPERANDS) lists.push(`${this.name(attribute)} IN (${values.slice(i, i + MAX_IN_OPERANDS).map((v) => this.value(v)).join(', ')})`);
    this.parts.push(lists.length === 1 ? lists[0] : `(${lists.join(' OR ')})`);
    return this;
  }

  notIn(attribute: string, values: readonly string[]): this {
    if (values.length) this.parts.push(`NOT (${this.name(attribute)} IN (${values.map((v) => this.value(v)).join(', ')}))`);
    return this;
  }

  /**
   * The item's name is `name`, compared as CloudStack's MySQL collation compares (case-insensitively):
   * on the lower-case search text, whose first line is the name (indexing.ts searchText). Skipped when undefined.
   */
  named(name: string | undefined): this {
    if (name === undefined) return this;
    const lower = name.toLowerCase();
    return this.or((c) => c.eq('text', lower), (c) => c.beginsWith('text', `${lower}\n`));
  }

  /** attribute compared with a number or text (skipped when value is undefined). */
  compare(attribute: string, op: '<' | '<=' | '>' | '>=' | '<>', value: string | number | undefined): this {
    if (value !== undefined) this.parts.push(`${this.name(attribute)} ${op} ${this.value(value)}`);
    return this;
  }

  /** The item has the attribute (a constrained custom offering's bounds). */
  present(attribute: string): this {
    this.parts.push(`attribute_exists(${this.name(attribute)})`);
    return this;
  }

  /** A list attribute of strings holds `value` (a VM's affinity groups); skipped when undefined. */
  has(listAttribute: string, value: string | undefined): this {
    if (value !== undefined) this.parts.push(`contains(${this.name(listAttribute)}, ${this.value(value)})`);
    return this;
  }

  /**
   * Some element of a list of maps has `field` = value (a VM's NICs by network, its key pairs by
   * name): one comparison per index up to `maxItems`, the most such a list holds. Skipped when undefined.
   */
  anyElement(listAttribute: string, field: string, value: string | undefined, maxItems: number): this {
    if (value === undefined) return this;
    const list = this.name(listAttribute);
    const f = this.name(field);
    const v = this.value(value);
    this.parts.push(`(${Array.from({ length: maxItems }, (_, i) => `${list}[${i}].${f} = ${v}`).join(' OR ')})`);
    return this;
  }

  /** attribute contains the substring (skipped when undefined). */
  contains(attribute: string, sub: string | undefined): this {
    if (sub) this.parts.push(`contains(${this.name(attribute)}, ${this.value(sub)})`);
    return this;
  }

  /** A map attribute holds `key` (a resource's tags), with `value` when given. */
  mapEntry(attribute: string, key: string, value?: string): this {
    const k = `#m${this.n++}`;
    this.names[k] = key;
    const path = `${this.name(attribute)}.${k}`;
    this.parts.push(value === undefined ? `attribute_exists(${path})` : `${path} = ${this.value(value)}`);
    return this;
  }

  /** The item has no such attribute (a shared network's owner, an alert never archived). */
  absent(attribute: string): this {
    this.parts.push(`attribute_not_exists(${this.name(attribute)})`);
    return this;
  }

  /** attribute begins with the prefix (skipped when undefined). */
  beginsWith(attribute: string, prefix: string | undefined): this {
    if (prefix !== undefined) this.parts.push(`begins_with(${this.name(attribute)}, ${this.value(prefix)})`);
    return this;
  }

  /** Either condition set holds. */
  or(a: (c: Conditions) => void, b: (c: Conditions) => void): this {
    const start = this.parts.length;
    a(this);
    const left = this.parts.splice(start).join(' AND ') || `attribute_exists(${this.name('id')})`;
    b(this);
    const right = this.parts.splice(start).join(' AND ') || `attribute_exists(${this.name('id')})`;
    // AND binds tighter than OR; DynamoDB refuses parentheses it does not need.
    this.parts.push(`(${left} OR ${right})`);
    return this;
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  build(): Filter | undefined {
    if (this.parts.length === 0) return undefined;
    return { expression: this.parts.join(' AND '), names: { ...this.names }, values: { ...this.values } };
  }
}
