import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GatewayClient } from '../agent/client';
import { addHostRecord } from '../functions/bootstrap/seed';
import { createStore } from '../functions/store';
import { documentClient } from '../functions/store/client';
import { accountPartition } from '../functions/store/indexing';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack, type LocalStack } from '../local/stack';
import { gitCommit, summarize, timed } from './stats';
import { ACCOUNTS, Grower, prepare, waitForJob, type World } from './inventory';

/**
 * `npm run bench:scale -- [--vms 100000] [--hosts 10000] [--events 1000000] [--out bench/results/scale.json]`
 *
 * Starts the local stack, grows its inventory in steps (1k, 10k, ... up to --vms VMs, with hosts,
 * events and jobs in proportion) by writing items in the project's real shape through its own store
 * code (indexing.ts builds every item and counter; BatchWriteItem, not API calls), and at each step
 * times, through signed HTTP, the requests whose cost must not grow with the inventory, beside the
 * raw DynamoDB floors. Writes {"rows": [{vms, hosts, events, metrics: {name: {p50, p99}}}]} and
 * prints the table. Not part of the tests.
 */
const HELP = 'Usage: npm run bench:scale -- [--vms 100000] [--hosts 10000] [--events 1000000] [--calls 20] [--out bench/results/scale.json]';
const PAGE = 20;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Metrics = Record<string, { p50: number; p99: number }>;
interface Row {
  vms: number;
  hosts: number;
  events: number;
  jobs: number;
  metrics: Metrics;
  errors5xx: number;
  growSeconds: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      vms: { type: 'string', default: '100000' },
      hosts: { type: 'string', default: '10000' },
      events: { type: 'string', default: '1000000' },
      calls: { type: 'string', default: '20' },
      out: { type: 'string', default: 'bench/results/scale.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  const target = { vms: int(values.vms, 'vms'), hosts: int(values.hosts, 'hosts'), events: int(values.events, 'events') };
  const calls = int(values.calls, 'calls');
  const steps = stepsUpTo(target);
  const started = Date.now();
  const commit = gitCommit(projectRoot()); // what runs is what was checked out at the start
  const log = (msg: string) => console.error(`[scale ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-scale-'));
  log(`starting the local stack; steps: ${steps.map((s) => `${s.vms} VMs / ${s.hosts} hosts / ${s.events} events`).join(', ')}`);
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    simHosts: 2,
    simHost: { cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 262144, latencyMs: 0 },
    agent: { heartbeatIntervalMs: 5000, pollWaitMs: 5000, maxConcurrentTasks: 32 },
    scheduler: false, // the bench ticks the HA monitor itself
    quiet: true,
    logger: { info: () => undefined, warn: (m) => console.error(`agent warning: ${m}`), error: (m) => console.error(`agent error: ${m}`) },
  });
  const rows: Row[] = [];
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const world = await prepare(stack, admin);
    const grower = new Grower(documentClient(), 'stratus', world);
    let errors5xx = 0;
    const count5xx = (status: number) => {
      if (status >= 500) errors5xx++;
    };
    for (const step of steps) {
      const t0 = Date.now();
      log(`growing to ${step.vms} VMs, ${step.hosts} hosts, ${step.events} events, ${step.vms} jobs`);
      await grower.growTo(step, log);
      const growSeconds = (Date.now() - t0) / 1000;
      log(`grown in ${growSeconds.toFixed(0)} s; measuring ${calls} calls per metric`);
      errors5xx = 0;
      const metrics = await measure(stack, admin, world, grower, calls, count5xx, log);
      rows.push({ vms: step.vms, hosts: step.hosts, events: step.events, jobs: step.vms, metrics, errors5xx, growSeconds: Math.round(growSeconds) });
      log(table(rows));
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const out = resolve(projectRoot(), values.out);
  mkdirSync(dirname(out), { recursive: true });
  const result = {
    date: new Date(started).toISOString(),
    commit,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version },
    parameters: { ...target, calls, pageSize: PAGE, accounts: ACCOUNTS },
    notes: [
      'Everything runs on one machine: DynamoDB Local (Java, in memory), the local Step Functions endpoint, the bundled handlers in worker threads, two simulated hosts and the client.',
      'The inventory is grown by BatchWriteItem of items built by functions/store/indexing.ts (the store code every write uses), counters included; the VMs, jobs and events are split over three accounts.',
      'The grown hosts are Up, full (no room for new VMs) and heartbeat-fresh (their last heartbeat is set ahead of the run): they have no agents, and the HA tick is measured with nothing late.',
      'Metrics are p50/p99 of sequential calls through signed HTTP (the cloudstack client, the agent gateway client for heartbeat); floors are raw SDK calls to the same DynamoDB Local.',
    ],
    rows,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(table(rows));
  log(`wrote ${out}`);
}

async function measure(stack: LocalStack, admin: CloudStackClient, world: World, grower: Grower, calls: number, count5xx: (s: number) => void, log: (m: string) => void): Promise<Metrics> {
  const metrics: Metrics = {};
  const owner = world.accounts[0];
  const ok = async (client: CloudStackClient, command: string, params: Obj, check?: (r: Obj) => void) => {
    const r = await client.call(command, params);
    count5xx(r.status);
    if (r.status !== 200) throw new Error(`${command} answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    const body = Object.values(r.body as Obj)[0] as Obj;
    check?.(body);
    return body;
  };
  const sample = async (name: string, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await fn(i); // warm-up, not counted
    const ms: number[] = [];
    for (let i = 0; i < calls; i++) ms.push((await timed(() => fn(i))).ms);
    const s = summarize(ms);
    metrics[name] = { p50: round(s.p50), p99: round(s.p99) };
    log(`  ${name}: p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms`);
  };
  const fullPage = (key: string) => (b: Obj) => {
    if (((b[key] as unknown[]) ?? []).length !== PAGE) throw new Error(`a page of ${PAGE} ${key} had ${((b[key] as unknown[]) ?? []).length}`);
  };
  await sample('listVirtualMachines.page1.root', () => ok(admin, 'listVirtualMachines', { listall: true, page: 1, pagesize: PAGE }, fullPage('virtualmachine')));
  await sample('listVirtualMachines.page1.account', () => ok(owner.client, 'listVirtualMachines', { page: 1, pagesize: PAGE }, fullPage('virtualmachine')));
  const ids = grower.sampleVmIds[0];
  await sample('listVirtualMachines.byId', (i) =>
    ok(owner.client, 'listVirtualMachines', { id: ids[i % ids.length] }, (b) => {
      if (b.count !== 1) throw new Error(`listVirtualMachines id= answered count ${String(b.count)}`);
    }),
  );
  // Page 50 is full once the account holds 1,000 VMs; below that it is past the end (and must be empty).
  await sample('listVirtualMachines.page50.account', () =>
    ok(owner.client, 'listVirtualMachines', { page: 50, pagesize: PAGE }, (b) => {
      // CloudStack answers an empty page as {}, without a count.
      const expected = b.count === undefined ? 0 : Math.max(0, Math.min(PAGE, Number(b.count) - 49 * PAGE));
      if (((b.virtualmachine as unknown[]) ?? []).length !== expected) throw new Error(`page 50 had ${((b.virtualmachine as unknown[]) ?? []).length} VMs of ${String(b.count)}`);
    }),
  );
  await sample('listEvents.page1.account', () => ok(owner.client, 'listEvents', { page: 1, pagesize: PAGE }, fullPage('event')));
  await sample('listAsyncJobs.page1.root', () => ok(admin, 'listAsyncJobs', { listall: true, page: 1, pagesize: PAGE }, fullPage('asyncjobs')));
  await sample('listHosts.page1.zone', () => ok(admin, 'listHosts', { zoneid: world.zoneId, page: 1, pagesize: PAGE }, fullPage('host')));
  await sample('deploy.toRunning', async () => {
    const r = await ok(owner.client, 'deployVirtualMachine', { serviceofferingid: world.offeringId, templateid: world.templateId, zoneid: world.zoneId });
    const done = await waitForJob(owner.client, r.jobid as string);
    if (done.jobstatus !== 1) throw new Error(`a deploy failed: ${JSON.stringify(await admin.ok('queryAsyncJobResult', { jobid: r.jobid as string }))}`);
  });
  await sample('haMonitor.tick', async () => {
    const report = await stack.runHaMonitor();
    if (report.failed.length) throw new Error(`the HA tick failed on ${JSON.stringify(report.failed).slice(0, 300)}`);
  });
  await sample('heartbeat', await heartbeater(stack));
  const db = documentClient();
  const vmId = ids[0];
  await sample('floor.getItem', () => db.send(new GetCommand({ TableName: 'stratus', Key: { pk: `VM#${vmId}`, sk: 'VM' } })));
  await sample('floor.query20', () =>
    db.send(new QueryCommand({ TableName: 'stratus', IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': accountPartition('VM', owner.id) }, Limit: PAGE })),
  );
  return metrics;
}

/** A host of the bench's own, registered through the agent gateway: each call is one signed heartbeat reporting ten domains. */
let beating: ((i: number) => Promise<unknown>) | undefined;
async function heartbeater(stack: LocalStack): Promise<(i: number) => Promise<unknown>> {
  if (beating) return beating;
  // Disabled: it takes no VMs (it runs no agent to start them), but heartbeats as any host does.
  const { token } = await addHostRecord(createStore(), stack.seed, { name: 'scale-heartbeat', resourceState: 'Disabled' });
  const client = new GatewayClient({ endpoint: stack.endpoint });
  const facts = { hostname: 'scale-heartbeat', cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 65536, ipAddress: '10.9.9.9', hypervisor: 'Simulator' as const, agentVersion: 'bench' };
  const registered = await client.register(token, facts);
  client.credentials = { hostId: registered.hostId, secret: registered.secret };
  const domains = Array.from({ length: 10 }, (_, i) => ({ name: `i-9-beat-${i}`, state: 'PowerOn' as const }));
  beating = () => client.heartbeat({ facts, domains });
  return beating;
}

/** 1k, 10k, 100k, ... VMs up to the target, with hosts and events in the target's proportions. */
function stepsUpTo(target: { vms: number; hosts: number; events: number }) {
  const steps: Array<{ vms: number; hosts: number; events: number }> = [];
  for (let vms = 1000; vms < target.vms; vms *= 10) steps.push({ vms, hosts: Math.max(1, Math.round((target.hosts * vms) / target.vms)), events: Math.round((target.events * vms) / target.vms) });
  steps.push(target);
  return steps;
}

const METRIC_ORDER = [
  'listVirtualMachines.page1.root',
  'listVirtualMachines.page1.account',
  'listVirtualMachines.byId',
  'listVirtualMachines.page50.account',
  'listEvents.page1.account',
  'listAsyncJobs.page1.root',
  'listHosts.page1.zone',
  'deploy.toRunning',
  'heartbeat',
  'haMonitor.tick',
  'floor.getItem',
  'floor.query20',
];

/** The table: one line per metric, p50 / p99 (ms) per size. */
export function table(rows: Row[]): string {
  const head = `| metric | ${rows.map((r) => `${r.vms / 1000}k VMs, ${r.hosts} hosts, ${r.events / 1000}k events`).join(' | ')} |`;
  const rule = `|---|${rows.map(() => '---').join('|')}|`;
  const lines = METRIC_ORDER.map((m) => `| ${m} | ${rows.map((r) => (r.metrics[m] ? `${r.metrics[m].p50} / ${r.metrics[m].p99}` : '')).join(' | ')} |`);
  const errors = `| 5xx answers | ${rows.map((r) => String(r.errors5xx)).join(' | ')} |`;
  return [head, rule, ...lines, errors, '', 'p50 / p99 in ms, sequential calls through signed HTTP; floors are raw SDK calls to the same DynamoDB Local.'].join('\n');
}

const round = (v: number) => Math.round(v * 100) / 100;


function int(v: string | undefined, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${String(v)}`);
  return n;
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:scale failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
