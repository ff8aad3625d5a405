import { z } from 'zod';
import { MalformedParameterError } from '../../core/errors';
import type { RawParam } from './request';

/**
 * Command parameters as CloudStack unpacks them (ParamUnpackWorker, ParamProcessWorker): names
 * lower-cased, `name[i].field=value` gathered into maps whose field names keep their case, and the
 * `cs` zod helpers that read strings the way the Java parameter types do.
 */

/** `name[i].field=value` parameters: index -> field (case kept) -> value. */
export type MapParam = Record<number, Record<string, string>>;
export type ParamValue = string | MapParam;
export type UnpackedParams = Record<string, ParamValue>;

export interface MapKey {
  name: string; // lower-cased
  index: number;
  field: string;
}

const JAVA_INT = /^[+-]?\d+$/;

/** Java's Integer.parseInt: optional sign, decimal digits, within 32 bits. */
export function parseJavaInt(text: string): number | undefined {
  if (!JAVA_INT.test(text)) return undefined;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n + 0 : undefined; // + 0 turns -0 into 0
}

/**
 * A key with a '[' at position > 0 is a map key; anything else is a plain name (undefined). Throws
 * 430 exactly where ParamUnpackWorker does: more than one '[' or ']', ']' before '[', no '.' after
 * ']', or an index that is not an int. The field is everything after the key's first '.'.
 */
export function parseMapKey(key: string): MapKey | undefined {
  const open = key.indexOf('[');
  if (open !== key.lastIndexOf('[')) throw new MalformedParameterError(key);
  if (open <= 0) return undefined;
  const close = key.indexOf(']');
  if (close < open || close !== key.lastIndexOf(']')) throw new MalformedParameterError(key);
  const dot = key.indexOf('.');
  if (dot < close) throw new MalformedParameterError(key);
  const index = parseJavaInt(key.slice(open + 1, close));
  if (index === undefined) throw new MalformedParameterError(key);
  return { name: key.slice(0, open).toLowerCase(), index, field: key.slice(dot + 1) };
}

// Client-chosen names become keys: objects without a prototype, so `constructor` or `__proto__` are plain keys.
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Lower-case every name and gather map keys; the first value of a name (or of a map field) wins. */
export function unpackParams(raw: readonly RawParam[]): UnpackedParams {
  const out = dict<ParamValue>();
  for (const [key, value] of raw) {
    const map = parseMapKey(key);
    if (!map) {
      const name = key.toLowerCase();
      if (!Object.hasOwn(out, name)) out[name] = value;
      continue;
    }
    let target = Object.hasOwn(out, map.name) ? out[map.name] : undefined;
    if (typeof target === 'string') continue; // a plain value came first: it wins
    if (!target) target = out[map.name] = dict<Record<string, string>>();
    const entry = Object.hasOwn(target, map.index) ? target[map.index] : (target[map.index] = dict<string>());
    if (!Object.hasOwn(entry, map.field)) entry[map.field] = value;
  }
  return out;
}

/** All fields of a map parameter in one record, as DeployVMCmd.getDetails merges `details[i]` (lower indices first win). */
export function mergeMap(map: MapParam | undefined): Record<string, string> {
  const out = dict<string>();
  for (const entry of Object.values(map ?? {})) {
    for (const [k, v] of Object.entries(entry)) if (!Object.hasOwn(out, k)) out[k] = v;
  }
  return out;
}

/** Boolean.valueOf: "true" in any case is true, anything else false (libcloud sends `False`/`True`). */
export const javaBoolean = (text: string): boolean => text.toLowerCase() === 'true';

/** CommandType.LIST: split on commas, dropping empty tokens (StringTokenizer). */
export const splitList = (text: string): string[] => text.split(',').filter((s) => s !== '');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (text: string): boolean => UUID.test(text);

export const DEFAULT_MAX_LENGTH = 255;

/**
 * How a zod issue raised by the `cs` helpers becomes a CloudStack error (define-command.ts reads
 * `params.cloudstack`): `notFound` -> 431 "Invalid parameter <name> value=<v> ...", `tooLong` ->
 * 431 "Value greater than max allowed length", anything else -> 431 "invalid value <v> for parameter".
 */
export type IssueKind = { cloudstack: 'notFound'; value: string } | { cloudstack: 'tooLong'; max: number } | { cloudstack: 'invalid'; value: string };

const issue = (ctx: z.RefinementCtx, input: string, params: IssueKind) => ctx.addIssue({ code: 'custom', message: params.cloudstack, input, params });

/** The CloudStack parameter types, as zod schemas over the wire strings; `.meta({ type })` feeds listApis. */
export const cs = {
  /** STRING, at most `maxLength` characters (ACS @Parameter.length, default 255). */
  string: (maxLength = DEFAULT_MAX_LENGTH) =>
    z
      .string()
      .superRefine((s, ctx) => {
        if (s.length > maxLength) issue(ctx, s, { cloudstack: 'tooLong', max: maxLength });
      })
      .meta({ type: 'string', length: maxLength }),

  /** UUID (lower-case only, as ACS's pattern); anything else reads as an unknown entity. */
  uuid: () =>
    z
      .string()
      .superRefine((s, ctx) => {
        if (!isUuid(s)) issue(ctx, s, { cloudstack: 'notFound', value: s });
      })
      .meta({ type: 'uuid' }),

  /** BOOLEAN, never invalid. */
  boolean: () => z.string().transform(javaBoolean).meta({ type: 'boolean' }),

  /** INTEGER (Integer.valueOf). */
  int: () => javaNumber('integer', (s) => parseJavaInt(s)),

  /** LONG (Long.valueOf); beyond 2^53 precision is lost, which no parameter here needs. */
  long: () => javaNumber('long', (s) => (JAVA_INT.test(s) ? Number(s) + 0 : undefined)),

  /** LIST of `of` (default: strings), comma-separated. */
  list: <T extends z.ZodType<unknown, string>>(of?: T) =>
    z
      .string()
      .transform(splitList)
      .pipe(z.array((of ?? z.string()) as T))
      .meta({ type: 'list' }),

  /** MAP: `name[i].field=value` gathered by index. */
  map: () => z.record(z.string(), z.record(z.string(), z.string())).meta({ type: 'map' }),
};

function javaNumber(type: 'integer' | 'long', parse: (s: string) => number | undefined) {
  return z
    .string()
    .transform((s, ctx) => {
      const n = parse(s);
      if (n === undefined) {
        issue(ctx, s, { cloudstack: 'invalid', value: s });
        return z.NEVER;
      }
      return n;
    })
    .meta({ type });
}
