import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HandlerResult } from './define-command';

/**
 * Serialising results (ApiResponseSerializer): one top-level key `<command lower>response`,
 * empty lists as `{}`, `count` as the total, JSON even when the client asked for XML (XML is out of
 * scope; every client we target sends `response=json`).
 */

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** The headers ACS adds to every API answer (§3.1). */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': JSON_CONTENT_TYPE,
  'X-Content-Type-Options': 'nosniff',
  'X-XSS-Protection': '1;mode=block',
  'Cache-Control': 'no-cache, no-store',
};

/** The object under the envelope key. */
export function responseBody(result: HandlerResult): Record<string, unknown> {
  if (!('kind' in result)) return { id: result.id, jobid: result.jobid }; // a JobStarter result: async create submit
  switch (result.kind) {
    case 'object':
      return { [result.key]: result.value };
    case 'list':
      // An empty list is `{}`; a page past the end of a non-empty one keeps its total (ApiResponseSerializer).
      return result.items.length === 0 ? (result.count > 0 ? { count: result.count } : {}) : { count: result.count, [result.key]: result.items };
    case 'success':
      return result.displaytext === undefined ? { success: true } : { success: true, displaytext: result.displaytext };
    case 'async':
      return result.id === undefined ? { jobid: result.jobid } : { id: result.id, jobid: result.jobid };
    case 'raw':
      return result.body;
  }
}

export function jsonResponse(statusCode: number, body: unknown, extraHeaders: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...BASE_HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

/** A successful answer: 200 with `{ "<envelope>": body }`. */
export function toResponse(envelope: string, result: HandlerResult): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(200, { [envelope]: responseBody(result) });
}
