import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudStackClient } from '../local/cloudstack-client';
import type { LocalStack } from '../local/stack';
import { findDoubleRuns } from '../agent/drivers/simulator';
import { createStore } from '../functions/store';
import { summarize, type Summary } from './stats';

/**
 * HA failover: `vms` HA-enabled VMs on one host, which is then cut off from the control plane (its
 * agent's requests fail; its VMs keep running until the agent fences them). Measured from the host's
 * last heartbeat, as the control plane recorded it, to each VM seen Running on another host (polling
 * listVirtualMachines every `pollMs`), with the HA settings used beside the numbers: detection takes
 * host.down.timeout plus up to one ha.monitor.interval, then each VM is one start-vm workflow. The
 * simulators' records must show no VM running twice, or the bench fails.
 */
export function haBenchSettings(heartbeatIntervalMs: number): Record<string, number> {
  // Scaled to the agents' heartbeat so live hosts never look silent: Alert after two pings, Down after four, fence after two.
  const ping = Math.max(1, Math.ceil(heartbeatIntervalMs / 1000));
  return { 'ping.interval': ping, 'ping.timeout': 2, 'host.down.timeout': 4 * ping, 'agent.fence.interval': 2 * ping, 'ha.monitor.interval': 1 };
}

export interface HaBenchParams {
  vms: number;
  pollMs: number;
  serviceOfferingId: string;
  templateId: string;
  zoneId: string;
  /** how often the stack's agents heartbeat: the HA settings are scaled to it */
  heartbeatIntervalMs: number;
}

export interface HaBenchResult {
  settings: Record<string, number>;
  vms: number;
  /** last heartbeat -> the host seen Down (listHosts, polled) */
  lastHeartbeatToDownMs: number;
  /** last heartbeat -> each VM seen Running elsewhere */
  lastHeartbeatToRunningMs: Summary;
  /** last heartbeat -> the last VM Running elsewhere */
  lastHeartbeatToAllRunningMs: number;
  doubleRuns: number;
}

export async function benchHaFailover(stack: LocalStack, client: CloudStackClient, p: HaBenchParams): Promise<HaBenchResult> {
  const settings = haBenchSettings(p.heartbeatIntervalMs);
  for (const [name, value] of Object.entries(settings)) await client.ok('updateConfiguration', { name, value });
  const victim = stack.hosts[0];
  if (stack.hosts.length < 2) throw new Error('the HA bench needs at least two simulated hosts');

  // The HA VMs, placed on the victim.
  const ids: string[] = [];
  for (let i = 0; i < p.vms; i++) {
    const { jobid, id } = (await client.ok('deployVirtualMachine', { zoneid: p.zoneId, templateid: p.templateId, serviceofferingid: p.serviceOfferingId, hostid: victim.hostId, name: `ha-bench-${i + 1}` })) as { jobid: string; id: string };
    const job = await client.waitForJob(jobid, { timeoutMs: 120_000 });
    if (job.jobstatus !== 1) throw new Error(`deploying ha-bench-${i + 1} failed: ${JSON.stringify(job.jobresult)}`);
    await client.ok('updateVirtualMachine', { id, haenable: true });
    ids.push(id);
  }
  // Until the victim's agent has been told twice to fence them: before that, HA rightly restarts nothing.
  const store = createStore();
  const names = (await Promise.all(ids.map((id) => store.vms.get(id, true)))).map((vm) => vm!.instanceName);
  await until(30_000, async () => {
    const host = await store.hosts.get(victim.hostId, true);
    return names.every((n) => host?.fenceDomains?.includes(n) && host.priorFenceDomains?.includes(n));
  });

  stack.setConnected(victim.name, false);
  await sleep(50); // a heartbeat in flight when the link went is dropped: the one recorded is the last
  const lastHeartbeat = Date.parse((await store.hosts.get(victim.hostId, true))!.lastHeartbeat!);
  const runningAt = new Map<string, number>();
  let downAt: number | undefined;
  await until(120_000, async () => {
    if (downAt === undefined && ((await client.ok('listHosts', { id: victim.hostId })).host as Array<{ state: string }>)[0].state === 'Down') downAt = Date.now();
    const listed = ((await client.ok('listVirtualMachines', { listall: true, pagesize: -1 })).virtualmachine as Array<{ id: string; state: string; hostid?: string }>) ?? [];
    for (const vm of listed) if (ids.includes(vm.id) && !runningAt.has(vm.id) && vm.state === 'Running' && vm.hostid && vm.hostid !== victim.hostId) runningAt.set(vm.id, Date.now());
    return runningAt.size === ids.length;
  }, p.pollMs);
  const doubleRuns = findDoubleRuns(stack.hosts.flatMap((h) => h.driver.transitions())).length;
  if (doubleRuns > 0) throw new Error(`${doubleRuns} moments with a VM running on two hosts at once`);
  stack.setConnected(victim.name, true);

  const times = [...runningAt.values()].map((t) => t - lastHeartbeat);
  return {
    settings,
    vms: ids.length,
    lastHeartbeatToDownMs: (downAt ?? NaN) - lastHeartbeat,
    lastHeartbeatToRunningMs: summarize(times),
    lastHeartbeatToAllRunningMs: Math.max(...times),
    doubleRuns,
  };
}

async function until(timeoutMs: number, check: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`HA bench: condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
