import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { placeholdersIn, stepNameFor } from '../core/workflow-substitutions';
import { Agent, type AgentLogger } from '../agent/agent';
import { SimulatorDriver, type SimulatorConfig } from '../agent/drivers/simulator';
import { startDynamoDbLocal, ensureTable, type DynamoDbLocal } from './dynamodb';
import { startLocalStepFunctions, type LocalStepFunctions } from './stepfunctions/server';
import type { TaskFaults } from './stepfunctions/engine';
import { toApiGatewayEvent, sendResult } from './apigw-adapter';
import { freePort } from './ports';
import { projectRoot } from './paths';
import { buildLambdaBundles } from './lambda-bundles';
import { buildConsole, CONSOLE_CSP, type ConsoleFile } from '../cdk/console-assets';
import { startLambdaRuntime, type LambdaRuntime } from './lambda-runtime';
import { createStore } from '../functions/store';
import { migrateData, type MigrationReport } from '../ops/migrate-data';
import { documentClient } from '../functions/store/client';
import { addHostRecord, seedInventory, writeCredentialsFile, type SeedResult } from '../functions/bootstrap/seed';
import type { ReconcileReport } from '../functions/scheduled/reconcile';
import type { HaMonitorReport } from '../functions/scheduled/haMonitor';
import type { BackupSchedulerReport } from '../functions/scheduled/backupScheduler';
import type { BackupSyncReport } from '../functions/scheduled/backupSync';
import type { ScheduledRun } from '../functions/scheduled/scheduled-run';

/** The admin's login password on a local stack, as a fresh CloudStack's (change it with updateUser). */
export const LOCAL_ADMIN_PASSWORD = 'password';

/**
 * The whole control plane on one machine, no AWS account and no Docker: DynamoDB Local, the local
 * Step Functions endpoint running workflows/*.asl.json, the HTTP front serving the same Lambda
 * handlers as API Gateway would, the bootstrap inventory, and simulated hypervisor hosts running
 * the real agent. `npm start` (local/main.ts), the end-to-end tests and the benchmark all use it.
 */
export interface LocalStackOptions {
  port?: number; // 0: a free port
  dataDir?: string; // default .stratus
  inMemory?: boolean;
  simHosts?: number;
  simHost?: Partial<Omit<SimulatorConfig, 'hostname'>>;
  /** Agent timings; tests shorten them. */
  agent?: { heartbeatIntervalMs?: number; pollWaitMs?: number; maxConcurrentTasks?: number; progressIntervalMs?: number };
  agentPollIntervalMs?: number;
  /** How long an agent's task lease lasts (default 60 s); the reconciler's restart test shortens it. */
  agentLeaseMs?: number;
  /**
   * How long a function may use a setting it read (default 5 s, as on AWS): each function caches
   * settings in its own process, so a change reaches the others within this bound. Tests that change a
   * setting and act on it at once use 0.
   */
  settingsCacheMs?: number;
  logger?: AgentLogger;
  quiet?: boolean;
  /** Test-only: Task states that fail on purpose, and retries without waits (stepfunctions/engine.ts TaskFaults). */
  taskFaults?: TaskFaults;
  /**
   * The background jobs (scheduled expunge, reconciler, HA monitor), ticked every `tickMs` as EventBridge
   * Scheduler ticks them on AWS; each decides from its interval setting whether it is due.
   * `false`: only `runScheduled()` runs them.
   */
  scheduler?: false | { tickMs?: number; reconcileGraceMs?: number };
}

