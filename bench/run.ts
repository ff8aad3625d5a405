import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import { lambdaEntries } from '../cdk/lambdas';
import { benchBundles, type BundlesResult } from './bundles';
import { benchDeploys, checkAllRunning, type DeployResult } from './deploy';
import { benchGetItem, benchListPage } from './latency';
import { renderSummary } from './report';
import { gitCommit, rounded, type Summary } from './stats';
import { benchAffinityDeploys, benchAllocator, type AffinityDeployBench, type AllocatorBench } from './placement';
import { benchTransitions, type TransitionsResult } from './transitions';
import { benchHaFailover, type HaBenchResult } from './ha';
import { benchMaintenanceDrain, type MaintenanceBenchResult } from './maintenance';

/**
 * `npm run bench [-- --name deploy --vms 200 --hosts 10 --clients 20 --requests 300]`: one run of
 * the local stack, measuring deploy throughput, list latency against the raw DynamoDB floor,
 * Step Functions transitions per deploy, then the Lambda bundles. Writes
 * bench/results/<name>.json (everything, with machine and parameters) and
 * bench/results/summary.md (the table it prints, for the README). Not part of the tests.
 */
const HELP =
  'Usage: npm run bench -- [--name deploy] [--vms 200] [--hosts 10] [--clients 20] [--requests 300] [--poll-ms 75] [--load-runs 3] [--alloc-hosts 10000] [--alloc-runs 500] [--aa-groups 10] [--aa-members 4] [--ha-vms 10]';

