import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { canonicalString, checkSignature, javaUrlEncode, parseExpires, signRequest } from '../../../functions/api/signing';
import type { RawParam } from '../../../functions/api/request';

/*
 * The clients' own signing, written from reference/cloudstack-api-compat.md §2.3 byte by byte
 * (not with the server's helpers), so the server is checked against what each client really sends.
 */
function percent(value: string, unreserved: string, space: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(b);
    if (c === ' ') out += space;
    else if (/[A-Za-z0-9]/.test(c) || unreserved.includes(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
const hmac = (secret: string, s: string) => createHmac('sha1', secret).update(s, 'utf8').digest('base64');
const byName = (a: readonly [string, string], b: readonly [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

const clients: Record<string, (params: Record<string, string>, secret: string) => string> = {
  // cs: sorted(data.items()), quote(v, safe="*"), lower-case
  cs: (p, secret) =>
    hmac(secret, Object.entries(p).sort(byName).map(([k, v]) => `${k}=${percent(v, '_.-~*', '%20')}`).join('&').toLowerCase()),
  // libcloud: names lower-cased then sorted, quote(name, safe='[]'), quote(v, safe='[]*'), lower, '+' -> %20
  libcloud: (p, secret) =>
    hmac(
      secret,
      Object.entries(p)
        .map(([k, v]) => [k.toLowerCase(), v] as [string, string])
        .sort(byName)
        .map(([k, v]) => `${percent(k, '_.-~[]', '%20')}=${percent(v, '_.-~[]*', '%20')}`)
        .join('&')
        .toLowerCase()
        .replace(/\+/g, '%20'),
    ),
  // xanzy go-cloudstack 2.9: sort.Strings, url.QueryEscape, '+' -> %20 on the whole string
  xgo: (p, secret) =>
    hmac(secret, Object.entries(p).sort(byName).map(([k, v]) => `${k}=${percent(v, '-_.~', '+')}`).join('&').replace(/\+/g, '%20').toLowerCase()),
  // apache/cloudstack-go and cmk: QueryEscape, '+' -> %20, %2A -> *
  ago: (p, secret) =>
    hmac(
      secret,
      Object.entries(p)
        .sort(byName)
        .map(([k, v]) => `${k}=${percent(v, '-_.~', '+')}`)
        .join('&')
        .replace(/\+/g, '%20')
        .replace(/%2A/g, '*')
        .toLowerCase(),
    ),
};

const SECRET = 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ';
const NOW = new Date('2024-12-31T23:55:00Z');
const withSignature = (p: Record<string, string>, signature: string): RawParam[] => [...Object.entries(p), ['signature', signature]];

describe('signRequest', () => {
  it('reproduces the worked example of the compat reference', () => {
    // Prepare
    const params = {
      command: 'listVirtualMachines',
      apiKey: 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdMk0aC7',
      response: 'json',
      signatureVersion: '3',
      expires: '2025-01-01T00:00:00+0000',
      name: 'web 01*',
    };

    // Act
    const canonical = canonicalString(params);
    const signature = signRequest(params, SECRET);

    // Assess
    expect(canonical).toBe(
      'apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edmk0ac7&command=listvirtualmachines&expires=2025-01-01t00%3a00%3a00%2b0000&name=web%2001*&response=json&signatureversion=3',
    );
    expect(signature).toBe('wiAhrtNJLKpMSCO1FTmKU8+dQQI=');
  });

  it('encodes values as java.net.URLEncoder does, with %20 for a space', () => {
    expect(javaUrlEncode("a b*c~d/e[0]+!'()é._-")).toBe('a%20b*c%7Ed%2Fe%5B0%5D%2B%21%27%28%29%C3%A9._-');
  });
});

describe('checkSignature', () => {
  const base = { command: 'listVirtualMachines', apiKey: 'key-1', response: 'json' };

  it.each(Object.keys(clients))('accepts what %s signs for a value with space, *, ~, / and brackets', (client) => {
    // Prepare
    const params = { ...base, keyword: 'a b*c~d/e[0]', 'details[0].cpuNumber': '2' };
    const signature = clients[client](params, SECRET);

    // Act
    const result = checkSignature(withSignature(params, signature), SECRET, NOW);

    // Assess
    expect(result.ok).toBe(true);
  });

  it.each([
    ['cs', 'tilde'],
    ['libcloud', 'libcloud'],
    ['xgo', 'xgo'],
    ['ago', 'tilde'],
  ])('reports which canonical form matched %s', (client, variant) => {
    const params = { ...base, keyword: 'a*~[x]' };
    expect(checkSignature(withSignature(params, clients[client](params, SECRET)), SECRET, NOW)).toEqual({ ok: true, variant });
  });

  it('accepts libcloud sorting names by their lower-case form', () => {
    const params = { ...base, 'details[0].Zabc': '1', 'details[0].abc': '2' };
    expect(checkSignature(withSignature(params, clients.libcloud(params, SECRET)), SECRET, NOW).ok).toBe(true);
  });

  it('refuses a wrong secret, a missing signature and a changed value', () => {
    const signature = signRequest(base, SECRET);
    expect(checkSignature(withSignature(base, signature), 'other', NOW)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(checkSignature(Object.entries(base), SECRET, NOW).ok).toBe(false);
    expect(checkSignature(withSignature({ ...base, response: 'xml' }, signature), SECRET, NOW).ok).toBe(false);
  });

  it('reads a signature whose + arrived as a space', () => {
    const params = { ...base, keyword: 'x' };
    const signature = signRequest(params, SECRET);
    expect(checkSignature(withSignature(params, signature.replace(/\+/g, ' ')), SECRET, NOW).ok).toBe(true);
  });

  it.each([
    ['signatureVersion', '2025-01-01T00:00:00+0000'],
    ['signatureversion', '2025-01-01T00:00:00Z'],
    ['signatureVersion', '2025-01-01T00:00:00+00:00'],
    ['signatureVersion', '2025-01-01T00:00:00.123456+0000'],
    ['signatureVersion', '2025-01-01T00:00:00Z+0000'],
    ['signatureVersion', '2025-01-01T01:00:00+01:00'],
  ])('accepts a v3 request (%s) that expires at %s', (name, expires) => {
    const params = { ...base, [name]: '3', expires };
    expect(checkSignature(withSignature(params, signRequest(params, SECRET)), SECRET, NOW).ok).toBe(true);
  });

  it('refuses an expired v3 request', () => {
    const params = { ...base, signatureVersion: '3', expires: '2024-12-31T23:54:59+0000' };
    expect(checkSignature(withSignature(params, signRequest(params, SECRET)), SECRET, NOW)).toEqual({
      ok: false,
      reason: 'request expired at 2024-12-31T23:54:59+0000',
    });
  });

  it.each(['tomorrow', '2025-13-01T00:00:00+0000', '2025-02-30T00:00:00Z', '2025-01-01T00:00:00', ''])(
    'refuses a v3 request whose expires is %p',
    (expires) => {
      const params = { ...base, signatureVersion: '3', expires };
      expect(checkSignature(withSignature(params, signRequest(params, SECRET)), SECRET, NOW).ok).toBe(false);
    },
  );

  it('refuses a v3 request without expires', () => {
    const params = { ...base, signatureVersion: '3' };
    expect(checkSignature(withSignature(params, signRequest(params, SECRET)), SECRET, NOW)).toEqual({ ok: false, reason: 'signatureVersion 3 without expires' });
  });

  it('ignores expires when the request is not v3, as libcloud and xgo send neither', () => {
    const params = { ...base, expires: '2000-01-01T00:00:00Z' };
    expect(checkSignature(withSignature(params, signRequest(params, SECRET)), SECRET, NOW).ok).toBe(true);
  });
});

describe('parseExpires', () => {
  it.each([
    ['2025-01-01T00:00:00+0000', Date.UTC(2025, 0, 1)],
    ['2025-01-01T00:00:00Z', Date.UTC(2025, 0, 1)],
    ['2025-01-01T02:00:00+02:00', Date.UTC(2025, 0, 1)],
    ['2024-12-31T19:00:00-0500', Date.UTC(2025, 0, 1)],
    ['2025-01-01T00:00:00.500Z', Date.UTC(2025, 0, 1) + 500],
    ['2025-01-01T00:00:00Z+0000', Date.UTC(2025, 0, 1)],
    ['2025-01-01T00:00:00 0000', Date.UTC(2025, 0, 1)], // '+' unencoded in a query string
  ])('reads %s', (text, ms) => {
    expect(parseExpires(text)).toBe(ms);
  });
});

describe('signing properties', () => {
  const name = fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }).filter((k) => k.toLowerCase() !== 'signature');
  const paramsArb = fc.dictionary(name, fc.string({ maxLength: 20, unit: 'binary' }), { minKeys: 1, maxKeys: 8 });

  it('verifies any parameters signed by the Java rule', () => {
    fc.assert(
      fc.property(paramsArb, fc.string({ minLength: 1, maxLength: 40 }), (params, secret) => {
        const signature = signRequest(params, secret);
        return checkSignature(withSignature(params, signature), secret, NOW).ok;
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('refuses the signature once any value changes', () => {
    fc.assert(
      fc.property(paramsArb, fc.nat(), fc.string({ minLength: 1, maxLength: 5, unit: 'binary' }), (params, pick, extra) => {
        const signature = signRequest(params, SECRET);
        const keys = Object.keys(params);
        const key = keys[pick % keys.length];
        // Appending keeps the change visible after lower-casing ("A" -> "a" would not be a change to ACS either).
        const changed = { ...params, [key]: `${params[key]}0${extra}` };
        return !checkSignature(withSignature(changed, signature), SECRET, NOW).ok;
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
