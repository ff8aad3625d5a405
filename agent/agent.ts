import { createHash } from 'node:crypto';
import { DomainDescriptionSchema, type DomainDescription, type DomainPowerState, type HeartbeatResponse, type LeasedTask, type PoolReport, type PoolSpec, type TaskError, type TaskResult } from '../core/agent-protocol';
import { GatewayClient, GatewayError, type AgentCredentials } from './client';
import type { HypervisorDriver } from './drivers/driver';
import { CredentialsSchema, fencingFileFor, FencingStateSchema, readJson, writeJson, type FencingState } from './state-files';
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
  /**
   * Where credentials are saved after registration and read on the next start. The last standing
   * orders (HA domains, fence interval, last contact) are kept beside it in `<file>.fencing.json`,
   * so an agent restarted while cut off still fences.
   */
  credentialsFile?: string;
  heartbeatIntervalMs?: number; // default 10 s; also how often the agent checks whether to fence
  pollWaitMs?: number; // long-poll wait, default 10 s (the gateway allows up to 20 s)
  maxConcurrentTasks?: number; // default 4; long tasks (backups, restores) run beside these, never taking their slots
  /** A long task whose progress the gateway has not accepted for this long (the host cut off) is aborted: its workflow has given up on it. Default 120 s (nas.backup.progress.timeout's default). */
  progressSilenceMs?: number;
  reportAttempts?: number; // default 4
  reportBackoffMs?: number; // first retry delay, doubled each time; default 250 ms
  errorBackoffMs?: number; // pause after a failed poll; default 1 s
  /** How often every domain is described again (changes made on the host behind Stratus's back); default 5 min. */
  describeIntervalMs?: number;
  /** How often a long task (TakeBackup, RestoreBackup) reports its progress, which also keeps its lease and its workflow state alive; default 10 s. */
  progressIntervalMs?: number;
  fetch?: typeof fetch;
  logger?: AgentLogger;
}

/** How long a forced power-off may take (stop orders and self-fencing). */
const FORCED_STOP_TIMEOUT_MS = 60_000;

