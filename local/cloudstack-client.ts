import { signRequest } from '../functions/api/signing';

/**
 * A minimal signed CloudStack client for our own tests and benchmarks: signature v3 with
 * `expires`, GET or POST form, and polling of async jobs. Real clients (cs, libcloud) are tested
 * separately in test/compat; this one exists so that tests speak the wire protocol, not our code.
 */
export interface CloudStackReply {
  status: number;
  body: Record<string, unknown>;
  /** The object under the single `<command>response` key. */
  data: Record<string, unknown>;
}

export class CloudStackClient {
  constructor(
    private readonly apiUrl: string,
    private readonly apiKey: string,
    private readonly secretKey: string,
    private readonly opts: { method?: 'GET' | 'POST'; expiresInMs?: number } = {},
  ) {}

  /** Sign and send; answers whatever the server answered, errors included. */
  async call(command: string, params: Record<string, string | number | boolean> = {}, overrides: { secretKey?: string; expires?: Date; unsigned?: boolean; method?: 'GET' | 'POST' } = {}): Promise<CloudStackReply> {
    const all: Record<string, string> = { command, response: 'json', apiKey: this.apiKey };
    for (const [k, v] of Object.entries(params)) all[k] = String(v);
    if (!overrides.unsigned) {
      all.signatureVersion = '3';
      all.expires = formatExpires(overrides.expires ?? new Date(Date.now() + (this.opts.expiresInMs ?? 10 * 60_000)));
      all.signature = signRequest(all, overrides.secretKey ?? this.secretKey);
    }
    const query = new URLSearchParams(all).toString();
    const method = overrides.method ?? this.opts.method ?? 'GET';
    const res =
      method === 'GET'
        ? await fetch(`${this.apiUrl}?${query}`)
        : await fetch(this.apiUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query });
    const body = (await res.json()) as Record<string, unknown>;
    const key = Object.keys(body)[0];
    return { status: res.status, body, data: (body[key] ?? {}) as Record<string, unknown> };
  }

  /** Like call, but a non-200 answer throws with the CloudStack error text. */
  async ok(command: string, params: Record<string, string | number | boolean> = {}): Promise<Record<string, unknown>> {
    const reply = await this.call(command, params);
    if (reply.status !== 200) throw new Error(`${command} answered ${reply.status}: ${JSON.stringify(reply.data)}`);
    return reply.data;
  }

  /** Poll queryAsyncJobResult until the job ends (or `timeoutMs` passes). */
  async waitForJob(jobid: string, { intervalMs = 100, timeoutMs = 60_000 } = {}): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.ok('queryAsyncJobResult', { jobid });
      if (job.jobstatus !== 0) return job;
      if (Date.now() > deadline) throw new Error(`job ${jobid} still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** `2025-01-01T00:00:00+0000`, as the cs client sends it. */
export function formatExpires(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+0000');
}
