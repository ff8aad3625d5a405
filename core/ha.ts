import type { Host, PowerState, ServiceOffering, Vm } from './entities';
import type { VmState } from './vm-states';

/**
 * High availability, pure: when a silent host is Alert or Down, which domains a host's agent must
 * fence or stop, and what proves a VM's old copy is off before HA starts it elsewhere. The HA monitor
 * (functions/scheduled/haMonitor.ts) and the heartbeat route (functions/store/host-agent.ts) apply it.
 *
 * Proof that a VM is off (user-pains item 9): either its host's agent was told, in the last two
 * heartbeat answers, to power it off itself after `fenceAfterMs` without contact and that long has
 * passed since the last heartbeat (self-fencing); or a heartbeat whose domain list was read after the
 * VM's last change reports its domain off or gone with no task on it. Nothing else (a silent host,
 * a timeout) counts.
 */

export interface HaSettings {
  pingInterval: number; // seconds
  pingTimeout: number; // multiplier of pingInterval
  hostDownTimeout: number; // seconds
  agentFenceInterval: number; // seconds
}

export interface HaTimings {
  alertAfterMs: number;
  downAfterMs: number;
  fenceAfterMs: number;
}

/** The agent fences at most this share of the Down limit after its last contact: a third of it is the margin. */
export const FENCE_SHARE_OF_DOWN = 2 / 3;

/** min(agent.fence.interval, host.down.timeout x 2/3), in ms: the fence always comes before the Down verdict. */
export function fenceAfterMsOf(agentFenceInterval: number, hostDownTimeout: number): number {
  return Math.max(1, Math.floor(Math.min(agentFenceInterval, hostDownTimeout * FENCE_SHARE_OF_DOWN) * 1000));
}

export function haTimings(s: HaSettings): HaTimings {
  return {
    alertAfterMs: s.pingInterval * s.pingTimeout * 1000,
    downAfterMs: s.hostDownTimeout * 1000,
    fenceAfterMs: fenceAfterMsOf(s.agentFenceInterval, s.hostDownTimeout),
  };
}

/** How long the host has been silent, or undefined for a host that never heartbeated. */
export function silenceMs(host: Pick<Host, 'lastHeartbeat'>, now: Date): number | undefined {
  return host.lastHeartbeat ? now.getTime() - Date.parse(host.lastHeartbeat) : undefined;
}

/** What the heartbeat's age alone says the host is: Up, Alert (ping.interval x ping.timeout) or Down (host.down.timeout). */
export function heartbeatVerdict(host: Pick<Host, 'lastHeartbeat'>, now: Date, t: HaTimings): 'Up' | 'Alert' | 'Down' | undefined {
  const quiet = silenceMs(host, now);
  if (quiet === undefined) return undefined;
  if (quiet > t.downAfterMs) return 'Down';
  return quiet > t.alertAfterMs ? 'Alert' : 'Up';
}

/** States in which a VM with a host may be running there (Error: its host could not confirm it off). */
const MAY_RUN: ReadonlySet<VmState> = new Set(['Running', 'Starting', 'Stopping', 'Migrating', 'Error']);

/** Whether the inventory places the VM on this host as (possibly) running: its own host, or a live migration's destination. */
export function placedOn(vm: Pick<Vm, 'hostId' | 'state' | 'migration'>, hostId: string): boolean {
  return (vm.hostId === hostId && MAY_RUN.has(vm.state)) || vm.migration?.hostId === hostId;
}

/** The HA-enabled VMs the inventory runs on the host: what its agent fences when cut off. Sorted, so a change is visible. */
export function haDomainsOf(hostId: string, vms: Iterable<Vm>): string[] {
  const names: string[] = [];
  for (const vm of vms) if (vm.haEnable && placedOn(vm, hostId)) names.push(vm.instanceName);
  return names.sort();
}

/**
 * A host back from Down: the domains it reports running whose VM the inventory does not place there
 * (stopped by the HA monitor, restarted elsewhere, destroyed). Domains the inventory does not know
 * are left alone: they are not ours to stop.
 */