/** JSON lines on stderr: the agent runs as a service whose journal collects them. */
export const stderrLogger: AgentLogger = {
  info: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'INFO', time: new Date().toISOString(), message, ...data })}\n`),
  warn: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'WARN', time: new Date().toISOString(), message, ...data })}\n`),
  error: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'ERROR', time: new Date().toISOString(), message, ...data })}\n`),
};

/** Wait `ms`, or less when the signal aborts or `wake` is called; never rejects. */
function delay(ms: number, signal: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
}

/** The domain a task acts on (a volume's file alone, deleted or resized while detached: its path). */
function domainOf(task: LeasedTask): string {
  if (task.command === 'StartVm') return task.payload.spec.instanceName;
  if (task.command === 'DeleteVolume') return task.payload.disk.path;
  if (task.command === 'DownloadImage') return `template-${task.payload.image.id}`;
  if (task.command === 'CheckVolume') return task.payload.path;
  if (task.command === 'DeleteBackup') return task.payload.instanceName ?? `backup-${task.payload.path}`;
  if (task.command === 'MeasureBackupRepository') return `backup-repository-${task.payload.repository.id}`;
  if (task.command === 'ResizeVolume') return task.payload.instanceName ?? task.payload.disk.path;
  return task.payload.instanceName;
}

/** Commands that report progress while they run (DownloadImage's goes with heartbeats). */
const REPORTS_PROGRESS: ReadonlySet<string> = new Set(['TakeBackup', 'RestoreBackup']);

/** Why the agent cut a task short while it kept running itself: reported as the task's failure. */
class TaskAborted extends Error {
  constructor(readonly error: TaskError) {
    super(error.message);
    this.name = 'TaskAborted';
  }
}

/** What one heartbeat describes: changed descriptions (with their digests), vanished names, and whether it names every domain. */
interface DescriptionReport {
  described: Array<{ description: DomainDescription; digest: string }>;
  /** the domains touched by tasks that this heartbeat described, with their touch counts */
  touched: Map<string, number>;
  vanished: string[];
  complete: boolean;
  rescan: boolean;
}

interface Running {
  leaseId: string; // the newest lease: a task re-leased while it still runs here reports under it
  domain: string;
  controller: AbortController; // aborts this task alone: its deadline passed, or its domain is fenced
  done: Promise<void>;
  /** a long task (a backup, a restore): runs beside the others' slots */
  long?: boolean;
}

/**
 * The host agent: registers once, then heartbeats and long-polls the gateway, runs leased tasks with
 * its driver (up to a limit at once) and reports each result once. Every call is outbound.
 *
 * Each heartbeat answer carries standing orders: domains to power off now (`stop`), and the HA
 * domains to power off itself if it loses the control plane for `fenceAfterMs` (self-fencing), so
 * a VM the control plane restarts elsewhere never runs twice.
 */
export class Agent {
  private readonly client: GatewayClient;
  private readonly log: AgentLogger;
  private readonly running = new Map<string, Running>();
  private readonly byDomain = new Map<string, Promise<void>>(); // the last work accepted per domain
  private readonly stopOrders = new Map<string, Promise<void>>(); // stop orders queued or running, by domain
  private controller?: AbortController;
  private loops: Promise<void>[] = [];
  private fencing: FencingState = { haDomains: [] };
  private lastContact?: number; // epoch ms of the last heartbeat the gateway answered
  private fenced = false; // this loss of contact has been acted on
  private wakeHeartbeat?: () => void;
  private heartbeatSoon = false;
  /** the primary storage pools the last heartbeat answer named */
  private poolOrders: PoolSpec[] = [];
  /** images downloading now (DownloadImage tasks): template id -> percent, sent with each heartbeat */
  private readonly downloads = new Map<string, number>();
  /** each domain's description as the control plane last acknowledged it (a digest): only changes are sent */
  private readonly described = new Map<string, { digest: string; powerState: string }>();
  /** domains a task ran on since their last description: described again on the next heartbeat */
  private readonly touched = new Map<string, number>(); // domain -> how many times; a heartbeat acknowledges the count it saw
  /** when every domain is described again; 0: at the next heartbeat (after a start) */
  private nextRescanAt = 0;

  constructor(private readonly options: AgentOptions) {
    this.client = new GatewayClient({ endpoint: options.endpoint, fetch: options.fetch });
    this.log = options.logger ?? stderrLogger;
  }

  /** The host id once registered (or loaded from saved credentials). */
  get hostId(): string | undefined {
    return this.client.credentials?.hostId;
  }

  /** The HA domains and fence interval from the last heartbeat answer, and whether the agent is fencing now. */
  get standingOrders(): { haDomains: string[]; fenceAfterMs?: number; lastContactAt?: number; fenced: boolean } {
    return { ...this.fencing, haDomains: [...this.fencing.haDomains], lastContactAt: this.lastContact, fenced: this.fenced };
  }

  /**
   * Register if needed, send a first heartbeat, then run the heartbeat, poll and fence loops until
   * stop(). A stopped agent may be started again (as its service would be restarted): it keeps its
   * credentials and standing orders.
   */
  async start(): Promise<void> {
    if (this.controller) throw new Error('The agent is already started');
    this.client.credentials ??= await this.loadOrRegister();
    await this.loadFencingState();
    const controller = new AbortController();
    this.controller = controller;
    await this.heartbeatOnce(controller.signal);
    this.loops = [this.heartbeatLoop(controller.signal), this.pollLoop(controller.signal), this.fenceLoop(controller.signal)];
    this.log.info('agent started', { hostId: this.hostId });
  }

  /**
   * End the loops and wait for them and for work in flight. A task cut short is not reported: its
   * lease expires and the gateway hands it out again, which idempotent commands make safe.
   */
  async stop(): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    controller.abort();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await Promise.allSettled([...this.stopOrders.values()]);
    this.controller = undefined;
    this.loops = [];
    this.log.info('agent stopped', { hostId: this.hostId });
  }

  private async loadOrRegister(): Promise<AgentCredentials> {
    if (this.options.credentials) return this.options.credentials;
    const file = this.options.credentialsFile;
    if (file) {
      const saved = await readJson(file, CredentialsSchema);
      if (saved) return saved;
    }
    if (!this.options.token) throw new Error('The agent has no saved credentials and no registration token');
    const facts = await this.options.driver.hostFacts();
    const credentials = await this.client.register(this.options.token, facts);
    if (file) await writeJson(file, credentials);
    this.log.info('agent registered', { hostId: credentials.hostId });
    return credentials;
  }

  private get fencingFile(): string | undefined {
    return this.options.credentialsFile ? fencingFileFor(this.options.credentialsFile) : undefined;
  }

  /**
   * Standing orders from before a restart. Contact counts from the last one saved (the VMs kept
   * running while the agent was down), or from now when nothing was saved.
   */
  private async loadFencingState(): Promise<void> {
    if (this.lastContact !== undefined) return; // restarted in this process: memory is newer
    const file = this.fencingFile;
    const saved = file
      ? await readJson(file, FencingStateSchema).catch((err: Error) => {
          this.log.warn('ignoring unreadable fencing state', { file, error: err.message });
          return undefined;
        })
      : undefined;
    if (saved) this.fencing = { haDomains: saved.haDomains, fenceAfterMs: saved.fenceAfterMs };
    this.lastContact = saved?.lastContactAt ?? Date.now();
  }

  private async saveFencingState(): Promise<void> {
    const file = this.fencingFile;
    if (!file) return;
    const state: FencingState = { ...this.fencing, lastContactAt: this.lastContact };
    try {
      await writeJson(file, state);
    } catch (err) {
      this.log.warn('could not save the fencing state', { file, error: (err as Error).message });
    }
  }

  /**
   * The gateway answered a heartbeat: the host is in contact, and a fence (if any) is lifted. Only
   * heartbeats count, as the control plane declares a host Down on heartbeats alone: an agent whose
   * polls still get through but whose heartbeats do not must fence, too.
   */
  private contact(): void {
    this.lastContact = Date.now();
    if (this.fenced) {
      this.fenced = false;
      this.log.warn('contact with the control plane restored; it decides which fenced VMs run again', { hostId: this.hostId });
    }
  }

  private async heartbeatOnce(signal: AbortSignal): Promise<void> {
    let answer: HeartbeatResponse;
    try {
      // Busy first: a task that ends while the domains are read is then reported busy, never as final.
      const busy = [...this.byDomain.keys()];
      const [facts, domains, pools] = await Promise.all([this.options.driver.hostFacts(), this.options.driver.domains(), this.poolReports(signal)]);
      const downloads = [...this.downloads].map(([templateId, percent]) => ({ templateId, percent }));
      const report = await this.describeChanges(domains, signal);
      answer = await this.client.heartbeat({ facts, domains, busy, pools, downloads, described: report.described.map((d) => d.description), vanished: report.vanished, complete: report.complete }, signal);
      this.acknowledge(report);
    } catch (err) {
      if (!signal.aborted) this.log.warn('heartbeat failed', { error: (err as Error).message });
      return;
    }
    this.contact();
    this.fencing = { haDomains: answer.haDomains, fenceAfterMs: answer.fenceAfterMs };
    await this.saveFencingState();
    this.obeyStopOrders(answer.stop, signal);
    const known = new Set(this.poolOrders.map((p) => p.id));
    this.poolOrders = answer.pools;
    // A pool new to this host is measured and reported at once: placement needs its size.
    if (answer.pools.some((p) => !known.has(p.id))) this.heartbeatNow();
  }

  /**
   * The domains to describe in this heartbeat: all of them at a rescan (after a start, then every
   * describeIntervalMs), else those new, changed in power state, or acted on by a task since; sent
   * only when the description differs from the one acknowledged. A domain that cannot be described
   * now is tried again next time.
   */
  private async describeChanges(domains: readonly DomainPowerState[], signal: AbortSignal): Promise<DescriptionReport> {
    const rescan = Date.now() >= this.nextRescanAt;
    const present = new Set(domains.map((d) => d.name));
    // Work on what is not a domain here (an image download, a domain undefined since) leaves nothing to describe.
    for (const name of this.touched.keys()) if (!present.has(name)) this.touched.delete(name);
    const due = domains.filter((d) => rescan || this.touched.has(d.name) || this.described.get(d.name)?.powerState !== d.state);
    const described: DescriptionReport['described'] = [];
    const seen = new Map<string, number>();
    let complete = rescan;
    for (const { name } of due) {
      // A domain a task acted on is sent even unchanged: the control plane may have judged it while the task ran.
      const touches = this.touched.get(name);
      const touched = touches !== undefined;
      if (touched) seen.set(name, touches);
      let description: DomainDescription | undefined;
      try {
        description = await this.options.driver.describe(name, signal);
      } catch (err) {
        complete = false;
        this.touch(name);
        if (!signal.aborted) this.log.warn('could not describe a domain', { domain: name, error: (err as Error).message });
        continue;
      }
      if (!description) continue; // gone since the list was read: vanished next time
      const digest = createHash('sha256').update(JSON.stringify(description)).digest('hex');
      // One the control plane would refuse (a name too long, too many disks): said once, never sent.
      const valid = DomainDescriptionSchema.safeParse(description);
      if (!valid.success) {
        if (this.described.get(name)?.digest !== digest) this.log.warn('a domain cannot be described to the control plane; it will not be listed', { domain: name, error: valid.error.message.slice(0, 500) });
        this.described.set(name, { digest, powerState: description.powerState });
        continue;
      }
      if (touched || this.described.get(name)?.digest !== digest) described.push({ description, digest });
      else this.described.set(name, { digest, powerState: description.powerState });
    }
    const vanished = [...this.described.keys()].filter((name) => !present.has(name));
    return { described, vanished, complete, rescan, touched: seen };
  }

  private touch(name: string): void {
    this.touched.set(name, (this.touched.get(name) ?? 0) + 1);
  }

  /** The control plane has what this heartbeat described: remember it, so only changes go next time. */
  private acknowledge(report: DescriptionReport): void {
    // A touch the heartbeat carried is done with; one that came after it (a task that ended meanwhile) waits for the next.
    for (const [name, touches] of report.touched) if (this.touched.get(name) === touches) this.touched.delete(name);
    for (const { description, digest } of report.described) this.described.set(description.name, { digest, powerState: description.powerState });
    for (const name of report.vanished) this.described.delete(name);
    if (report.rescan) this.nextRescanAt = Date.now() + (this.options.describeIntervalMs ?? 300_000);
  }

  /** The pools the last answer named, each kept available and measured, or why it cannot be reached. */
  private poolReports(signal: AbortSignal): Promise<PoolReport[]> {
    return Promise.all(
      this.poolOrders.map(async (pool): Promise<PoolReport> => {
        try {
          return { id: pool.id, available: true, ...(await this.options.driver.poolStats(pool, signal)) };
        } catch (err) {
          return { id: pool.id, available: false, reason: (err as Error).message.slice(0, 1000) };
        }
      }),
    );
  }

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    const interval = this.options.heartbeatIntervalMs ?? 10_000;
    // Even a prompt heartbeat keeps this gap: a stop order repeated until it shows must not become a flood.
    const minGap = Math.min(interval, 500);
    while (!signal.aborted) {
      const sent = Date.now();
      if (!this.heartbeatSoon) await delay(interval, signal, (wake) => (this.wakeHeartbeat = wake));
      this.wakeHeartbeat = undefined;
      this.heartbeatSoon = false;
      await delay(minGap - (Date.now() - sent), signal);
      if (signal.aborted) break;
      await this.heartbeatOnce(signal);
    }
  }

  /** Send the next heartbeat now rather than at the end of the interval. */
  private heartbeatNow(): void {
    this.heartbeatSoon = true;
    this.wakeHeartbeat?.();
  }

  /**
   * Power off the domains the control plane runs elsewhere or stopped. Each stop waits behind the
   * work already queued on its domain, so it never overtakes a task; when they are all done the
   * next heartbeat goes at once, so the control plane sees them off.
   */
  private obeyStopOrders(names: string[], signal: AbortSignal): void {
    const fresh = names.filter((name) => !this.stopOrders.has(name));
    if (fresh.length === 0) return;
    const stops = fresh.map((name) => {
      const done = this.serialise(name, async () => {
        if (signal.aborted) return;
        try {
          await this.options.driver.stop(name, { force: true, timeoutMs: FORCED_STOP_TIMEOUT_MS }, signal);
          this.log.warn('powered off a domain on the control plane\'s order', { domain: name });
        } catch (err) {
          if (!signal.aborted) this.log.error('could not power off a domain on the control plane\'s order', { domain: name, error: (err as Error).message });
        }
      }).finally(() => this.stopOrders.delete(name));
      this.stopOrders.set(name, done);
      return done;
    });
    void Promise.allSettled(stops).then(() => {
      if (!signal.aborted) this.heartbeatNow();
    });
  }

  /** Run `work` after everything accepted before it on the same domain. */
  private serialise(domain: string, work: () => Promise<void>): Promise<void> {
    const before = this.byDomain.get(domain) ?? Promise.resolve();
    const done: Promise<void> = before
      .then(work)
      .catch((err) => this.log.error('work on a domain failed unexpectedly', { domain, error: (err as Error).message }))
      .finally(() => {
        if (this.byDomain.get(domain) === done) this.byDomain.delete(domain);
      });
    this.byDomain.set(domain, done);
    return done;
  }

  private async fenceLoop(signal: AbortSignal): Promise<void> {
    const interval = this.options.heartbeatIntervalMs ?? 10_000;
    while (!signal.aborted) {
      const fenceAfterMs = this.fencing.fenceAfterMs;
      await delay(fenceAfterMs ? Math.min(interval, Math.max(10, fenceAfterMs / 4)) : interval, signal);
      if (signal.aborted) break;
      await this.fenceIfCutOff(signal).catch((err: Error) => this.log.error('self-fencing failed; trying again', { error: err.message }));
    }
  }

  /**
   * Out of contact for longer than the fence interval: power off the HA domains running here, and
   * keep them off while contact is lost. Tasks on them, running or waiting, are aborted: a start or
   * a migration leased before the loss must not bring them back.
   */
  private async fenceIfCutOff(signal: AbortSignal): Promise<void> {
    const { fenceAfterMs, haDomains } = this.fencing;
    const silentFor = Date.now() - (this.lastContact ?? Date.now());
    if (fenceAfterMs === undefined || silentFor < fenceAfterMs || haDomains.length === 0) return;
    const ha = new Set(haDomains);
    if (!this.fenced) {
      this.fenced = true;
      this.log.warn('no contact with the control plane: powering off this host\'s HA VMs so they can run elsewhere', { hostId: this.hostId, silentForMs: silentFor, fenceAfterMs });
    }
    for (const task of this.running.values()) {
      if (ha.has(task.domain) && !task.controller.signal.aborted) {
        task.controller.abort(new TaskAborted({ name: 'ResourceUnavailableError', message: `Host cut off from the control plane: ${task.domain} was fenced`, retryable: true }));
      }
    }
    for (const { name, state } of await this.options.driver.domains()) {
      if (signal.aborted) return;
      if (!ha.has(name) || state !== 'PowerOn') continue;
      await this.options.driver.stop(name, { force: true, timeoutMs: FORCED_STOP_TIMEOUT_MS }, signal);
      this.log.warn('self-fenced an HA VM: powered it off while cut off from the control plane', { domain: name, silentForMs: silentFor });
    }
  }

  private async pollLoop(signal: AbortSignal): Promise<void> {
    const max = this.options.maxConcurrentTasks ?? 4;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!signal.aborted) {
      // A backup may run for hours: long tasks never take the slots the rest of the host's work needs.
      const free = max - [...this.running.values()].filter((r) => !r.long).length;
      if (free <= 0) {
        await Promise.race([aborted, ...[...this.running.values()].filter((r) => !r.long).map((r) => r.done)]);
        continue;
      }
      try {
        // What it runs now: a task leased to it and not named lost its answer, and is handed out again.
        const { tasks } = await this.client.poll({ maxTasks: Math.min(free, 25), waitMs: this.options.pollWaitMs ?? 10_000, holding: [...this.running.keys()] }, signal);
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
    const domain = domainOf(task);
    // The task's own signal: the agent stopping, its deadline passing, or its domain being fenced.
    const controller = new AbortController();
    const onStop = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    const deadline =
      task.deadline === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(
                new TaskAborted({ name: 'ResourceUnavailableError', message: `${task.command} on ${domain} did not finish before its deadline (${new Date(task.deadline!).toISOString()}); aborted`, retryable: false }),
              ),
            Math.min(Math.max(0, task.deadline - Date.now()), 2 ** 31 - 1),
          );
    const entry: Running = { leaseId: task.leaseId, domain, controller, done: Promise.resolve(), long: REPORTS_PROGRESS.has(task.command) };
    // Tasks on one domain run one after another, in the order they were leased: a clean-up that
    // undoes a start never overtakes the start it undoes.
    entry.done = this.serialise(domain, async () => {
      if (signal.aborted) return;
      const result = await this.execute(task, entry, controller.signal);
      if (signal.aborted) return;
      await this.report(task.taskId, entry, result, signal);
    }).finally(() => {
      clearTimeout(deadline);
      signal.removeEventListener('abort', onStop);
      this.running.delete(task.taskId);
      this.touch(domain); // what the task did shows in the domain's next description
    });
    this.running.set(task.taskId, entry);
  }

  /** The task's result; a task this agent cut short fails with the reason it was cut. */
  private async execute(task: LeasedTask, entry: Running, signal: AbortSignal): Promise<TaskResult> {
    const image = task.command === 'DownloadImage' ? task.payload.image.id : undefined;
    const reporter = REPORTS_PROGRESS.has(task.command) ? this.reportProgress(task.taskId, entry, signal) : undefined;
    // A long task whose workflow gave up on it (a stale lease after an agent restart) never starts.
    if (reporter && !(await reporter.start())) {
      reporter.stop();
      return { ok: false, error: { name: 'ResourceUnavailableError', message: `${task.command} not started: its workflow no longer waits for it`, retryable: false } };
    }
    let result: TaskResult | undefined;
    try {
      if (image) this.downloads.set(image, 0);
      result = signal.aborted ? undefined : await runCommand(this.options.driver, task, signal, (percent) => (image ? this.downloads.set(image, percent) : reporter?.set(percent)));
    } finally {
      if (image) this.downloads.delete(image);
      reporter?.stop();
    }
    if (result?.ok) return result; // finished before the abort took hold: it did happen
    const reason: unknown = signal.reason;
    if (signal.aborted && reason instanceof TaskAborted) return { ok: false, error: reason.error };
    return result ?? { ok: false, error: { name: 'AgentError', message: 'The task was aborted', retryable: true } };
  }

  /**
   * While a long task runs, its progress goes to the gateway every progressIntervalMs (the latest
   * percent, unchanged too): the job shows it, the task's lease is extended and the waiting workflow
   * state heartbeated, so a backup outlives any lease and an agent that dies is noticed within the
   * state's HeartbeatSeconds. A gateway that says the workflow no longer waits aborts the task.
   */
  private reportProgress(taskId: string, entry: Running, signal: AbortSignal): { start(): Promise<boolean>; set(percent: number): void; stop(): void } {
    let percent = 0;
    let sent = -1;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    /** false: the gateway said the workflow no longer waits (a network failure is not that: the work goes on). */
    let acceptedAt = Date.now();
    const silenceMs = this.options.progressSilenceMs ?? 120_000;
    const send = async (): Promise<boolean> => {
      if (stopped || signal.aborted) return true;
      try {
        const answer = await this.client.progress({ taskId, leaseId: entry.leaseId, percent }, signal);
        sent = percent;
        if (answer.accepted) acceptedAt = Date.now();
        if (answer.accepted || signal.aborted) return true;
        this.log.warn('the workflow no longer waits for this task; aborting it', { taskId, reason: answer.reason });
        entry.controller.abort(new TaskAborted({ name: 'ResourceUnavailableError', message: `Aborted: ${answer.reason ?? 'the workflow no longer waits for it'}`, retryable: false }));
        return false;
      } catch (err) {
        if (signal.aborted) return true;
        this.log.warn('progress not reported', { taskId, error: (err as Error).message });
        // Cut off for longer than a workflow waits without progress: it has given up and cleans up; this copy must not go on writing.
        if (Date.now() - acceptedAt > silenceMs) {
          entry.controller.abort(new TaskAborted({ name: 'ResourceUnavailableError', message: `Aborted: no progress report reached the control plane for ${Math.round((Date.now() - acceptedAt) / 1000)} s`, retryable: false }));
          return false;
        }
        return true;
      }
    };
    return {
      start: async () => {
        const waited = await send();
        if (waited) timer = setInterval(() => void send(), this.options.progressIntervalMs ?? 10_000);
        return waited;
      },
      set: (p) => {
        percent = p;
        if (p - sent >= 10) void send(); // a big step shows at once; small ones wait for the timer
      },
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
    };
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
