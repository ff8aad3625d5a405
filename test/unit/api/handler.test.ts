import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { Caller } from '../../../core/entities';
import { defineCommand, type Command } from '../../../functions/api/define-command';
import { createApiHandler, type ApiLambdaContext } from '../../../functions/api/handler';
import type { JobStarter } from '../../../functions/api/jobs';
import { cs } from '../../../functions/api/params';
import { findCommand } from '../../../functions/api/registry';
import { signRequest } from '../../../functions/api/signing';
import type { Store } from '../../../functions/store';
import { apiEvent, rootCaller, toQuery, userCaller } from './fixtures';

const NOW = new Date('2025-01-01T00:00:00Z');
const keys: Record<string, { caller: Caller; secretKey: string; enabled: boolean }> = {
  'root-key': { caller: rootCaller, secretKey: 'root-secret', enabled: true },
  'user-key': { caller: userCaller, secretKey: 'user-secret', enabled: true },
  'off-key': { caller: userCaller, secretKey: 'off-secret', enabled: false },
};
// Throttling is off: its settings read as their defaults.
const store = { credentials: { lookup: async (apiKey: string) => keys[apiKey] }, settings: { getBoolean: async () => false } } as unknown as Store;

// Commands that exist only in this test, to exercise roles, validation and failures.
const testCommands: Record<string, Command> = {
  addhost: defineCommand({
    name: 'addHost',
    description: 'Adds a new host.',
    access: ['rootAdmin'],
    async: false,
    params: z.object({ zoneid: cs.uuid(), 'url': cs.string() }),
    async handle() {
      return { kind: 'success' };
    },
  }),
  echodetails: defineCommand({
    name: 'echoDetails',
    description: 'Echoes a map parameter.',
    access: ['user', 'rootAdmin'],
    async: false,
    params: z.object({ details: cs.map().optional() }),
    async handle({ params }) {
      return { kind: 'object', key: 'details', value: params.details ?? {} };
    },
  }),
  explode: defineCommand({
    name: 'explode',
    description: 'Fails unexpectedly.',
    access: ['user', 'rootAdmin'],
    async: false,
    params: z.object({}),
    async handle() {
      throw new TypeError('cannot read properties of undefined');
    },
  }),
};

const handler = createApiHandler({
  store: () => store,
  jobs: () => ({}) as JobStarter,
  now: () => NOW,
  findCommand: (name) => testCommands[name.toLowerCase()] ?? findCommand(name),
});

type Pairs = Array<[string, string]>;
function signed(params: Pairs, apiKey: string, secret: string): Pairs {
  const all: Pairs = [...params, ['apiKey', apiKey]];
  if (!params.some(([k]) => k === 'response')) all.push(['response', 'json']);
  return [...all, ['signature', signRequest(all, secret)]];
}
async function call(event: ReturnType<typeof apiEvent>): Promise<{ status: number; body: Record<string, any>; headers: Record<string, unknown> }> {
  const res = (await handler(event, {} as ApiLambdaContext)) as APIGatewayProxyStructuredResultV2;
  return { status: res.statusCode ?? 0, body: JSON.parse(res.body ?? ''), headers: (res.headers ?? {}) as Record<string, unknown> };
}
const get = (params: Pairs, apiKey = 'root-key', secret = keys[apiKey]?.secretKey ?? 'x') => call(apiEvent({ query: toQuery(signed(params, apiKey, secret)) }));

