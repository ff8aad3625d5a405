import type { z } from 'zod';
import {
  AGENT_HEADERS,
  AGENT_PATHS,
  HeartbeatResponseSchema,
  PollResponseSchema,
  RegisterResponseSchema,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type HostFacts,
  type PollRequest,
  type PollResponse,
  type ProgressRequest,
  ProgressResponseSchema,
  type RegisterResponse,
  type ResultRequest,
} from '../core/agent-protocol';
import { signAgentRequest } from '../core/agent-signing';

/** What the gateway gave this host at registration. */
export interface AgentCredentials {
  hostId: string;
  secret: string;
}

/** A gateway answer other than 2xx, or no answer at all (status 0). 4xx means "do not retry". */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface GatewayClientOptions {
  endpoint: string; // e.g. http://127.0.0.1:8080 or https://api.example.com/prod
  fetch?: typeof fetch;
  /** Per-request bound beyond a long poll's own wait. */
  requestTimeoutMs?: number;
}

/** The agent gateway over HTTP: every call but register is signed with the host secret. */
export class GatewayClient {
  private readonly base: URL;
  private readonly fetchFn: typeof fetch;
  private readonly requestTimeoutMs: number;
  credentials?: AgentCredentials;

  constructor(options: GatewayClientOptions) {
    this.base = new URL(options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`);
    this.fetchFn = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  async register(token: string, facts: HostFacts, signal?: AbortSignal): Promise<RegisterResponse> {
    return this.call(AGENT_PATHS.register, { token, facts }, RegisterResponseSchema, { signed: false, signal });
  }

  /** The standing orders until the next heartbeat; an older gateway's `{received: true}` means none. */
  async heartbeat(request: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return this.call(AGENT_PATHS.heartbeat, request, HeartbeatResponseSchema, { signal });
  }

  async poll(request: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
    return this.call(AGENT_PATHS.poll, request, PollResponseSchema, { signal, extraTimeoutMs: request.waitMs });
  }

  /** Report a task's result; `accepted: false` means the gateway no longer wanted it (not an error). */
  async result(request: ResultRequest, signal?: AbortSignal): Promise<{ accepted: boolean }> {
    const body = await this.call(AGENT_PATHS.result, request, undefined, { signal });
    return { accepted: (body as { accepted?: unknown })?.accepted === true };
  }

  /** How far a long task has come; `accepted: false`: the workflow no longer waits for it (abort it). */
  async progress(request: ProgressRequest, signal?: AbortSignal): Promise<{ accepted: boolean; reason?: string }> {
    return this.call(AGENT_PATHS.progress, request, ProgressResponseSchema, { signal });
  }

  private async call<S extends z.ZodType | undefined>(
    agentPath: string,
    payload: unknown,
    schema: S,
    { signed = true, signal, extraTimeoutMs = 0 }: { signed?: boolean; signal?: AbortSignal; extraTimeoutMs?: number },
  ): Promise<S extends z.ZodType ? z.infer<S> : unknown> {
    const url = new URL(agentPath.slice(1), this.base);
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signed) {
      if (!this.credentials) throw new GatewayError(401, 'The agent is not registered');
      const date = new Date().toISOString();
      headers[AGENT_HEADERS.hostId] = this.credentials.hostId;
      headers[AGENT_HEADERS.date] = date;
      headers[AGENT_HEADERS.signature] = signAgentRequest(this.credentials.secret, 'POST', url.pathname, date, body);
    }
    const timeout = AbortSignal.timeout(this.requestTimeoutMs + extraTimeoutMs);
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err; // stopping: let the caller see the abort
      throw new GatewayError(0, `${agentPath}: no answer from the gateway (${(err as Error).message})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new GatewayError(response.status || 502, `${agentPath}: the gateway answered ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) {
      const message = (parsed as { message?: unknown })?.message;
      throw new GatewayError(response.status, `${agentPath}: ${response.status} ${typeof message === 'string' ? message : response.statusText}`);
    }
    return (schema ? schema.parse(parsed) : parsed) as S extends z.ZodType ? z.infer<S> : unknown;
  }
}
