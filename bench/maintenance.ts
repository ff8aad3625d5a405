import type { CloudStackClient } from '../local/cloudstack-client';
import type { LocalStack } from '../local/stack';
import { findDoubleRuns } from '../agent/drivers/simulator';

/**
 * Host maintenance: prepareHostForMaintenance on a host that runs its share of the deploy bench's
 * VMs drains it by live migration to the other hosts (the Map runs 4 migrations at a time, each its
 * own migrate-vm job). Measured from the request to the job's end, polled every `pollMs`:
 * migrations per second. Every VM must end Running on another host and the simulators must show
 * none ran twice, or the bench fails. The host is returned to service after.
 */
export interface MaintenanceBenchResult {
  host: string;
  vms: number;
  concurrency: number;
  drainMs: number;
  migrationsPerSecond: number;
  doubleRuns: number;
}

type Vm = { id: string; hostid?: string };

export async function benchMaintenanceDrain(stack: LocalStack, client: CloudStackClient, { hostIndex, pollMs }: { hostIndex: number; pollMs: number }): Promise<MaintenanceBenchResult> {
  const host = stack.hosts[hostIndex];
  if (!host || stack.hosts.length < 2) throw new Error('the maintenance bench needs at least two simulated hosts');
  const runningVms = async () => ((await client.ok('listVirtualMachines', { listall: true, state: 'Running' })).virtualmachine as Vm[] | undefined) ?? [];
  const placed = (await runningVms()).filter((v) => v.hostid === host.hostId).map((v) => v.id);
  if (placed.length === 0) throw new Error(`host ${host.name} runs no VM to drain`);

  const started = performance.now();
  const { jobid } = (await client.ok('prepareHostForMaintenance', { id: host.hostId })) as { jobid: string };
  const job = await client.waitForJob(jobid, { intervalMs: pollMs, timeoutMs: 600_000 });
  const drainMs = performance.now() - started;
  if (job.jobstatus !== 1) throw new Error(`the drain failed: ${JSON.stringify(job.jobresult)}`);

  const moved = (await runningVms()).filter((v) => placed.includes(v.id));
  if (moved.length !== placed.length || moved.some((v) => v.hostid === host.hostId)) throw new Error(`after the drain ${moved.length} of ${placed.length} VMs run elsewhere`);
  const doubleRuns = findDoubleRuns(stack.hosts.flatMap((h) => h.driver.transitions())).length;
  if (doubleRuns > 0) throw new Error(`${doubleRuns} moment(s) with a VM running on two hosts`);
  await client.waitForJob(((await client.ok('cancelHostMaintenance', { id: host.hostId })) as { jobid: string }).jobid);
  return { host: host.name, vms: placed.length, concurrency: 4, drainMs: Math.round(drainMs), migrationsPerSecond: Math.round((placed.length / (drainMs / 1000)) * 100) / 100, doubleRuns };
}
