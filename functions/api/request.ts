import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** One request parameter as the client sent it: the name untouched (case, literal brackets), the value decoded. */
export type RawParam = readonly [name: string, value: string];

/**
 * The request's parameters in the order the client sent them: the query string first, then an
 * `application/x-www-form-urlencoded` body, as the servlet's `getParameterMap()` merges them. A
 * repeated name keeps its first value only (`ApiServer.verifyRequest` reads `value[0]`), and both
 * signing and dispatch see exactly this list.
 */
export function parseRequest(event: Pick<APIGatewayProxyEventV2, 'rawQueryString' | 'body' | 'isBase64Encoded' | 'headers'>): RawParam[] {
  const seen = new Set<string>();
  const out: RawParam[] = [];
  const add = (pairs: RawParam[]) => {
    for (const pair of pairs) {
      if (seen.has(pair[0])) continue;
      seen.add(pair[0]);
      out.push(pair);
    }
  };
  // rawQueryString, not queryStringParameters: API Gateway joins repeated names with ',' there.
  add(decodeForm(event.rawQueryString ?? ''));
  if (event.body && isFormBody(event.headers)) {
    const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    add(decodeForm(body));
  }
  return out;
}

/** A form body, or a body with no content type at all (hand-written tooling); JSON bodies are not parameters. */
function isFormBody(headers: APIGatewayProxyEventV2['headers'] | undefined): boolean {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type');
  const type = entry?.[1];
  return !type || type.toLowerCase().includes('application/x-www-form-urlencoded');
}

/** Standard form decoding: split on '&' and the first '=', '+' is a space, then percent-decode (UTF-8). */
export function decodeForm(text: string): RawParam[] {
  const out: RawParam[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    out.push([formDecode(name), formDecode(value)]);
  }
  return out;
}

function formDecode(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A stray '%' (hand-written tooling): decode the valid escapes, keep the rest as sent.
    return spaced.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** The first value of a parameter whose name matches case-insensitively (apiKey, signature, signatureVersion, expires). */
export function findParam(params: readonly RawParam[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return params.find(([k]) => k.toLowerCase() === lower)?.[1];
}

/** The `command` parameter: the exact name first (as ACS reads it), then any case. */
export function commandName(params: readonly RawParam[]): string | undefined {
  return params.find(([k]) => k === 'command')?.[1] ?? findParam(params, 'command');
}
