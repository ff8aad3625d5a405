import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudStackClient } from '../../../local/cloudstack-client';
import { createStore } from '../../../functions/store';
import { startTestStack, catalogue } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Shared pieces of the HA end-to-end tests: a stack with short HA settings, VMs placed on a named
 * host, waiting for what the background work does, and the capacity ledger check.
 *
 * Settings: an Alert after 2 s without a heartbeat (ping.interval 1 x ping.timeout 2), Down after 4 s;
 * agents fence after min(2 s, 4 s x 2/3) = 2 s; the HA monitor runs every second. Agents heartbeat
 * every 300 ms, so a loaded machine does not put a live host in Alert.
 */
export const HA_SETTINGS = { 'ping.interval': 1, 'ping.timeout': 2, 'host.down.timeout': 4, 'agent.fence.interval': 2, 'ha.monitor.interval': 1 };

export async function startHaStack(simHosts: number) {
  // Agents warn about every failed heartbeat of a cut-off host, which these tests cause on purpose; errors still show.
  const logger = { info: () => undefined, warn: () => undefined, error: (m: string, d?: Record<string, unknown>) => console.error(m, d ?? '') };
  const env = await startTestStack({ simHosts, scheduler: { tickMs: 200 }, agent: { heartbeatIntervalMs: 300, pollWaitMs: 1000 }, logger });
  for (const [name, value] of Object.entries(HA_SETTINGS)) await env.admin.ok('updateConfiguration', { name, value });
  const cat = await catalogue(env.admin);
  const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
  return { env, cat, small };
}

/** Poll until `probe` answers something truthy; fails with `what` after `ms`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 20_000, everyMs = 100): Promise<T> {
  const giveUpAt = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A Running VM on the host, HA-enabled or not (updateVirtualMachine haenable, as an operator would). */
export async function deployOn(admin: CloudStackClient, o: { zoneid: string; templateid: string; serviceofferingid: string; hostid: string; name: string; ha: boolean }): Promise<Obj> {
  const { jobid, id } = (await admin.ok('deployVirtualMachine', { zoneid: o.zoneid, templateid: o.templateid, serviceofferingid: o.serviceofferingid, hostid: o.hostid, name: o.name })) as { jobid: string; id: string };
  const job = await admin.waitForJob(jobid);
  if (job.jobstatus !== 1) throw new Error(`deploy of ${o.name} failed: ${JSON.stringify(job.jobresult)}`);
  if (o.ha) await admin.ok('updateVirtualMachine', { id, haenable: true });
  return vmById(admin, id);
}

export async function vmById(admin: CloudStackClient, id: string): Promise<Obj> {
  return ((await admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[])[0];
}

export async function hostById(admin: CloudStackClient, id: string): Promise<Obj> {
  return ((await admin.ok('listHosts', { id })).host as Obj[])[0];
}

/**
 * Until the host's agent has been told, in two heartbeat answers, to fence these VMs if it is cut
 * off: before that, the HA monitor rightly refuses to restart them elsewhere (nothing proves them off).
 */
export async function fenceOrdersDelivered(hostId: string, instanceNames: string[]): Promise<void> {
  const store = createStore();
  await waitFor(`fence orders for ${instanceNames.join(', ')} on ${hostId}`, async () => {
    const host = await store.hosts.get(hostId, true);
    return instanceNames.every((n) => host?.fenceDomains?.includes(n) && host.priorFenceDomains?.includes(n));
  });
}

/** Every host's used CPU and memory equal the sum of the VMs placed on it (listHosts against listVirtualMachines). */
export async function expectCapacityLedger(admin: CloudStackClient): Promise<void> {
  const hosts = (await admin.ok('listHosts')).host as Obj[];
  const vms = ((await admin.ok('listVirtualMachines', { listall: true })).virtualmachine as Obj[] | undefined) ?? [];
  for (const host of hosts) {
    const mine = vms.filter((v) => v.hostid === host.id);
    const cpu = mine.reduce((sum, v) => sum + v.cpunumber * v.cpuspeed, 0);
    const memory = mine.reduce((sum, v) => sum + v.memory * 1024 * 1024, 0);
    expect({ host: host.name, cpu: host.cpuallocatedvalue, memory: host.memoryallocated }).toEqual({ host: host.name, cpu, memory });
  }
}
