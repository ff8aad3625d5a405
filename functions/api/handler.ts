import { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Caller } from '../../core/entities';
import { ApiLimitExceededError, AuthError, InternalError, UnsupportedActionError } from '../../core/errors';
import { createStore, type Store } from '../store';
import { tableName, withDeadline } from '../store/client';
import { CLOUDSTACK_COMMANDS } from './cloudstack-commands';
import type { Command } from './define-command';
import { IDEMPOTENCY_PARAM, isMutating, once, requestParams } from './idempotency';
import { cloudstackErrors } from './errors';
import { createJobStarter, type JobStarter } from './jobs';
import { unpackParams } from './params';
import { commandName, findParam, parseRequest, type RawParam } from './request';
import { findCommand as registryFind } from './registry';
import { jsonResponse, toResponse } from './response';
import { login, logout, paramMap, sessionCaller } from './sessions';
import { checkSignature } from './signing';

/**
 * The `api` Lambda behind `/client/api`: parse the GET query and/or form body, verify the
 * signature (verifySignature), validate the command's parameters and run it (route), and turn any
 * error into CloudStack's error body (cloudstackErrors, outermost). Responses are JSON whatever
 * `response=` says: XML is out of scope, and every client we serve sends `response=json`.
 */

/** What the middlewares learn about a request, kept on the Lambda context for the next ones. */
export interface ApiRequestState {
  params: RawParam[];
  command?: Command; // undefined: unknown command -> `errorresponse`
  caller?: Caller; // set once the signature (or the session) is verified
  /** login and logout, which are no commands of the registry: their own answers */
  session?: { kind: 'login' } | { kind: 'logout'; key?: string };
  /** the envelope of an answer that is no command's (loginresponse, logoutresponse) */
  envelope?: string;
}

export type ApiLambdaContext = Context & { stratus?: ApiRequestState };

export interface ApiDeps {
  store: () => Store;
  jobs: (store: Store) => JobStarter;
  now: () => Date;
  findCommand?: (name: string) => Command | undefined;
}

type ApiMiddleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiLambdaContext>;

const logger = new Logger({ serviceName: 'stratus-api' });

/**
 * ApiServer.verifyRequest: the command must exist, `apiKey` must name an enabled key, the
 * signature must match and a v3 request must not have expired; then the caller's role must be
 * allowed the command. Every failure is a 401.
 */
export function verifySignature(deps: ApiDeps): ApiMiddleware {
  const find = deps.findCommand ?? registryFind;
  return {
    async before(request) {
      const params = parseRequest(request.event);
      const state: ApiRequestState = { params };
      request.context.stratus = state;
      const name = commandName(params);
      state.command = name ? find(name) : undefined;

      if (name?.toLowerCase() === 'login') {
        state.session = { kind: 'login' };
        state.envelope = 'loginresponse';
        return; // a password is its credential
      }
      // An API key's signature, or else a login session's key.
      const apiKey = findParam(params, 'apiKey');
      const sessionKey = findParam(params, 'sessionkey');
      if (!name || (!apiKey && !sessionKey)) throw new AuthError();
      let caller: Caller;
      if (apiKey) {
        if (!findParam(params, 'signature')) throw new AuthError();
        const credentials = await deps.store().credentials.lookup(apiKey);
        if (!credentials || !credentials.enabled) throw new AuthError();
        const check = checkSignature(params, credentials.secretKey, deps.now());
        if (!check.ok) {
          logger.info('signature refused', { command: name, reason: check.reason, names: params.map(([k]) => k).sort() });
          throw new AuthError();
        }
        caller = credentials.caller;
      } else {
        const found = await sessionCaller(deps.store(), sessionKey!, deps.now());
        if (!found) throw new AuthError('unable to verify user credentials: the session has ended or its key is not valid; log in again');
        caller = found;
      }
      if (name.toLowerCase() === 'logout') {
        state.session = { kind: 'logout', key: apiKey ? undefined : sessionKey };
        state.envelope = 'logoutresponse';
        state.caller = caller;
        return;
      }
      // Only a caller whose credentials hold learns whether a command exists.
      if (!state.command) throw new UnsupportedActionError(unknownCommandText(name, request.event.requestContext?.http?.sourceIp));
      if (!state.command.access.includes(caller.role)) {
        throw new AuthError(`The given command '${name}' either does not exist, is not available for user.`);
      }
      await throttle(deps.store(), caller, deps.now());
      state.caller = caller;
    },
  };
}