export interface LocalStack {
  endpoint: string; // http://127.0.0.1:<port>
  apiUrl: string; // <endpoint>/client/api
  consoleUrl: string; // <endpoint>/
  credentials: { apiKey: string; secretKey: string };
  dataDir: string;
  dynamoDbEndpoint: string;
  stepFunctionsEndpoint: string;
  hosts: Array<{ name: string; hostId: string; driver: SimulatorDriver; agent: Agent }>;
  seed: SeedResult;
  /** What the data migration did to an existing data directory (ops/migrate-data.ts). */
  migrated: MigrationReport;
  /** Add a simulated host the way addHost + an agent would. */
  addSimHost(name: string, config?: Partial<Omit<SimulatorConfig, 'hostname'>>): Promise<LocalStack['hosts'][number]>;
  /** Start a simulated host's agent with the one-time token addHost returned; it registers and heartbeats. */
  startSimAgent(token: string, name: string, config?: Partial<Omit<SimulatorConfig, 'hostname'>>): Promise<{ driver: SimulatorDriver; agent: Agent }>;
  /**
   * Cut a simulated host off from the control plane (its agent's requests fail as on a broken
   * network, and those in flight are dropped) or reconnect it. Its VMs keep running meanwhile.
   */
  setConnected(hostName: string, connected: boolean): void;
  /** Run the scheduled expunge, the reconciler and the HA monitor now, whatever their intervals. */
  runScheduled(opts?: { reconcileGraceMs?: number }): Promise<{ expunge: { ran: boolean; started: string[] }; reconcile: ReconcileReport; ha: HaMonitorReport; backups: BackupSchedulerReport; backupSync: BackupSyncReport }>;
  /** One tick of the HA monitor alone, as its Lambda runs it (the scale bench times it). */
  runHaMonitor(): Promise<HaMonitorReport>;
  /** One sweep of the backup scheduler (the timer sweeps every tick too). */
  runBackupScheduler(): Promise<BackupSchedulerReport>;
  /** The backup sync now, whatever backup.framework.sync.interval says (a new sync job per nas repository). */
  runBackupSync(): Promise<BackupSyncReport>;
  /**
   * Another API front in a process of its own on the same table (local/api-front.ts), as a second
   * Lambda instance of the api function: its URL, and how to stop it (the stack's stop stops it too).
   */
  startApiFront(): Promise<{ apiUrl: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TABLE = 'stratus';
const WORKFLOWS_DIR = join(projectRoot(), 'workflows');
const localFunctionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:stratus-${name}`;

/** Every `${XxxFn}` of every workflow, as the local ARN of the step function it names. */
function stepFunctionArns(functions: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.asl.json'))) {
    for (const placeholder of placeholdersIn(readFileSync(join(WORKFLOWS_DIR, file), 'utf8'))) {
      const step = stepNameFor(placeholder);
      if (!step || !functions[step]) throw new Error(`Workflow ${file} has placeholder \${${placeholder}}, which names no step function in functions/steps/`);
      out[placeholder] = localFunctionArn(step);
    }
  }
  return out;
}

/** local/api-front.ts in a child process with the stack's environment; resolves once it listens. */
function startApiFrontProcess(env: Record<string, string>): Promise<{ apiUrl: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(projectRoot(), 'local', 'run.cjs'), join(projectRoot(), 'local', 'api-front.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolveFront, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveFront({ apiUrl: (JSON.parse(line) as { apiUrl: string }).apiUrl, stop });
    });
    child.once('exit', (code) => reject(new Error(`The second API front exited (${code}) before it listened`)));
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      resolveListen(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir ?? '.stratus');
  mkdirSync(dataDir, { recursive: true });
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  };
  try {
    const ddb: DynamoDbLocal = await startDynamoDbLocal({ dataDir, inMemory: opts.inMemory });
    stoppers.push(ddb.stop);
    await ensureTable(ddb.endpoint, TABLE);

    // The handlers read their configuration from the environment, as they do on Lambda.
    Object.assign(process.env, {
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: ddb.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AGENT_POLL_INTERVAL_MS: String(opts.agentPollIntervalMs ?? 100),
      AGENT_LEASE_MS: String(opts.agentLeaseMs ?? 60_000),
      ...(opts.settingsCacheMs === undefined ? {} : { SETTINGS_CACHE_MS: String(opts.settingsCacheMs) }),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? (opts.quiet ? 'ERROR' : 'WARN'),
    });

    // Every function runs as CDK deploys it: bundled, minified ESM, in a runtime of its own, started
    // below once the environment it reads is complete.
    const bundles = buildLambdaBundles();
    let lambdas: LambdaRuntime | undefined;
    // The agent gateway runs in a runtime of its own, as each function has its own concurrency on AWS:
    // heartbeats are never queued behind API requests or workflow steps.
    let agentLambdas: LambdaRuntime | undefined;
    const invoke = (name: string, event: unknown, o?: { timeoutMs?: number }) => {
      const runtime = name === 'agentGateway' ? agentLambdas : lambdas;
      return runtime ? runtime.invoke(name, event, o) : Promise.reject(Object.assign(new Error('The local Lambda runtime is not started'), { name: 'Lambda.ServiceException' }));
    };

    const sfn: LocalStepFunctions = await startLocalStepFunctions({
      region: REGION,
      accountId: ACCOUNT,
      workflowsDir: WORKFLOWS_DIR,
      substitutions: stepFunctionArns(bundles.files),
      invoke: async (arn, payload) => {
        const name = arn.startsWith(localFunctionArn('')) ? arn.slice(localFunctionArn('').length) : '';
        if (!bundles.files[name]) throw Object.assign(new Error(`Function not found: ${arn}`), { name: 'Lambda.ResourceNotFoundException' });
        return invoke(name, payload);
      },
      faults: opts.taskFaults,
    });
    stoppers.push(sfn.close);
    const workflowArns = Object.fromEntries(
      readdirSync(WORKFLOWS_DIR)
        .filter((f) => f.endsWith('.asl.json'))
        .map((f) => f.replace(/\.asl\.json$/, ''))
        .map((name) => [name, sfn.stateMachineArn(name)]),
    );
    Object.assign(process.env, { SFN_ENDPOINT: sfn.endpoint, WORKFLOW_ARNS: JSON.stringify(workflowArns) });
    const runtime = startLambdaRuntime(bundles, { ...process.env } as Record<string, string>);
    const agentRuntime = startLambdaRuntime(bundles, { ...process.env } as Record<string, string>);
    lambdas = runtime;
    agentLambdas = agentRuntime;
    stoppers.push(runtime.close, agentRuntime.close);

    // Requests still running when we stop (an agent's long poll) finish before DynamoDB Local goes.
    const inFlight = new Set<Promise<unknown>>();
    // The web console beside the API, as CloudFront serves it beside API Gateway on AWS; built at its
    // first request, so the many stacks the tests start and never browse do not build it.
    let consoleFiles: Map<string, ConsoleFile> | undefined;
    const consoleFile = (path: string) => {
      if (!consoleFiles) {
        consoleFiles = new Map(buildConsole(projectRoot()).map((f) => [`/${f.name}`, f]));
        consoleFiles.set('/', consoleFiles.get('/index.html')!);
      }
      return consoleFiles.get(path);
    };
    const http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        const fn = path === '/client/api' || path === '/client/api/' ? 'api' : path.startsWith('/agent/') ? 'agentGateway' : undefined;
        const file = !fn && (req.method === 'GET' || req.method === 'HEAD') ? consoleFile(path) : undefined;
        if (!fn && file) {
          res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': CONSOLE_CSP }).end(req.method === 'HEAD' ? undefined : file.body);
          return;
        }
        if (!fn) {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: the CloudStack API is at /client/api\n');
          return;
        }
        // API Gateway gives an integration 30 s; both functions stop before that (cdk/stack.ts: 29 s).
        const handled = invoke(fn, toApiGatewayEvent(req, Buffer.concat(chunks)), { timeoutMs: 29_000 })
          .then((result) => sendResult(res, result as APIGatewayProxyResultV2))
          .catch((err: Error) => {
            if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: err.message }));
          })
          .finally(() => inFlight.delete(handled));
        inFlight.add(handled);
      });
    });
    const port = await listen(http, opts.port ?? 8080);
    stoppers.push(
      () =>
        new Promise<void>((r) => {
          http.close(() => r());
          http.closeAllConnections();
        }).then(() => Promise.allSettled([...inFlight]).then(() => undefined)),
    );
    const endpoint = `http://127.0.0.1:${port}`;

    const store = createStore();
    // A .stratus/ written by an older Stratus is brought to today's data shape first (ops/migrate-data.ts).
    const migrated = await migrateData(documentClient(), TABLE);
    // CloudStack's default admin login (admin / password): the local stack is for trying Stratus out.
    const seed = await seedInventory(store, { hypervisor: 'Simulator', adminPassword: LOCAL_ADMIN_PASSWORD });

    const hosts: LocalStack['hosts'] = [];
    // Per simulated host: whether it is cut off, and its agent's requests in flight (dropped when it is).
    const network = new Map<string, { connected: boolean; inFlight: Set<AbortController> }>();
    const agentFetch = (name: string): typeof fetch => {
      const link = network.get(name) ?? { connected: true, inFlight: new Set<AbortController>() };
      network.set(name, link);
      return async (input, init) => {
        if (!link.connected) throw new TypeError('fetch failed');
        const cut = new AbortController();
        link.inFlight.add(cut);
        try {
          return await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, cut.signal]) : cut.signal });
        } catch (err) {
          if (cut.signal.aborted && !init?.signal?.aborted) throw new TypeError('fetch failed');
          throw err;
        } finally {
          link.inFlight.delete(cut);
        }
      };
    };
    const setConnected: LocalStack['setConnected'] = (hostName, connected) => {
      const link = network.get(hostName);
      if (!link) throw new Error(`No simulated host named ${hostName} has an agent`);
      link.connected = connected;
      if (!connected) for (const cut of link.inFlight) cut.abort();
    };
    const startSimAgent: LocalStack['startSimAgent'] = async (token, name, config) => {
      // Persistent mode keeps each simulated host's domains on disk: a restart finds its VMs where they were.
      const stateFile = opts.inMemory ? undefined : join(dataDir, 'simhosts', `${name}.json`);
      const driver = new SimulatorDriver({ hostname: name, cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768, stateFile, ...opts.simHost, ...config });
      const agent = new Agent({
        endpoint,
        driver,
        token,
        heartbeatIntervalMs: opts.agent?.heartbeatIntervalMs ?? 10_000,
        pollWaitMs: opts.agent?.pollWaitMs ?? 5_000,
        maxConcurrentTasks: opts.agent?.maxConcurrentTasks ?? 16,
        progressIntervalMs: opts.agent?.progressIntervalMs,
        logger: opts.logger,
        fetch: agentFetch(name),
      });
      await agent.start();
      stoppers.push(() => agent.stop());
      return { driver, agent };
    };
    const addSimHost: LocalStack['addSimHost'] = async (name, config) => {
      const { hostId, token } = await addHostRecord(store, seed, { name });
      const entry = { name, hostId, ...(await startSimAgent(token, name, config)) };
      hosts.push(entry);
      return entry;
    };
    for (let i = 1; i <= (opts.simHosts ?? 2); i++) await addSimHost(`simhost-${i}`);

    // The scheduled functions, invoked as EventBridge Scheduler invokes them, but ticked locally.
    const scheduled = async (run: ScheduledRun) => ({
      expunge: (await invoke('expungeDestroyed', run)) as { ran: boolean; started: string[] },
      reconcile: (await invoke('reconcile', run)) as ReconcileReport,
      // The HA monitor runs once per invocation here (withinMs 0): the local tick is its interval.
      ha: ((await invoke('haMonitor', { ...run, withinMs: 0 })) as HaMonitorReport[])[0],
      backups: (await invoke('backupScheduler', {})) as BackupSchedulerReport,
      // Never forced with the others: it runs when backup.framework.sync.interval says (runBackupSync forces it).
      backupSync: (await invoke('backupSync', {})) as BackupSyncReport,
    });
    const runScheduled: LocalStack['runScheduled'] = async (o = {}) => scheduled({ force: true, graceMs: o.reconcileGraceMs });
    const runHaMonitor: LocalStack['runHaMonitor'] = async () => ((await invoke('haMonitor', { force: true, withinMs: 0 })) as HaMonitorReport[])[0];
    const runBackupScheduler: LocalStack['runBackupScheduler'] = async () => (await invoke('backupScheduler', {})) as BackupSchedulerReport;
    const runBackupSync: LocalStack['runBackupSync'] = async () => (await invoke('backupSync', { force: true })) as BackupSyncReport;
    if (opts.scheduler !== false) {
      const tickMs = opts.scheduler?.tickMs ?? 1000;
      let running: Promise<unknown> = Promise.resolve();
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        running = scheduled({ graceMs: opts.scheduler ? opts.scheduler.reconcileGraceMs : undefined })
          .catch((err: Error) => opts.logger?.error('scheduled job failed', { error: err.message }))
          .finally(() => (busy = false));
      }, tickMs);
      stoppers.push(async () => {
        clearInterval(timer);
        await running;
      });
    }

    const credentials = { apiKey: seed.admin.apiKey, secretKey: seed.admin.secretKey };
    writeCredentialsFile(join(dataDir, 'credentials.env'), 'npm start', `${endpoint}/client/api`, credentials);

    return {
      endpoint,
      apiUrl: `${endpoint}/client/api`,
      consoleUrl: `${endpoint}/`,
      credentials,
      dataDir,
      dynamoDbEndpoint: ddb.endpoint,
      stepFunctionsEndpoint: sfn.endpoint,
      hosts,
      seed,
      migrated,
      addSimHost,
      startSimAgent,
      setConnected,
      runScheduled,
      runHaMonitor,
      runBackupScheduler,
      runBackupSync,
      startApiFront: async () => {
        const front = await startApiFrontProcess({ ...process.env } as Record<string, string>);
        stoppers.push(front.stop);
        return front;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export { freePort };
