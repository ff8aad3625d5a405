import type { CloudStackClient } from '../local/cloudstack-client';
import { summarize, type Summary } from './stats';

/**
 * Deploy throughput: `vms` deployVirtualMachine calls from `clients` concurrent clients, each
 * submitting one deploy and polling queryAsyncJobResult until it ends before taking the next.
 * Wall time runs from the first submit to the last job observed done; any failed job or any VM
 * not Running throws, so a broken deploy path never produces a number.
 */
export interface DeployParams {
  vms: number;
  clients: number;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  serviceOfferingId: string;
  templateId: string;
  zoneId: string;
  /** VM names are `<namePrefix>-0001` (default `bench`) */
  namePrefix?: string;
  /** more deployVirtualMachine parameters for the i-th VM (affinity groups) */
  extraParams?: (i: number) => Record<string, string>;
}

export interface DeployResult {
  vms: number;
  wallSeconds: number;
  vmsPerSecond: number;
  /** deployVirtualMachine request -> jobid answer. */
  acceptMs: Summary;
  /** deployVirtualMachine sent -> job seen done by polling (includes up to one poll interval). */
  submitToRunningMs: Summary;
  pollsPerDeploy: Summary;
  vmIds: string[];
}

export async function benchDeploys(client: CloudStackClient, p: DeployParams): Promise<DeployResult> {
  let next = 0;
  const accept: number[] = [];
  const toRunning: number[] = [];
  const polls: number[] = [];
  const vmIds: string[] = [];
  const failures: string[] = [];
  let firstSubmit = Infinity;
  let lastDone = 0;

  const deployOne = async (i: number): Promise<void> => {
    const t0 = performance.now();
    firstSubmit = Math.min(firstSubmit, t0);
    const reply = await client.call('deployVirtualMachine', {
      serviceofferingid: p.serviceOfferingId,
      templateid: p.templateId,
      zoneid: p.zoneId,
      name: `${p.namePrefix ?? 'bench'}-${String(i).padStart(4, '0')}`,
      ...p.extraParams?.(i),
    });
    const accepted = performance.now();
    const jobid = reply.data.jobid;
    if (reply.status !== 200 || typeof jobid !== 'string') throw new Error(`deploy ${i} refused (${reply.status}): ${JSON.stringify(reply.data)}`);
    accept.push(accepted - t0);
    const deadline = accepted + p.jobTimeoutMs;
    for (let n = 1; ; n++) {
      await sleep(p.pollIntervalMs);
      const job = await client.ok('queryAsyncJobResult', { jobid });
      if (job.jobstatus === 0) {
        if (performance.now() > deadline) throw new Error(`deploy ${i}: job ${jobid} still pending after ${p.jobTimeoutMs} ms`);
        continue;
      }
      const done = performance.now();
      lastDone = Math.max(lastDone, done);
      const vm = (job.jobresult as { virtualmachine?: { id?: string; state?: string } } | undefined)?.virtualmachine;
      if (job.jobstatus !== 1 || vm?.state !== 'Running' || !vm.id) {
        failures.push(`deploy ${i}: job ${jobid} ended with status ${String(job.jobstatus)}: ${JSON.stringify(job.jobresult)}`);
        return;
      }
      toRunning.push(done - t0);
      polls.push(n);
      vmIds.push(vm.id);
      return;
    }
  };

  const worker = async (): Promise<void> => {
    for (let i = next++; i < p.vms; i = next++) await deployOne(i);
  };
  await Promise.all(Array.from({ length: p.clients }, worker));

  if (failures.length > 0) throw new Error(`${failures.length} of ${p.vms} deploys failed; first: ${failures.slice(0, 3).join(' | ')}`);
  const wallSeconds = (lastDone - firstSubmit) / 1000;
  return {
    vms: vmIds.length,
    wallSeconds,
    vmsPerSecond: vmIds.length / wallSeconds,
    acceptMs: summarize(accept),
    submitToRunningMs: summarize(toRunning),
    pollsPerDeploy: summarize(polls),
    vmIds,
  };
}

/** Independent check after the run: the inventory itself lists every deployed VM as Running. */
export async function checkAllRunning(client: CloudStackClient, vmIds: readonly string[]): Promise<void> {
  const states = new Map<string, string>();
  for (let page = 1; ; page++) {
    const data = await client.ok('listVirtualMachines', { listall: true, page, pagesize: 500 });
    const vms = (data.virtualmachine ?? []) as Array<{ id: string; state: string }>;
    for (const vm of vms) states.set(vm.id, vm.state);
    if (vms.length < 500) break;
  }
  const wrong = vmIds.filter((id) => states.get(id) !== 'Running');
  if (wrong.length > 0) throw new Error(`${wrong.length} deployed VMs are not Running in listVirtualMachines, e.g. ${wrong[0]}: ${states.get(wrong[0]) ?? 'missing'}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