describe('api handler', () => {
  it('runs a signed GET and answers in the command envelope with the ACS headers', async () => {
    // Act
    const res = await get([['command', 'listCapabilities']]);

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json; charset=UTF-8', 'X-Content-Type-Options': 'nosniff' });
    expect(Object.keys(res.body)).toEqual(['listcapabilitiesresponse']);
    expect(res.body.listcapabilitiesresponse.capability).toMatchObject({ cloudstackversion: '4.22.0.0-stratus', dynamicscalingenabled: false, supportELB: 'false' });
  });

  it('runs a signed POST form body, base64-encoded by API Gateway', async () => {
    const body = toQuery(signed([['command', 'listCapabilities']], 'user-key', 'user-secret'));
    const res = await call(apiEvent({ body, base64: true }));
    expect(res.status).toBe(200);
  });

  it('accepts a v3 request that has not expired', async () => {
    const res = await get([
      ['command', 'listCapabilities'],
      ['signatureVersion', '3'],
      ['expires', '2025-01-01T00:10:00+0000'],
    ]);
    expect(res.status).toBe(200);
  });

  it('refuses an expired v3 request with 401', async () => {
    const res = await get([
      ['command', 'listCapabilities'],
      ['signatureversion', '3'],
      ['expires', '2024-12-31T23:59:59Z'],
    ]);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ listcapabilitiesresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' } });
  });

  it.each([
    ['a wrong secret', 'root-key', 'wrong'],
    ['an unknown key', 'nobody', 'x'],
    ['a disabled key', 'off-key', 'off-secret'],
  ])('refuses %s with 401 and no cserrorcode', async (_what, apiKey, secret) => {
    const res = await get([['command', 'listCapabilities']], apiKey, secret);
    expect(res.status).toBe(401);
    expect(res.body.listcapabilitiesresponse).not.toHaveProperty('cserrorcode');
  });

  it('refuses a request without a signature', async () => {
    const res = await call(apiEvent({ query: 'command=listCapabilities&apiKey=root-key&response=json' }));
    expect(res.status).toBe(401);
  });

  it('answers a signed request for an unknown command with 432 and CloudStack\'s text in errorresponse', async () => {
    const res = await get([['command', 'fooBar']]);
    expect(res.status).toBe(432);
    expect(res.body).toEqual({
      errorresponse: { uuidList: [], errorcode: 432, cserrorcode: 9999, errortext: "The given command 'fooBar' either does not exist, is not available for user, or not available from ip address '127.0.0.1'." },
    });
  });

  it('names a CloudStack command Stratus lacks as not supported, not as missing credentials', async () => {
    const res = await get([['command', 'listProjects']]);
    expect(res.status).toBe(432);
    expect(res.body.errorresponse.errortext).toBe('The API command listProjects is not supported by Stratus: it is a CloudStack command Stratus does not implement (listApis lists the ones it does)');
  });

  it('answers an unknown command with a bad signature with 401, as for any bad signature', async () => {
    const res = await call(apiEvent({ query: 'command=fooBar&apiKey=root-key&response=json&signature=bad' }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ errorresponse: { uuidList: [], errorcode: 401, errortext: 'unable to verify user credentials and/or request signature' } });
  });

  it('refuses a command the caller role may not call with 401', async () => {
    const res = await get([['command', 'addHost']], 'user-key');
    expect(res.status).toBe(401);
    expect(res.body.addhostresponse.errortext).toBe("The given command 'addHost' either does not exist, is not available for user.");
  });

  it('answers a missing required parameter with 431 and the exact text', async () => {
    const res = await get([
      ['command', 'addHost'],
      ['url', 'http://h1'],
    ]);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({
      addhostresponse: { uuidList: [], errorcode: 431, cserrorcode: 9999, errortext: 'Unable to execute API command addhost due to missing parameter zoneid' },
    });
  });

  it('reads parameter names case-insensitively and map keys with literal brackets', async () => {
    // Prepare: the Go SDKs put [ and ] unescaped in the query string.
    const params = signed(
      [
        ['command', 'echoDetails'],
        ['details[0].cpuNumber', '2'],
        ['DETAILS[1].memory', '1024'],
      ],
      'user-key',
      'user-secret',
    );
    const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

    // Act
    const res = await call(apiEvent({ query }));

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ echodetailsresponse: { details: { 0: { cpuNumber: '2' }, 1: { memory: '1024' } } } });
  });

  it('answers a malformed map key with 430', async () => {
    const res = await get([
      ['command', 'echoDetails'],
      ['details[a].x', '1'],
    ]);
    expect(res.status).toBe(430);
    expect(res.body.echodetailsresponse.errortext).toBe(
      'Unable to decode parameter details[a].x; if specifying an object array, please use parameter[index].field=XXX, e.g. userGroupList[0].group=httpGroup',
    );
  });

  it('shows an unexpected failure as 530 with the generic text to a user', async () => {
    const res = await get([['command', 'explode']], 'user-key');
    expect(res.status).toBe(530);
    expect(res.body.exploderesponse).toEqual({
      uuidList: [],
      errorcode: 530,
      cserrorcode: 4250,
      errortext: 'Internal error executing command, please contact your system administrator',
    });
  });

  it('answers JSON even when the client asks for XML', async () => {
    const res = await get([
      ['command', 'listCapabilities'],
      ['response', 'xml'],
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('listcapabilitiesresponse');
  });
});

describe('listApis', () => {
  it('lists the commands the caller may call, in the shape cmk sync asserts', async () => {
    // Act
    const res = await get([['command', 'listApis']], 'user-key');

    // Assess
    const body = res.body.listapisresponse;
    expect(body.count).toBe(body.api.length);
    const names = body.api.map((a: { name: string }) => a.name);
    expect(names).toEqual(expect.arrayContaining(['listApis', 'listCapabilities']));
    for (const api of body.api) {
      expect(typeof api.name).toBe('string');
      expect(typeof api.description).toBe('string');
      expect(typeof api.isasync).toBe('boolean');
      expect(Array.isArray(api.params)).toBe(true);
      for (const p of api.params) {
        expect(p).toEqual(expect.objectContaining({ name: expect.any(String), description: expect.any(String), type: expect.any(String), required: expect.any(Boolean), length: expect.any(Number) }));
      }
    }
    expect(body.api.find((a: { name: string }) => a.name === 'listApis')).toEqual({
      name: 'listApis',
      description: 'lists all available apis on the server, provided by the Api Discovery plugin',
      since: '4.1.0',
      isasync: false,
      params: [{ name: 'name', description: 'API name', type: 'string', length: 255, required: false }],
      response: expect.arrayContaining([
        { name: 'name', description: 'the name of the api', type: 'string' },
        expect.objectContaining({ name: 'params', type: 'list', response: expect.arrayContaining([{ name: 'required', description: 'the required of the params', type: 'boolean' }]) }),
      ]),
    });
  });

  it('filters by name', async () => {
    const res = await get([
      ['command', 'listApis'],
      ['name', 'listCapabilities'],
    ]);
    expect(res.body.listapisresponse.count).toBe(1);
    expect(res.body.listapisresponse.api[0].name).toBe('listCapabilities');
  });

  it('refuses a name it does not know', async () => {
    const res = await get([
      ['command', 'listApis'],
      ['name', 'noSuchApi'],
    ]);
    expect(res.status).toBe(431);
  });
});
