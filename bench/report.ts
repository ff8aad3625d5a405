import type { Summary } from './stats';

/** The parts of a bench result that the summary table shows. */
export interface SummaryInput {
  date: string;
  commit: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; loadAverage1m: { atStart: number; beforeStop: number } };
  parameters: { vms: number; simHosts: number; clients: number; pollIntervalMs: number; listRequests: number; listPageSize: number; offering: string; loadRuns: number };
  results: {
    deploy: { vms: number; wallSeconds: number; vmsPerSecond: number; acceptMs: Summary; submitToRunningMs: Summary };
    listVirtualMachinesPageMs: Summary;
    dynamoDbGetItemMs: Summary;
    stepFunctions: { executions: number; perDeploy: Summary; usdPer1000Transitions: number; usdPer1000Deploys: number };
    bundles: { emptyModuleLoadMs: number; bundles: Array<{ name: string; minifiedBytes: number; loadMs: number }> };
    placement?: {
      allocator: { hosts: number; runs: number; chooseMs: Record<string, Summary>; noHostMs: Summary };
      antiAffinityDeploy?: { vms: number; groups: number; membersPerGroup: number; wallSeconds: number; vmsPerSecond: number; submitToRunningMs: Summary };
    };
    maintenance?: { host: string; vms: number; concurrency: number; drainMs: number; migrationsPerSecond: number };
    ha?: HaRowInput;
  };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A markdown summary: one table of the run's measures, one of the Lambda bundles. */
export function renderSummary(r: SummaryInput): string {
  const { deploy, listVirtualMachinesPageMs: list, dynamoDbGetItemMs: get, stepFunctions: sfn, bundles } = r.results;
  const p = r.parameters;
  const lines = [
    `Local stack, one run of \`npm run bench\` on ${r.date.slice(0, 10)} (commit ${r.commit}): ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; 1-minute load average ${r.machine.loadAverage1m.atStart} at start, ${r.machine.loadAverage1m.beforeStop} before the stack stopped. DynamoDB Local, the local Step Functions endpoint, the handlers, ${p.simHosts} simulated agents and the clients all share these CPUs; simulated hypervisor operations take 0 ms.`,
    '',
    '| Measure | Result |',
    '|---|---|',
    `| Deploy throughput (${deploy.vms} × ${p.offering}, ${p.simHosts} simulated hosts, ${p.clients} concurrent clients) | **${deploy.vmsPerSecond.toFixed(2)} VMs/s** to Running (${deploy.wallSeconds.toFixed(1)} s wall, first submit to last Running) |`,
    `| deployVirtualMachine accepted (jobid returned), p50 / p99 | ${ms(deploy.acceptMs.p50)} / ${ms(deploy.acceptMs.p99)} |`,
    `| Submit to Running seen by polling every ${p.pollIntervalMs} ms, p50 / p99 | ${ms(deploy.submitToRunningMs.p50)} / ${ms(deploy.submitToRunningMs.p99)} |`,
    `| Signed \`listVirtualMachines\` page (pagesize ${p.listPageSize} of ${deploy.vms}), p50 / p99 / mean, n=${list.n} | ${ms(list.p50)} / ${ms(list.p99)} / ${ms(list.mean)} |`,
    `| Floor: raw DynamoDB Local GetItem, p50 / p99, n=${get.n} | ${ms(get.p50)} / ${ms(get.p99)} |`,
    `| Step Functions state transitions per deploy, min / mean / max (${sfn.executions} executions) | ${sfn.perDeploy.min} / ${sfn.perDeploy.mean.toFixed(2)} / ${sfn.perDeploy.max} |`,
    `| Transition cost per 1,000 deploys at $${sfn.usdPer1000Transitions} per 1,000 transitions | $${sfn.usdPer1000Deploys.toFixed(3)} |`,
    ...placementRows(r.results.placement, p),
    ...(r.results.maintenance
      ? [
          `| Host maintenance: ${r.results.maintenance.vms} VMs live-migrated off ${r.results.maintenance.host} by prepareHostForMaintenance (${r.results.maintenance.concurrency} at a time, each its own migrate-vm job), request to host in Maintenance | **${r.results.maintenance.migrationsPerSecond.toFixed(2)} migrations/s** (${(r.results.maintenance.drainMs / 1000).toFixed(1)} s) |`,
        ]
      : []),
    ...(r.results.ha ? [haRow(r.results.ha)] : []),
    '',
    `| Lambda bundle (esbuild, minified ESM, @aws-sdk external) | Size | Load in a fresh Node process (median of ${p.loadRuns}) |`,
    '|---|---|---|',
    ...bundles.bundles.map((b) => `| ${b.name} | ${kib(b.minifiedBytes)} | ${ms(b.loadMs)} |`),
    `| (empty module, for reference) | 0 KiB | ${ms(bundles.emptyModuleLoadMs)} |`,
    '',
  ];
  return lines.join('\n');
}

const fine = (v: number) => `${v.toFixed(2)} ms`;

/** The placement bench's rows: the allocator alone, and deploys with anti-affinity groups. */
function placementRows(placement: SummaryInput['results']['placement'], p: SummaryInput['parameters']): string[] {
  if (!placement) return [];
  const { allocator: a, antiAffinityDeploy: aa } = placement;
  const n = a.hosts.toLocaleString('en-US');
  return [
    ...Object.entries(a.chooseMs).map(([algorithm, s]) => `| Allocator choosing among ${n} hosts, \`vm.allocation.algorithm=${algorithm}\`, p50 / p99 (n=${s.n}, in-process) | ${fine(s.p50)} / ${fine(s.p99)} |`),
    `| Allocator finding no host among ${n} (every host ruled out, 533 text built), p50 / p99 (n=${a.noHostMs.n}) | ${fine(a.noHostMs.p50)} / ${fine(a.noHostMs.p99)} |`,
    ...(aa
      ? [
          `| Deploy throughput with host anti-affinity (${aa.vms} × ${p.offering} in ${aa.groups} groups of ${aa.membersPerGroup}, ${p.simHosts} hosts, ${p.clients} concurrent clients) | **${aa.vmsPerSecond.toFixed(2)} VMs/s** to Running (${aa.wallSeconds.toFixed(1)} s wall); submit to Running p50 / p99 ${ms(aa.submitToRunningMs.p50)} / ${ms(aa.submitToRunningMs.p99)} |`,
        ]
      : []),
  ];
}

type HaRowInput = { vms: number; settings: Record<string, number>; lastHeartbeatToDownMs: number; lastHeartbeatToRunningMs: Summary; lastHeartbeatToAllRunningMs: number };

/** The HA failover row: from the cut-off host's last heartbeat to its HA VMs Running elsewhere, with the settings that bound it. */
export function haRow(h: HaRowInput): string {
  const s = Object.entries(h.settings).map(([k, v]) => `${k}=${v}`).join(', ');
  return `| HA failover: ${h.vms} HA VMs on a host cut off from the control plane (${s}); last heartbeat to host Down, then to each VM Running on another host p50 / p99, and to the last | ${ms(h.lastHeartbeatToDownMs)}; **${ms(h.lastHeartbeatToRunningMs.p50)} / ${ms(h.lastHeartbeatToRunningMs.p99)}**; ${ms(h.lastHeartbeatToAllRunningMs)} |`;
}
