import type { CommandName, CommandParamName } from '../../functions/api/registry';

/**
 * The console's only way to Stratus: the CloudStack API at /client/api over a `login` session, as
 * CloudStack's own UI uses it (POST forms, `sessionkey` on every request). Anything the console
 * does, a script can do with the same commands. Calls are typed by the command declarations the
 * API serves: a command that does not exist, or a parameter it does not declare, fails `tsc`.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;
type Value = string | number | boolean | undefined;
/** A command's declared parameters, and the indexed wire forms of its map parameters (`details[0].cpuNumber`). */
export type Params<N extends CommandName> = Partial<Record<CommandParamName<N>, Value>> & { [W in `${CommandParamName<N>}[${number}].${string}`]?: Value };

export interface Session {
  sessionkey: string;
  username: string;
  account: string;
  domainid: string;
  /** CloudStack's account type: 0 user, 1 root admin, 2 domain admin. */
  type: string;
  timeout: number;
}

/** An API error answer: CloudStack's code and text, as a client shows them. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(text);
  }
}

const SESSION_KEY = 'stratus.session';
const ENDPOINT = '/client/api';

let session: Session | undefined = load();
const expiredListeners = new Set<() => void>();

function load(): Session | undefined {
  try {
    const saved = sessionStorage.getItem(SESSION_KEY);
    return saved ? (JSON.parse(saved) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export const currentSession = (): Session | undefined => session;
export const isRootAdmin = (): boolean => session?.type === '1';
export const isAdmin = (): boolean => session?.type === '1' || session?.type === '2';

/** Called when the API says the session is gone (expired, or logged out elsewhere). */
export function onSessionExpired(listener: () => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

async function post(form: Record<string, Value>): Promise<Obj> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== '') body.set(k, String(v));
  body.set('response', 'json');
  const res = await fetch(ENDPOINT, { method: 'POST', body, credentials: 'same-origin' });
  const text = await res.text();
  let parsed: Obj;
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    throw new ApiError(res.status, `The API answered ${res.status} without a CloudStack body`);
  }
  // CloudStack wraps every answer in one `<command>response` object; errors carry errorcode/errortext in it.
  const inner = (Object.values(parsed)[0] ?? {}) as Obj;
  if (!res.ok || inner.errorcode) {
    const code = Number(inner.errorcode ?? res.status);
    if (code === 401 && session && form.command !== 'login') {
      forget();
      for (const l of expiredListeners) l();
    }
    throw new ApiError(code, String(inner.errortext ?? `The API answered ${res.status}`));
  }
  return inner;
}

function forget(): void {
  session = undefined;
  sessionStorage.removeItem(SESSION_KEY);
}

/** `login`: a session for the user, kept for this browser tab. */
export async function login(username: string, password: string, domain: string): Promise<Session> {
  const answer = await post({ command: 'login', username, password, domain: domain || '/' });
  session = { sessionkey: answer.sessionkey, username: answer.username, account: answer.account, domainid: answer.domainid, type: String(answer.type), timeout: Number(answer.timeout) };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

/** `logout`: the session ends on the server too. */
export async function logout(): Promise<void> {
  try {
    if (session) await post({ command: 'logout', sessionkey: session.sessionkey });
  } finally {
    forget();
  }
}

/** One command, answered with the inside of its response envelope. */
export function call<N extends CommandName>(command: N, params: Params<N> = {} as Params<N>): Promise<Obj> {
  if (!session) return Promise.reject(new ApiError(401, 'Not logged in'));
  return post({ ...(params as Record<string, Value>), command, sessionkey: session.sessionkey });
}

export interface Page<T = Obj> {
  count: number;
  items: T[];
}

/** A list command's page: its items (whatever the envelope names them) and CloudStack's `count`. */
export async function list<N extends CommandName>(command: N, params: Params<N> = {} as Params<N>): Promise<Page> {
  const answer = await call(command, params);
  const items = (Object.values(answer).find(Array.isArray) ?? []) as Obj[];
  return { count: Number(answer.count ?? items.length), items };
}

/** A map parameter in CloudStack's wire form: `tags[0].key=...&tags[0].value=...`. */
export function indexed(name: string, entries: ReadonlyArray<Record<string, Value>>): Record<string, Value> {
  const out: Record<string, Value> = {};
  entries.forEach((entry, i) => {
    for (const [k, v] of Object.entries(entry)) out[`${name}[${i}].${k}`] = v;
  });
  return out;
}

/** A job as queryAsyncJobResult answers it, with Stratus' workflow steps. */
export interface Job {
  jobid: string;
  cmd: string;
  /** 0 pending, 1 succeeded, 2 failed */
  jobstatus: 0 | 1 | 2;
  jobresult?: Obj;
  steps: Array<{ name: string; at: string }>;
  failedstep?: string;
  failurereason?: string;
  jobinstanceid?: string;
}

export async function queryJob(jobid: string): Promise<Job> {
  return (await call('queryAsyncJobResult', { jobid })) as Job;
}

/** UTF-8 text as the base64 CloudStack's `userdata` takes. */
export function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
