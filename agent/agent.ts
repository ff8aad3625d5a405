import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { LeasedTask, TaskResult } from '../core/agent-protocol';
import { GatewayClient, GatewayError, type AgentCredentials } from './client';
import type { HypervisorDriver } from './drivers/driver';
import { runCommand } from './tasks';

export interface AgentLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface AgentOptions {
  endpoint: string;
  driver: HypervisorDriver;
  /** One-time registration token from addHost; needed only when there are no saved credentials. */
  token?: string;
  /** Credentials kept in memory (in-process simulated hosts). */
  credentials?: AgentCredentials;
  /** Where credentials are saved after registration and read on the next start. */
  credentialsFile?: string;
  heartbeatIntervalMs?: number; // default 10 s
  pollWaitMs?: number; // long-poll wait, default 10 s (the gateway allows up to 20 s)
  maxConcurrentTasks?: number; // default 4
  reportAttempts?: number; // default 4
  reportBackoffMs?: number; // first retry delay, doubled each time; default 250 ms
  errorBackoffMs?: number; // pause after a failed poll; default 1 s
  fetch?: typeof fetch;
  logger?: AgentLogger;
}

const CredentialsSchema = z.object({ hostId: z.string().min(1), secret: z.string().min(1) });

/** JSON lines on stderr: the agent runs as a service whose journal collects them. */
export const stderrLogger: AgentLogger = {
  info: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'INFO', time: new Date().toISOString(), message, ...data })}\n`),
  warn: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'WARN', time: new Date().toISOString(), message, ...data })}\n`),
  error: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'ERROR', time: new Date().toISOString(), message, ...data })}\n`),
};

/** Wait `ms`, or less when the signal aborts; never rejects. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The domain a task acts on. */
function domainOf(task: LeasedTask): string {
  return task.command === 'StartVm' ? task.payload.spec.instanceName : task.payload.instanceName;
}

interface Running {
  leaseId: string; // the newest lease: a task re-leased while it still runs here reports under it
  done: Promise<void>;
}

/**
 * The host agent: registers once, then heartbeats and long-polls the gateway, runs leased tasks with
 * its driver (up to a limit at once) and reports each result once. Every call is outbound.
 */
export class Agent {
  private readonly client: GatewayClient;
  private readonly log: AgentLogger;
  private readonly running = new Map<string, Running>();
  private readonly byDomain = new Map<string, Promise<void>>(); // the last task accepted per domain
  private controller?: AbortController;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: AgentOptions) {
    this.client = new GatewayClient({ endpoint: options.endpoint, fetch: options.fetch });
    this.log = options.logger ?? stderrLogger;
  }

  /** The host id once registered (or loaded from saved credentials). */
  get hostId(): string | undefined {
    return this.client.credentials?.hostId;
  }

  /** Register if needed, send a first heartbeat, then run the heartbeat and poll loops until stop(). */
  async start(): Promise<void> {
    if (this.controller) throw new Error('The agent is already started');
    this.client.credentials = await this.loadOrRegister();
    const controller = new AbortController();
    this.controller = controller;
    await this.heartbeatOnce(controller.signal);
    this.loops = [this.heartbeatLoop(controller.signal), this.pollLoop(controller.signal)];
    this.log.info('agent started', { hostId: this.hostId });
  }

  /**
   * End both loops and wait for them and for tasks in flight. A task cut short is not reported: its
   * lease expires and the gateway hands it out again, which idempotent commands make safe.
   */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    controller.abort();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    this.controller = undefined;
    this.loops = [];
    this.log.info('agent stopped', { hostId: this.hostId });
  }

  private async loadOrRegister(): Promise<AgentCredentials> {
    if (this.options.credentials) return this.options.credentials;
    const file = this.options.credentialsFile;
    if (file) {
      const saved = await readFile(file, 'utf8').then(
        (text) => CredentialsSchema.parse(JSON.parse(text)),
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        },
      );
      if (saved) return saved;
    }
    if (!this.options.token) throw new Error('The agent has no saved credentials and no registration token');
    const facts = await this.options.driver.hostFacts();
    const credentials = await this.client.register(this.options.token, facts);
    if (file) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    }
    this.log.info('agent registered', { hostId: credentials.hostId });
    return credentials;
  }

  private async heartbeatOnce(signal: AbortSignal): Promise<void> {
    try {
      const [facts, domains] = await Promise.all([this.options.driver.hostFacts(), this.options.driver.domains()]);
      await this.client.heartbeat({ facts, domains, busy: [...this.byDomain.keys()] }, signal);
    } catch (err) {
      if (!signal.aborted) this.log.warn('heartbeat failed', { error: (err as Error).message });
    }
  }

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    const interval = this.options.heartbeatIntervalMs ?? 10_000;
    while (!signal.aborted) {
      await delay(interval, signal);
      if (signal.aborted) break;
      await this.heartbeatOnce(signal);
    }
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    const max = this.options.maxConcurrentTasks ?? 4;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!signal.aborted) {
      const free = max - this.running.size;
      if (free <= 0) {
        await Promise.race([aborted, ...[...this.running.values()].map((r) => r.done)]);
        continue;
      }
      try {
        const { tasks } = await this.client.poll({ maxTasks: Math.min(free, 25), waitMs: this.options.pollWaitMs ?? 10_000 }, signal);
        for (const task of tasks) this.accept(task, signal);
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn('poll failed', { error: (err as Error).message });
        await delay(this.options.errorBackoffMs ?? 1000, signal);
      }
    }
  }

  private accept(task: LeasedTask, signal: AbortSignal): void {
    const current = this.running.get(task.taskId);
    if (current) {
      // Its lease expired while it still runs here: finish once and report under the new lease.
      current.leaseId = task.leaseId;
      return;
    }
    const entry: Running = { leaseId: task.leaseId, done: Promise.resolve() };
    // Tasks on one domain run one after another, in the order they were leased: a clean-up that
    // undoes a start never overtakes the start it undoes.
    const domain = domainOf(task);
    const before = this.byDomain.get(domain) ?? Promise.resolve();
    entry.done = (async () => {
      await before;
      if (signal.aborted) return;
      const result = await runCommand(this.options.driver, task, signal);
      if (signal.aborted) return;
      await this.report(task.taskId, entry, result, signal);
    })()
      .catch((err) => this.log.error('task failed unexpectedly', { taskId: task.taskId, error: (err as Error).message }))
      .finally(() => {
        this.running.delete(task.taskId);
        if (this.byDomain.get(domain) === entry.done) this.byDomain.delete(domain);
      });
    this.byDomain.set(domain, entry.done);
    this.running.set(task.taskId, entry);
  }

  /** Report once; retry transient failures with backoff, then give up: the lease will expire. */
  private async report(taskId: string, entry: Running, result: TaskResult, signal: AbortSignal): Promise<void> {
    const attempts = this.options.reportAttempts ?? 4;
    let backoff = this.options.reportBackoffMs ?? 250;
    for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
      try {
        const { accepted } = await this.client.result({ taskId, leaseId: entry.leaseId, result }, signal);
        if (!accepted) this.log.info('result not needed any more', { taskId });
        return;
      } catch (err) {
        if (signal.aborted) return;
        const retryable = err instanceof GatewayError ? err.retryable : true;
        this.log.warn('reporting a result failed', { taskId, attempt, error: (err as Error).message });
        if (!retryable) return;
        if (attempt < attempts) await delay(backoff, signal);
        backoff *= 2;
      }
    }
    this.log.error('result dropped after retries; the lease will expire and the task run again', { taskId });
  }
}