export function stopOrdersFor(hostId: string, powerStates: Readonly<Record<string, PowerState>>, byInstance: ReadonlyMap<string, Vm>): string[] {
  const stop: string[] = [];
  for (const [name, state] of Object.entries(powerStates)) {
    const vm = byInstance.get(name);
    if (state === 'PowerOn' && vm && !placedOn(vm, hostId)) stop.push(name);
  }
  return stop.sort();
}

/**
 * The host's latest heartbeat shows the VM off or gone, with no task on it, and that heartbeat's
 * domain list was read after the VM last changed (after the heartbeat before it, which the agent had
 * sent before reading the list again).
 */
export function reportedOff(vm: Pick<Vm, 'instanceName' | 'lastUpdated'>, host: Pick<Host, 'previousHeartbeat' | 'powerStates' | 'busyDomains'>): boolean {
  if (!host.previousHeartbeat || !(host.previousHeartbeat > vm.lastUpdated)) return false;
  if (host.busyDomains?.includes(vm.instanceName)) return false;
  const power = host.powerStates?.[vm.instanceName];
  return power === undefined || power === 'PowerOff';
}

/** The agent was told (in both of its last two answers) to fence the VM, and has been silent longer than it was told to wait. */
export function selfFenced(vm: Pick<Vm, 'instanceName'>, host: Pick<Host, 'fenceDomains' | 'priorFenceDomains' | 'fenceAfterMs' | 'lastHeartbeat'>, now: Date): boolean {
  const quiet = silenceMs(host, now);
  if (quiet === undefined || host.fenceAfterMs === undefined || quiet < host.fenceAfterMs) return false;
  return !!host.fenceDomains?.includes(vm.instanceName) && !!host.priorFenceDomains?.includes(vm.instanceName);
}

/** What the HA monitor does with one VM of a Down host. */
export type DownHostDecision =
  | { action: 'wait'; why: string } // a job holds it, or it is in a state its owner settles: next run
  | { action: 'leave'; why: string } // HA-enabled but not proven off: keep it where it is, raise an alert
  | { action: 'stop'; restart: boolean; evidence: string; proven: boolean };

/**
 * A VM on a Down host. Without HA it is stopped in the inventory (CloudStack does the same; its
 * host stops it when it returns). With HA it is restarted elsewhere, but only once proven off; with
 * local storage (HA is not supported there: its disks are on the Down host) it is stopped.
 */
export function decideForDownHost(vm: Vm, host: Host, offering: Pick<ServiceOffering, 'storageType'> | undefined, now: Date): DownHostDecision {
  if (vm.activeJobId) return { action: 'wait', why: `job ${vm.activeJobId} holds it` };
  if (vm.state !== 'Running' && vm.state !== 'Error') return { action: 'wait', why: `it is ${vm.state}` };
  // A move that ended in Error may have landed the VM on its destination: the reconciler settles that first.
  if (vm.migration || vm.pendingScale) return { action: 'wait', why: 'an interrupted migration or scale is not settled yet' };
  const evidence = selfFenced(vm, host, now)
    ? `its host's agent was told to power it off after ${host.fenceAfterMs} ms without contact, and has been silent for ${silenceMs(host, now)} ms`
    : reportedOff(vm, host)
      ? `its host last reported it ${host.powerStates?.[vm.instanceName] ?? 'gone'} at ${host.lastHeartbeat}`
      : undefined;
  const proven = evidence !== undefined;
  if (!vm.haEnable) return { action: 'stop', restart: false, evidence: evidence ?? 'not proven off; it is not HA-enabled, so it is not started elsewhere', proven };
  if (offering?.storageType === 'local') return { action: 'stop', restart: false, evidence: `${evidence ?? 'not proven off'}; HA with local storage is not supported`, proven };
  if (!evidence) return { action: 'leave', why: `nothing proves it off: it was not in the host's last two fence orders and no heartbeat since its last change shows it off` };
  return { action: 'stop', restart: true, evidence, proven };
}

/** A VM that went off on an Up host without a stop request (shut down from inside the guest). */
export function poweredOffByGuest(vm: Vm, host: Host): boolean {
  return vm.state === 'Running' && !vm.activeJobId && vm.hostId === host.id && host.state === 'Up' && reportedOff(vm, host);
}