function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, not ${String(values[name])}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'deploy' },
      vms: { type: 'string', default: '200' },
      hosts: { type: 'string', default: '10' },
      clients: { type: 'string', default: '20' },
      requests: { type: 'string', default: '300' },
      'poll-ms': { type: 'string', default: '75' },
      'load-runs': { type: 'string', default: '3' },
      'alloc-hosts': { type: 'string', default: '10000' },
      'alloc-runs': { type: 'string', default: '500' },
      'aa-groups': { type: 'string', default: '10' },
      'aa-members': { type: 'string', default: '4' },
      'ha-vms': { type: 'string', default: '10' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(values.name)) throw new Error(`--name must be a plain file name, not ${values.name}`);
  const params = {
    vms: intOption(values, 'vms', 1, 5000),
    simHosts: intOption(values, 'hosts', 1, 200),
    clients: intOption(values, 'clients', 1, 500),
    listRequests: intOption(values, 'requests', 1, 100_000),
    pollIntervalMs: intOption(values, 'poll-ms', 1, 10_000),
    loadRuns: intOption(values, 'load-runs', 1, 50),
    allocatorHosts: intOption(values, 'alloc-hosts', 1, 1_000_000),
    allocatorRuns: intOption(values, 'alloc-runs', 1, 100_000),
    antiAffinityGroups: intOption(values, 'aa-groups', 0, 1000),
    antiAffinityMembers: intOption(values, 'aa-members', 1, 200),
    haVms: intOption(values, 'ha-vms', 0, 40),
    listPageSize: 20,
    offering: 'Small Instance',
    simHost: { cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768, latencyMs: 0 },
    agent: { heartbeatIntervalMs: 5000, pollWaitMs: 5000, maxConcurrentTasks: 32 },
    agentPollIntervalMs: 100,
  };
  // Every VM takes an address of the seeded guest network, a /24: 253 addresses for both deploy runs.
  if (params.vms + params.antiAffinityGroups * params.antiAffinityMembers + params.haVms > 250)
    throw new Error('--vms + --aa-groups x --aa-members + --ha-vms must stay within 250: the seeded guest network is a /24');
  if (!process.version.startsWith('v22.')) console.warn(`warning: running on Node ${process.version}; run through npm (npm run bench) to use Node 22 from node_modules/.bin`);

  const root = projectRoot();
  const started = new Date();
  const log = (msg: string) => console.error(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(1)}s] ${msg}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));

  // Before the stack starts, so that load times do not share the CPUs with agents and DynamoDB Local.
  const loadAtStart = loadavg()[0];
  log(`bundling ${Object.keys(lambdaEntries(root)).length} Lambda entries and loading each ${params.loadRuns} times`);
  const bundles: BundlesResult = benchBundles(root, params.loadRuns);
  // Pure and CPU-bound: also before the stack starts.
  log(`timing the allocator over ${params.allocatorHosts} hosts, ${params.allocatorRuns} runs per algorithm`);
  const allocator: AllocatorBench = benchAllocator({ hosts: params.allocatorHosts, runs: params.allocatorRuns });

  log(`starting the local stack with ${params.simHosts} simulated hosts`);
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    simHosts: params.simHosts,
    simHost: params.simHost,
    agent: params.agent,
    agentPollIntervalMs: params.agentPollIntervalMs,
    quiet: true,
    // Agent chatter (registered, started) stays out of the table; warnings and errors still show.
    logger: { info: () => undefined, warn: (m, d) => console.error(`agent warning: ${m}`, d ?? ''), error: (m, d) => console.error(`agent error: ${m}`, d ?? '') },
  });
  let deploy: DeployResult;
  let listPage: Summary & { itemsPerPage: number };
  let getItem: Summary;
  let transitions: TransitionsResult;
  let antiAffinity: AffinityDeployBench | undefined;
  let ha: HaBenchResult | undefined;
  let drain: MaintenanceBenchResult | undefined;
  let loadAtEnd = 0;
  try {
    const client = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const offerings = (await client.ok('listServiceOfferings', { name: params.offering })).serviceoffering as Array<{ id: string; name: string }> | undefined;
    const offering = offerings?.find((o) => o.name === params.offering);
    const template = ((await client.ok('listTemplates', { templatefilter: 'featured' })).template as Array<{ id: string }> | undefined)?.[0];
    if (!offering || !template) throw new Error(`the seeded inventory has no "${params.offering}" offering or no featured template`);

    log(`deploying ${params.vms} VMs with ${params.clients} concurrent clients`);
    deploy = await benchDeploys(client, {
      vms: params.vms,
      clients: params.clients,
      pollIntervalMs: params.pollIntervalMs,
      jobTimeoutMs: 120_000,
      serviceOfferingId: offering.id,
      templateId: template.id,
      zoneId: stack.seed.zone.id,
    });
    await checkAllRunning(client, deploy.vmIds);
    log(`${deploy.vms} VMs Running in ${deploy.wallSeconds.toFixed(1)} s`);

    log(`${params.listRequests} signed listVirtualMachines pages, then as many raw GetItem calls`);
    listPage = await benchListPage(client, params.listRequests, params.listPageSize);
    getItem = await benchGetItem(stack.dynamoDbEndpoint, 'stratus', deploy.vmIds[0], params.listRequests);

    log('reading the deploy-vm execution histories');
    transitions = await benchTransitions(stack.stepFunctionsEndpoint, 'deploy-vm', params.vms);
    // After the transitions count, which expects exactly the first deploys' executions.
    if (params.antiAffinityGroups > 0) {
      if (params.antiAffinityMembers > params.simHosts) throw new Error(`--aa-members (${params.antiAffinityMembers}) cannot exceed --hosts (${params.simHosts}): a group's members need distinct hosts`);
      log(`deploying ${params.antiAffinityGroups} host anti-affinity groups of ${params.antiAffinityMembers} VMs with ${params.clients} concurrent clients`);
      antiAffinity = await benchAffinityDeploys(client, {
        groups: params.antiAffinityGroups,
        membersPerGroup: params.antiAffinityMembers,
        clients: params.clients,
        pollIntervalMs: params.pollIntervalMs,
        serviceOfferingId: offering.id,
        templateId: template.id,
        zoneId: stack.seed.zone.id,
      });
      log(`${antiAffinity.vms} anti-affinity VMs Running in ${antiAffinity.wallSeconds.toFixed(1)} s, no two members of a group on one host`);
    }
    // A host running its share of the deploys is drained into maintenance, then returned to service.
    if (params.simHosts >= 2) {
      log('host maintenance: draining one host by live migration');
      drain = await benchMaintenanceDrain(stack, client, { hostIndex: 1, pollMs: 100 });
      log(`${drain.vms} VMs migrated off ${drain.host} in ${(drain.drainMs / 1000).toFixed(1)} s (${drain.migrationsPerSecond} migrations/s)`);
    }
    // Last: it cuts a host off for good and shortens the HA settings.
    if (params.haVms > 0) {
      log(`HA failover: ${params.haVms} HA VMs on a host cut off from the control plane`);
      ha = await benchHaFailover(stack, client, { vms: params.haVms, pollMs: 100, serviceOfferingId: offering.id, templateId: template.id, zoneId: stack.seed.zone.id, heartbeatIntervalMs: params.agent.heartbeatIntervalMs });
      log(`HA VMs Running elsewhere ${(ha.lastHeartbeatToAllRunningMs / 1000).toFixed(1)} s after the host's last heartbeat`);
    }
    loadAtEnd = loadavg()[0];
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const { vmIds: _ids, ...deployOut } = deploy;
  const result = {
    name: values.name,
    date: started.toISOString(),
    commit: gitCommit(root),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${platform()} ${release()}`,
      // Other work on the machine skews every number; the 1-minute load average shows how much there was.
      loadAverage1m: { atStart: round(loadAtStart), beforeStop: round(loadAtEnd) },
    },
    parameters: params,
    notes: [
      'The Lambda bundles are built and loaded first, before the stack starts.',
      'Everything runs on one machine: DynamoDB Local (Java), the local Step Functions endpoint, the handlers, the agents and the clients share the CPUs.',
      'Simulated hosts take 0 ms per hypervisor operation, so deploy numbers are control-plane time only.',
      'submitToRunningMs is observed by polling queryAsyncJobResult, so it includes up to one poll interval.',
      `Step Functions cost uses the Standard list price of $${transitions.usdPer1000Transitions} per 1,000 state transitions (us-east-1, shared/reference/perf-anchors.md section 2), without the free tier.`,
    ],
    results: {
      deploy: { ...deployOut, wallSeconds: round(deploy.wallSeconds), vmsPerSecond: round(deploy.vmsPerSecond), acceptMs: rounded(deploy.acceptMs), submitToRunningMs: rounded(deploy.submitToRunningMs), pollsPerDeploy: rounded(deploy.pollsPerDeploy) },
      listVirtualMachinesPageMs: rounded(listPage),
      dynamoDbGetItemMs: rounded(getItem),
      stepFunctions: { ...transitions, perDeploy: rounded(transitions.perDeploy), usdPer1000Deploys: round(transitions.usdPer1000Deploys, 4) },
      bundles: { ...bundles, emptyModuleLoadMs: round(bundles.emptyModuleLoadMs), bundles: bundles.bundles.map((b) => ({ ...b, loadMs: round(b.loadMs), loadSamplesMs: b.loadSamplesMs.map((v) => round(v)) })) },
      placement: {
        allocator: { ...allocator, chooseMs: Object.fromEntries(Object.entries(allocator.chooseMs).map(([k, v]) => [k, rounded(v, 3)])), noHostMs: rounded(allocator.noHostMs, 3) },
        ...(antiAffinity
          ? { antiAffinityDeploy: { ...antiAffinity, wallSeconds: round(antiAffinity.wallSeconds), vmsPerSecond: round(antiAffinity.vmsPerSecond), acceptMs: rounded(antiAffinity.acceptMs), submitToRunningMs: rounded(antiAffinity.submitToRunningMs), pollsPerDeploy: rounded(antiAffinity.pollsPerDeploy) } }
          : {}),
      },
      ...(drain ? { maintenance: drain } : {}),
      ...(ha ? { ha: { ...ha, lastHeartbeatToRunningMs: rounded(ha.lastHeartbeatToRunningMs) } } : {}),
    },
  };

  const outDir = join(root, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${values.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const summary = renderSummary(result);
  writeFileSync(join(outDir, 'summary.md'), summary);
  console.log(summary);
  log(`wrote bench/results/${values.name}.json and bench/results/summary.md`);
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;


main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