/**
 * ApiRateLimitServiceImpl.checkAccess: with api.throttling.enabled, an account may make
 * api.throttling.max requests in each api.throttling.interval seconds (the root admin is not
 * throttled); the next is a 429 until the interval ends. The count is an item of the table.
 */
async function throttle(store: Store, caller: Caller, now: Date): Promise<void> {
  if (caller.role === 'rootAdmin' || !(await store.settings.getBoolean('api.throttling.enabled'))) return;
  const [intervalSeconds, max] = await Promise.all([store.settings.getNumber('api.throttling.interval'), store.settings.getNumber('api.throttling.max')]);
  const intervalMs = intervalSeconds * 1000;
  const windowStart = now.getTime() - (now.getTime() % intervalMs);
  const windowEnd = windowStart + intervalMs;
  if (await store.throttle.take(caller.accountId, windowStart, max, Math.ceil(windowEnd / 1000) + 60)) return;
  throw new ApiLimitExceededError(`The given user has reached his/her account api limit, please retry after ${windowEnd - now.getTime()} ms.`);
}

/**
 * A command Stratus lacks: one CloudStack has is named as not supported here (a client is not sent
 * after its credentials); any other gets CloudStack's text for a command that does not exist.
 */
export function unknownCommandText(name: string, sourceIp = '127.0.0.1'): string {
  const ip = sourceIp.replace(/^::ffff:/, ''); // an IPv4 client as Java prints it
  return CLOUDSTACK_COMMANDS.has(name.toLowerCase())
    ? `The API command ${name} is not supported by Stratus: it is a CloudStack command Stratus does not implement (listApis lists the ones it does)`
    : `The given command '${name}' either does not exist, is not available for user, or not available from ip address '${ip}'.`;
}

const DEFAULT_BUDGET_MS = 29_000;

/** Validate the parameters and run the verified command. */
export function route(deps: ApiDeps) {
  return async (event: APIGatewayProxyEventV2, context: ApiLambdaContext): Promise<APIGatewayProxyStructuredResultV2> => {
    const state = context.stratus;
    if (state?.session) return sessionResponse(state, deps, event);
    if (!state?.command || !state.caller) throw new InternalError('API request reached the router without a verified caller');
    const { command, caller } = state;
    const raw = unpackParams(state.params);
    const params = command.parse(raw, caller.role);
    const store = deps.store();
    // Its reads stop a second before the function's time limit, when API Gateway has given up on it.
    const budget = (context.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS) - 1000;
    const httpMethod = event.requestContext?.http?.method?.toUpperCase() === 'POST' ? 'POST' : 'GET';
    const run = async () => toResponse(command.envelope, await withDeadline(budget, () => command.handle({ params, raw, caller, store, jobs: deps.jobs(store), now: deps.now(), command: command.name, httpMethod })));
    // A retried change with the same idempotency key gets the first call's answer.
    const key = findParam(state.params, IDEMPOTENCY_PARAM);
    if (key === undefined || !isMutating(command.name)) return run();
    return once(tableName(), { accountId: caller.accountId, command: command.name, key, params: requestParams(Object.fromEntries(state.params)) }, context, run);
  };
}

/** login's and logout's answers, with the cookie that carries (or clears) the session's key. */
async function sessionResponse(state: ApiRequestState, deps: ApiDeps, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const store = deps.store();
  const session = state.session!;
  const result =
    session.kind === 'login'
      ? await login(store, paramMap(state.params), deps.now(), event.requestContext?.http?.sourceIp ?? '')
      : session.key
        ? await logout(store, session.key, state.caller!, deps.now())
        : { body: { logoutresponse: { description: 'success' } }, cookies: [] }; // an API key has no session to end
  // Clients use the key as a parameter (the console keeps it per tab); the cookie is for clients with a
  // jar: no page script reads it, and one set over HTTPS (API Gateway, CloudFront) never goes over HTTP.
  const https = event.headers?.['x-forwarded-proto'] === 'https';
  const cookies = result.cookies.map((c) => `${c}; HttpOnly${https ? '; Secure' : ''}`);
  return { ...jsonResponse(200, result.body), ...(cookies.length ? { cookies } : {}) };
}

export function createApiHandler(deps: ApiDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, ApiLambdaContext>(route(deps))
    .use(cloudstackErrors())
    .use(verifySignature(deps));
}

// One store and one job starter per process and configuration, made on first use (nothing at import time).
const jobStarters = new WeakMap<Store, JobStarter>();

export const handler = createApiHandler({
  store: () => createStore(),
  jobs: (s) => jobStarters.get(s) ?? jobStarters.set(s, createJobStarter(s)).get(s)!,
  now: () => new Date(),
});
