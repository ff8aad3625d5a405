import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStackOptions } from '../../local/stack';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * What the compat suites share: the local stack started once per file, the real clients (Debian's
 * `cs` and `python3-libcloud`) spawned as child processes, and a recording proxy that shows which
 * commands a client sent. A missing client is a failure, never a skip: CI installs them.
 */

export const PYTHON = '/usr/bin/python3';
export const CLOUDSTACK_CLI = '/usr/bin/cloudstack';

/** Throws (so every test of the file fails) when a Debian client is not installed. */
export function requireTool(path: string, packages: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian packages ${packages} (CI's .ci/run does)`);
}

/** One stack per compat file, started as the e2e tests start theirs. */
export type CompatStack = TestStack;
export const startCompatStack = (extra: Partial<LocalStackOptions> = {}): Promise<CompatStack> => startTestStack(extra);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without anything that could point a client elsewhere, /usr/bin first. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CLOUDSTACK_') && !k.startsWith('STRATUS_') && !k.startsWith('PYTHON')) env[k] = v;
  env.PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export function run(file: string, args: readonly string[], env: Record<string, string>, timeoutMs = 120_000, inDir?: string): Promise<Run> {
  // A scratch cwd unless told (`go test .` runs in its package's directory): cs also reads ./cloudstack.ini.
  const cwd = inDir ?? mkdtempSync(join(tmpdir(), 'stratus-compat-cwd-'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (!inDir) rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** `cloudstack <args>` with the endpoint and keys in its environment, as a user would after `source credentials.env`. */
export function cloudstack(endpoint: string, credentials: { apiKey: string; secretKey: string }, args: readonly string[]): Promise<Run> {
  return run(CLOUDSTACK_CLI, args, { CLOUDSTACK_ENDPOINT: endpoint, CLOUDSTACK_KEY: credentials.apiKey, CLOUDSTACK_SECRET: credentials.secretKey });
}

/** The JSON a client printed on stdout; a readable failure when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout, got exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export interface RecordedRequest {
  method: string;
  query: string; // the raw query string, '' when none
  contentType?: string;
  command?: string; // from the query or the form body
  params: Record<string, string>;
}

export interface RecordingProxy {
  apiUrl: string;
  requests: RecordedRequest[];
  commands(): string[];
  clear(): void;
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of the stack that records each request's
 * method, query and command, so a test can assert what a client actually sent.
 */
export async function startRecordingProxy(targetEndpoint: string): Promise<RecordingProxy> {
  const target = new URL(targetEndpoint);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const [, query = ''] = (req.url ?? '/').split(/\?(.*)/s);
      const params: Record<string, string> = {};
      const add = (text: string) => new URLSearchParams(text).forEach((v, k) => (params[k] ??= v));
      add(query);
      const contentType = req.headers['content-type'];
      if (contentType?.startsWith('application/x-www-form-urlencoded')) add(body.toString());
      requests.push({ method: req.method ?? '', query, contentType, command: params.command, params });
      const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (err) => res.writeHead(502, { 'Content-Type': 'text/plain' }).end(err.message));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    apiUrl: `http://127.0.0.1:${port}/client/api`,
    requests,
    commands: () => requests.map((r) => r.command ?? ''),
    clear: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
