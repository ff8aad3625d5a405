import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RawParam } from './request';

/**
 * CloudStack request signatures (ApiServer.verifyRequest). The server's canonical form is Java's:
 * names sorted case-sensitively, `signature` left out, each value `URLEncoder`-encoded with '+' as
 * %20, the whole string lower-cased, HMAC-SHA1, Base64. Real clients differ in small ways (see
 * reference/cloudstack-api-compat.md §2.3), so after the Java form we try each client's own form.
 */

export type SignatureVariant = 'java' | 'tilde' | 'libcloud' | 'xgo';

type Params = readonly RawParam[] | Readonly<Record<string, string>>;

const pairsOf = (params: Params): RawParam[] => (Array.isArray(params) ? [...(params as readonly RawParam[])] : Object.entries(params));

// Lone surrogates cannot be UTF-8 encoded; Java's encoder substitutes '?', so do we.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `java.net.URLEncoder.encode(v, "UTF-8").replaceAll("\\+", "%20")`: only A-Z a-z 0-9 . - * _ stay as they are. */
export function javaUrlEncode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '?')).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Python's `urllib.parse.quote(v, safe)`: A-Z a-z 0-9 _ . - ~ plus `safe` stay as they are. */
function pythonQuote(value: string, safe: string): string {
  const encoded = javaUrlEncode(value).replace(/%([0-9A-F]{2})/g, (esc, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return c === '~' || safe.includes(c) ? c : esc;
  });
  return safe.includes('*') ? encoded : encoded.replace(/\*/g, '%2A');
}

const isSignature = (name: string) => name.toLowerCase() === 'signature';

/** The lower-cased string each client signs. */
export function canonicalString(params: Params, variant: SignatureVariant = 'java'): string {
  const pairs = pairsOf(params).filter(([k]) => !isSignature(k));
  if (variant === 'libcloud') {
    // libcloud lower-cases names before sorting, quotes them (safe '[]'), and leaves [ ] * ~ in values.
    const lowered = pairs.map(([k, v]) => [k.toLowerCase(), v] as const);
    lowered.sort((a, b) => compareUtf16(a[0], b[0]));
    return lowered.map(([k, v]) => `${pythonQuote(k, '[]')}=${pythonQuote(v, '[]*')}`).join('&').toLowerCase();
  }
  const sorted = [...pairs].sort((a, b) => compareUtf16(a[0], b[0]));
  const encode =
    variant === 'java'
      ? javaUrlEncode
      : variant === 'tilde' // cs, the current Go SDK and cmk leave '~' unescaped
        ? (v: string) => javaUrlEncode(v).replace(/%7E/g, '~')
        : (v: string) => javaUrlEncode(v).replace(/%7E/g, '~').replace(/\*/g, '%2A'); // xanzy Go SDK: Go's QueryEscape
  return sorted.map(([k, v]) => `${k}=${encode(v)}`).join('&').toLowerCase();
}

/** Java's String.compareTo: UTF-16 code units, case-sensitive. */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hmac(secret: string, message: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(Buffer.from(message, 'utf8')).digest('base64');
}

/** The signature the Java rule gives these parameters (any `signature` among them is ignored). For tests, the bench and tooling. */
export function signRequest(params: Params, secret: string): string {
  return hmac(secret, canonicalString(params, 'java'));
}

const VARIANTS: readonly SignatureVariant[] = ['java', 'tilde', 'libcloud', 'xgo'];

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SignatureCheck = { ok: true; variant: SignatureVariant } | { ok: false; reason: string };

/**
 * Check the request's `signature` against every canonical form, Java's first. `now` decides whether
 * a v3 request (`signatureVersion=3`, any name case) has expired.
 */
export function checkSignature(params: readonly RawParam[], secret: string, now: Date): SignatureCheck {
  const lookup = (name: string) => params.find(([k]) => k.toLowerCase() === name)?.[1];
  const given = lookup('signature');
  if (!given) return { ok: false, reason: 'missing signature' };
  // A raw '+' sent by hand-written tooling arrives as a space.
  const signature = given.replace(/ /g, '+');

  if (lookup('signatureversion') === '3') {
    const expires = lookup('expires');
    if (!expires) return { ok: false, reason: 'signatureVersion 3 without expires' };
    const at = parseExpires(expires);
    if (at === undefined) return { ok: false, reason: `unparseable expires ${expires}` };
    if (at <= now.getTime()) return { ok: false, reason: `request expired at ${expires}` };
  }

  let matched: SignatureVariant | undefined;
  let lastCanonical: string | undefined;
  for (const variant of VARIANTS) {
    const canonical = canonicalString(params, variant);
    if (canonical === lastCanonical) continue; // no character that differs between the forms
    lastCanonical = canonical;
    // Every variant is computed and compared, so the time taken does not tell which one matched.
    if (sameString(hmac(secret, canonical), signature) && !matched) matched = variant;
  }
  return matched ? { ok: true, variant: matched } : { ok: false, reason: 'signature mismatch' };
}

const EXPIRES =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}|Z[+-]\d{2}:?\d{2})$/;

/**
 * An `expires` value as epoch ms, or undefined. Accepts what DateUtil.parseTZDateString accepts:
 * `+0000` (cs), `Z` (Go SDK), `+00:00`, fractional seconds, and the legacy `...ss'Z'+0000`. A '+'
 * that arrived as a space (unencoded in a query string) is read as '+'.
 */
export function parseExpires(text: string): number | undefined {
  const m = EXPIRES.exec(text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const utc = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  if (new Date(utc).getUTCDate() !== day) return undefined; // 2025-02-30
  const offset = zone.replace(/^Z(?=.)/, '');
  if (offset === 'Z') return utc;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  if (Number(digits.slice(2)) > 59) return undefined;
  return utc - sign * minutes * 60_000;
}
