import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from '../../../core/entities';

/** An API Gateway v2 event as the HTTP API (or the local server) hands it to the api Lambda. */
export function apiEvent(opts: { method?: 'GET' | 'POST'; query?: string; body?: string; base64?: boolean; contentType?: string } = {}): APIGatewayProxyEventV2 {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const body = opts.body === undefined ? undefined : opts.base64 ? Buffer.from(opts.body, 'utf8').toString('base64') : opts.body;
  return {
    version: '2.0',
    routeKey: `${method} /client/api`,
    rawPath: '/client/api',
    rawQueryString: opts.query ?? '',
    headers: opts.body === undefined ? {} : { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method, path: '/client/api', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} /client/api`,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1735689600000,
    },
    body,
    isBase64Encoded: opts.base64 ?? false,
  };
}

export const rootCaller: Caller = {
  userId: '11111111-1111-4111-8111-111111111111',
  username: 'admin',
  accountId: '22222222-2222-4222-8222-222222222222',
  accountName: 'admin',
  domainPath: 'ROOT',
  domainId: '33333333-3333-4333-8333-333333333333',
  role: 'rootAdmin',
};

export const userCaller: Caller = { ...rootCaller, userId: '44444444-4444-4444-8444-444444444444', username: 'alice', accountName: 'alice', role: 'user' };

/** Java-rule query string encoding: what a well-behaved client puts on the wire. */
export function toQuery(params: Array<readonly [string, string]>): string {
  return params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
