import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { sendResult, toApiGatewayEvent } from '../../../local/apigw-adapter';

function request(method: string, url: string, headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  req.headers = headers;
  return req;
}

function capture() {
  const res = new ServerResponse(request('GET', '/', {}));
  const out: { status?: number; headers?: unknown; body?: string } = {};
  res.writeHead = ((status: number, headers: unknown) => {
    out.status = status;
    out.headers = headers;
    return res;
  }) as typeof res.writeHead;
  res.end = ((body: string | Buffer) => {
    out.body = Buffer.isBuffer(body) ? body.toString('base64') : body;
    return res;
  }) as typeof res.end;
  return { res, out };
}

describe('API Gateway adapter', () => {
  it('turns a request into a v2 event with lower-case headers, cookies, query and a text body', () => {
    // Prepare
    const req = request('post', '/client/api?command=listZones&a=1&a=2', { 'Content-Type': 'application/json', Cookie: 'x=1; y=2', Host: 'localhost:8080' });

    // Act
    const event = toApiGatewayEvent(req, '{"k":1}');

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/client/api',
      rawQueryString: 'command=listZones&a=1&a=2',
      queryStringParameters: { command: 'listZones', a: '1,2' },
      cookies: ['x=1', 'y=2'],
      headers: { 'content-type': 'application/json', host: 'localhost:8080' },
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/client/api' }, stage: '$default' },
    });
  });

  it('base64-encodes a binary body', () => {
    // Act
    const event = toApiGatewayEvent(request('PUT', '/upload', { 'content-type': 'application/octet-stream' }), Buffer.from([0, 255]));

    // Assess
    expect(event).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
  });

  it('writes a result with its status, headers and cookies', () => {
    // Prepare
    const { res, out } = capture();

    // Act
    sendResult(res, { statusCode: 401, headers: { 'Content-Type': 'application/json' }, cookies: ['s=1'], body: '{"message":"no"}' });

    // Assess
    expect(out).toEqual({ status: 401, headers: { 'content-type': 'application/json', 'set-cookie': ['s=1'] }, body: '{"message":"no"}' });
  });

  it('writes a bare object result as a 200 JSON body, as API Gateway does', () => {
    // Prepare
    const { res, out } = capture();

    // Act
    sendResult(res, { hello: 'world' } as never);

    // Assess
    expect(out).toMatchObject({ status: 200, body: '{"hello":"world"}' });
  });
});
