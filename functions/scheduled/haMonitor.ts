import { setTimeout as sleep } from 'node:timers/promises';
import type { NewAlert } from '../../core/alerts';
import type { Host, Vm } from '../../core/entities';
import { ConcurrentOperationError } from '../../core/errors';
import { newEvent, type EventInput } from '../../core/events';
import { decideForDownHost, haDomainsOf, haTimings, heartbeatVerdict, poweredOffByGuest, silenceMs, type HaTimings } from '../../core/ha';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter, type JobStarter } from '../api/jobs';
import { VM_CMD } from '../api/vm-access';
import { scheduledRun } from './scheduled-run';
import { createStore, type Store } from '../store';
import { createLookups, type Lookups } from '../views/lookups';

/**
 * The HA monitor, level-based: each run judges every host by its last heartbeat and every VM by
 * what its host reports, so a run that stops half-way is finished by the next one.
 *
 * - A host silent for ping.interval x ping.timeout goes to Alert; for host.down.timeout, to Down.
 *   Each transition raises an alert (listAlerts) and writes an event; a host heard again (the
 *   heartbeat makes it Up) gets the event, and the alert "host is back" if it had been Down.
 * - The VMs of a Down host that no job holds: without HA they are stopped in the inventory (their
 *   capacity released, VM.STOP); with HA they are stopped and restarted elsewhere (start-vm as the
 *   system user, the same cluster first), but only once proven off (core/ha.ts); a VM that cannot be
 *   proven off stays where it is, with an alert, until its host returns or the proof comes.
 * - A Running VM whose Up host reports it off without a stop request (shut down from inside the
 *   guest) is stopped in the inventory, and restarted (its last host first) when HA-enabled.
 * - Each restart job is followed to its end: an alert says whether the VM runs again.
 * - Each host's HA domains (what its agent fences when cut off) are refreshed for its next heartbeat.
 */
export interface HaMonitorOptions {
  now?: Date;
  /** Skip the interval check (tests and the local stack's "run now"). */
  force?: boolean;
}

export interface HaMonitorReport {
  ran: boolean;
  alert: string[]; // hosts put in Alert
  down: string[]; // hosts declared Down
  back: string[]; // hosts heard again after Alert or Down
  stopped: string[]; // VMs stopped in the inventory (Down host, or shut down by the guest)
  restarting: Array<{ vmId: string; jobId: string }>;
  notRestarted: Array<{ vmId: string; reason: string }>;
  /** VMs left for a later run: a job holds them, or nothing proves them off yet */
  waiting: string[];
  failed: Array<{ id: string; error: string }>;
}

interface Run {
  store: Store;
  jobs: JobStarter;
  now: Date;
  at: string;
  lookups: Lookups;
  report: HaMonitorReport;
  /** hosts read by this run */
  hosts: Map<string, Host>;
}

export async function haMonitor(store: Store, jobs: JobStarter, opts: HaMonitorOptions = {}): Promise<HaMonitorReport> {
  const now = opts.now ?? new Date();
  const report: HaMonitorReport = { ran: false, alert: [], down: [], back: [], stopped: [], restarting: [], notRestarted: [], waiting: [], failed: [] };
  const interval = await store.settings.getNumber('ha.monitor.interval');
  if (!opts.force && !(await store.schedules.claim('ha-monitor', interval, now))) return report;
  report.ran = true;
  const [pingInterval, pingTimeout, hostDownTimeout, agentFenceInterval] = await Promise.all(
    ['ping.interval', 'ping.timeout', 'host.down.timeout', 'agent.fence.interval'].map((n) => store.settings.getNumber(n)),
  );
  const timings = haTimings({ pingInterval, pingTimeout, hostDownTimeout, agentFenceInterval });
  // What changed, never what exists: hosts whose heartbeat is late (a range of the heartbeat index),
  // hosts marked by a change (a heartbeat that reported one, a migration's destination), and VMs
  // marked for a restart. Every decision below reads its VM again, consistently.
  const silentSince = new Date(now.getTime() - timings.alertAfterMs).toISOString();
  const [late, marks, pending] = await Promise.all([store.hosts.listSilentSince(silentSince), store.ha.listAttention(), store.ha.listPendingRestarts()]);
  const run: Run = { store, jobs, now, at: now.toISOString(), lookups: createLookups(store), report, hosts: new Map() };
  const lateIds = new Set(late.map((h) => h.id));
  const marked = await store.hosts.getMany(marks.map((m) => m.hostId).filter((id) => !lateIds.has(id)));
  const markSince = new Map(marks.map((m) => [m.hostId, m.since]));
  const found = new Set([...lateIds, ...marked.map((h) => h.id)]);
  for (const m of marks) if (!found.has(m.hostId)) await attempt(report, m.hostId, () => store.ha.dropAttention(m.hostId, m.since)); // a deleted host

  for (const listed of [...late, ...marked]) {
    await attempt(report, listed.id, async () => {
      const judged = await judgeHeartbeat(run, listed, timings);
      // The proofs of a Down host's VMs read its fence orders and power states: consistently, not from the index.
      const host = judged.state === 'Down' ? ((await store.hosts.get(judged.id, true)) ?? judged) : judged;
      run.hosts.set(host.id, host);
      const onHost = await store.vms.listOnHost(host.id);
      let undecided = false;
      if (host.state === 'Down') for (const vm of onHost) await attempt(report, vm.id, () => settleOnDownHost(run, vm.id, host));
      if (host.state === 'Up') {
        if ((host.alertSince || host.downSince) && !(await hostHeardAgain(run, host))) undecided = true;
        for (const vm of onHost) {
          if (poweredOffByGuest(vm, host)) await attempt(report, vm.id, () => settlePoweredOff(run, vm.id, host));
          else if (awaitsProof(vm, host)) undecided = true;
        }
      }
      const names = haDomainsOf(host.id, await store.vms.listOnHost(host.id));
      if (names.join(',') !== (host.haDomains ?? []).join(',')) await store.ha.setHaDomains(host.id, names);
      const since = markSince.get(host.id);
      if (since !== undefined && !undecided) await store.ha.dropAttention(host.id, since);
    });
  }
  // VMs marked for a restart by this run or an earlier one that stopped before starting it; a mark whose flag is down goes.
  for (const mark of pending) {
    await attempt(report, mark.vmId, async () => {
      if (!report.restarting.some((r) => r.vmId === mark.vmId)) await restartPending(run, mark.vmId);
      if (!(await store.vms.get(mark.vmId, true))?.haRestartPending) await store.ha.dropPendingRestart(mark.vmId, mark.at);
    });
  }
  await attempt(report, 'restarts', () => followRestarts(run));
  return report;
}

/**
 * A Running VM on an Up host that its heartbeats cannot judge yet: the heartbeat before the latest
 * was sent before the VM last changed, so an absent domain proves nothing. Its host stays marked.
 */
function awaitsProof(vm: Vm, host: Host): boolean {
  return vm.state === 'Running' && !vm.activeJobId && vm.hostId === host.id && !(host.previousHeartbeat && host.previousHeartbeat > vm.lastUpdated);
}

/** A host as this run last saw it, else as stored. */
async function hostOf(run: Run, id: string | undefined): Promise<Host | undefined> {
  if (!id) return undefined;
  if (!run.hosts.has(id)) {
    const host = await run.store.hosts.get(id);
    if (host) run.hosts.set(id, host);
  }
  return run.hosts.get(id);
}

/** One host or VM that cannot be handled now (a write that lost a race) does not stop the others. */
async function attempt(report: HaMonitorReport, id: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    report.failed.push({ id, error: (err as Error).message });
  }
}

/** Up or Alert, silent too long: Alert, then Down, each with its alert and event. Returns the host as it now is. */
async function judgeHeartbeat(run: Run, host: Host, t: HaTimings): Promise<Host> {
  if (host.state !== 'Up' && host.state !== 'Alert') return host;
  const verdict = heartbeatVerdict(host, run.now, t);
  const desc = await describeHost(run, host);
  const quiet = `no heartbeat since ${host.lastHeartbeat} (${Math.round((silenceMs(host, run.now) ?? 0) / 1000)} s)`;
  if (verdict === 'Down' && (await run.store.ha.markDown(host, run.now))) {
    run.report.down.push(host.id);
    const down: Host = { ...host, state: 'Down', downSince: run.at, alertSince: host.alertSince ?? run.at };
    const ha = (host.haDomains ?? []).join(' ');
    await notify(run, {
      alert: { kind: 'host', key: `host-down:${host.id}:${run.at}`, subject: `Host is down, ${desc}`, description: `Host [${desc}] is down: ${quiet}, host.down.timeout is ${t.downAfterMs / 1000} s.${ha ? ` HA-enabled VMs on it: ${ha}` : ''}`, where: where(host) },
      event: hostEvent(host, `ha-host-down:${host.id}:${run.at}`, 'ERROR', `Host ${host.name} declared Down: ${quiet}; its VMs are stopped in the inventory and the HA-enabled ones restarted elsewhere once proven off`),
    });
    return down;
  }
  if (verdict === 'Alert' && host.state === 'Up' && (await run.store.ha.markAlert(host, run.now))) {
    run.report.alert.push(host.id);
    await notify(run, {
      alert: { kind: 'host', key: `host-alert:${host.id}:${run.at}`, subject: `Host in Alert state, ${desc}`, description: `Host [${desc}] has sent ${quiet}; ping.interval x ping.timeout is ${t.alertAfterMs / 1000} s. It is declared Down after ${t.downAfterMs / 1000} s.`, where: where(host) },
      event: hostEvent(host, `ha-host-alert:${host.id}:${run.at}`, 'WARN', `Host ${host.name} is in Alert: ${quiet}`),
    });
    return { ...host, state: 'Alert', alertSince: run.at };
  }
  return host;
}

/** A host Up again after Alert or Down: an event, and the alert "host is back" after Down; then the marks go. */
async function hostHeardAgain(run: Run, host: Host): Promise<boolean> {
  const desc = await describeHost(run, host);
  const since = host.downSince ?? host.alertSince;
  await notify(run, {
    alert: host.downSince
      ? { kind: 'host', key: `host-back:${host.id}:${host.downSince}`, subject: `Host is back, ${desc}`, description: `Host [${desc}] was Down since ${host.downSince}; it heartbeats again with nothing left running that the inventory places elsewhere, and takes new work again.`, where: where(host) }
      : undefined,
    event: hostEvent(host, `ha-host-up:${host.id}:${since}`, 'INFO', `Host ${host.name} is Up again (${host.downSince ? 'Down' : 'Alert'} since ${since})`),
  });
  if (!(await run.store.ha.clearRecovery(host))) return false;
  run.report.back.push(host.id);
  return true;
}

/** A VM of a Down host, read again: wait, leave it (not proven off), or stop it in the inventory and maybe restart it. */
async function settleOnDownHost(run: Run, vmId: string, host: Host): Promise<void> {
  const vm = await run.store.vms.get(vmId, true);
  if (!vm || vm.hostId !== host.id) return;
  const decision = decideForDownHost(vm, host, await run.lookups.offering(vm.serviceOfferingId), run.now);
  if (decision.action === 'wait') return void run.report.waiting.push(vm.id);
  const desc = await describeHost(run, host);
  if (decision.action === 'leave') {
    run.report.waiting.push(vm.id);
    await notify(run, {
      alert: { kind: 'userVm', key: `ha-unproven:${vm.id}:${host.downSince}`, subject: `Unable to restart ${vm.name} which was running on host ${desc}`, description: `VM ${vm.name} (${vm.id}) is HA-enabled but is not restarted elsewhere: ${decision.why}. It stays ${vm.state} on the Down host until that host reports it or comes back.`, where: where(host) },
    });
    return;
  }
  const text = decision.restart
    ? `Host ${host.name} is Down; VM ${vm.name} stopped in the inventory and restarted by HA elsewhere (proof it is off: ${decision.evidence})`
    : `Host ${host.name} is Down; VM ${vm.name} stopped in the inventory, not restarted (${decision.evidence})`;
  // Not proven off, it may still run there: it may not start elsewhere until that host is back (its agent stops it) or gone.
  if (!(await stopInInventory(run, vm, host, { restart: decision.restart, text, hostState: 'Down', mayStillRun: !decision.proven }))) return;
  if (decision.restart) return restart(run, vm.id, host, `its host ${host.name} was declared Down`);
  await stoppedForGood(run, vm, host, `the host was declared Down (${decision.evidence})`);
}

/** The alert for a VM that stopped unexpectedly and is not restarted: not HA-enabled (CloudStack's text), or HA on local storage. */
async function stoppedForGood(run: Run, vm: Vm, host: Host, why: string): Promise<void> {
  if (vm.haEnable) return notRestarted(run, vm, host, `HA with local storage is not supported: ${why}`, `ha-unstarted:${vm.id}:${vm.version}`);
  const desc = await describeHost(run, host);
  await notify(run, {
    alert: { kind: 'userVm', key: `ha-stopped:${vm.id}:${vm.version}`, subject: `VM (name: ${vm.name}, id: ${vm.id}) stopped unexpectedly on host ${desc}`, description: `Virtual Machine ${vm.name} (id: ${vm.id}) running on host [${host.name}] stopped unexpectedly: ${why}. It is not HA-enabled and stays Stopped.`, where: where(host) },
  });
}

/** A Running VM its Up host reports off without a stop request: shut down from inside the guest. */
async function settlePoweredOff(run: Run, vmId: string, listedHost: Host): Promise<void> {
  const [vm, host] = await Promise.all([run.store.vms.get(vmId, true), run.store.hosts.get(listedHost.id, true)]);
  if (!vm || !host || !poweredOffByGuest(vm, host)) return;
  const offering = await run.lookups.offering(vm.serviceOfferingId);
  const restartIt = vm.haEnable && offering?.storageType !== 'local';
  const text = restartIt ? 'VM shut down from inside the guest, restarted by HA' : `VM ${vm.name} shut down from inside the guest (its host reported it off without a stop request); it is Stopped`;
  if (!(await stopInInventory(run, vm, host, { restart: restartIt, text, hostState: 'Up' }))) return;
  if (restartIt) return restart(run, vm.id, host, 'it was shut down from inside the guest');
  await stoppedForGood(run, vm, host, 'it was shut down from inside the guest');
}

/**
 * One transaction: the VM's capacity released on its host (still in `hostState`), the VM Stopped
 * (marked for an HA restart or not), its VM.STOP event and usage record, and its error hold dropped.
 * False: the VM or the host changed since they were read; the next run judges again.
 */
async function stopInInventory(run: Run, vm: Vm, host: Host, o: { restart: boolean; text: string; hostState: Host['state']; mayStillRun?: boolean }): Promise<boolean> {
  const owner = await run.lookups.account(vm.accountId);
  const { writes } = await run.store.events.writes(
    newEvent({
      id: `ha-stop:${vm.id}:${vm.version}`,
      // A VM in Error was not counted as running: its stop makes no usage record.
      type: vm.state === 'Running' ? 'VM.STOP' : 'HA.STATE.TRANSITION',
      caller: SYSTEM_CALLER,
      owner: { accountId: vm.accountId, accountName: owner?.name ?? '', domainId: vm.domainId, domainPath: vm.domainPath },
      description: o.text,
      resource: { type: 'VirtualMachine', id: vm.id, name: vm.name },
      usage: { zoneId: vm.zoneId, offeringId: vm.serviceOfferingId, templateId: vm.templateId, resourceName: vm.name },
    }),
    run.now,
  );
  const outcome = await run.store.placement.releaseWith(vm, run.store.vms, {
    set: { state: 'Stopped', lastUpdated: run.at, ...(o.restart ? { haRestartPending: true } : {}), ...(o.mayStillRun ? { mayStillRunOn: host.id } : {}) },
    remove: o.restart ? [] : ['haRestartPending'],
    hostState: o.hostState,
    also: [...writes, run.store.vms.dropErrorHoldOperation(vm.id), ...(o.restart ? [run.store.ha.pendingRestartOperation(vm.id, run.at)] : [])],
  });
  if (outcome !== 'released') return false;
  run.report.stopped.push(vm.id);
  return true;
}

/** A VM marked for an HA restart, read again: restart it if it is still Stopped and free; a stale mark goes. */
async function restartPending(run: Run, vmId: string): Promise<void> {
  const vm = await run.store.vms.get(vmId, true);
  if (!vm?.haRestartPending) return;
  if (vm.state === 'Stopped' && !vm.activeJobId) return restart(run, vm.id, await hostOf(run, vm.lastHostId), 'it was stopped for an HA restart that had not started yet');
  // Started or changed by someone else since it was marked: the mark must not fire later.
  if (!vm.activeJobId) await run.store.vms.update(vm, { haRestartPending: false });
}

/**
 * start-vm as the system user; the same cluster first (chooseHost `preferClusterId`), its last host
 * first when that host can take it (a guest shutdown). The mark is cleared with the job's start, so
 * the VM is never restarted twice; a start that cannot begin leaves it Stopped, with an alert.
 */
async function restart(run: Run, vmId: string, from: Host | undefined, why: string): Promise<void> {
  const vm = await run.store.vms.get(vmId, true);
  if (!vm || vm.state !== 'Stopped' || vm.activeJobId || !vm.haRestartPending) return;
  try {
    const started = await run.jobs.startOnVm({
      workflow: 'start-vm',
      cmd: VM_CMD('StartVMCmd'),
      eventType: 'VM.START',
      caller: SYSTEM_CALLER,
      vm,
      set: { state: 'Starting', lastUpdated: run.at, haRestartPending: false },
      input: { placement: from ? { preferClusterId: from.clusterId } : {} },
    });
    run.report.restarting.push({ vmId: vm.id, jobId: started.jobid });
    await run.store.ha.track({ vmId: vm.id, jobId: started.jobid, fromHostId: from?.id ?? '', since: run.at });
    await notify(run, { event: await vmEvent(run, vm, `ha-restart:${started.jobid}`, 'INFO', `HA restarts VM ${vm.name}: ${why} (job ${started.jobid})`, started.jobid) });
  } catch (err) {
    if (err instanceof ConcurrentOperationError) return; // another job took the VM meanwhile: its own operation decides
    const reason = (err as Error).message;
    run.report.notRestarted.push({ vmId: vm.id, reason });
    const fresh = await run.store.vms.get(vm.id, true);
    if (fresh?.haRestartPending && !fresh.activeJobId) await run.store.vms.update(fresh, { haRestartPending: false });
    await notRestarted(run, vm, from, reason, `ha-unstarted:${vm.id}:${vm.version}`);
  }
}

/** Each restart job that has ended: its alert (restarted on host X, or why not), then it is no longer followed. */
async function followRestarts(run: Run): Promise<void> {
  for (const r of await run.store.ha.listTracked()) {
    const job = await run.store.jobs.get(r.jobId, true);
    if (job?.status === 0) continue;
    const [vm, from] = [await run.store.vms.get(r.vmId, true), await hostOf(run, r.fromHostId)];
    if (vm && job?.status === 1) {
      const to = await hostOf(run, vm.hostId);
      await notify(run, {
        alert: { kind: 'userVm', key: `ha-restarted:${r.jobId}`, subject: `VM ${vm.name} (id: ${vm.id}) restarted by HA on host ${to?.name ?? vm.hostId ?? 'unknown'}`, description: `HA restarted VM ${vm.name} (id: ${vm.id})${from ? `, which was running on host ${from.name}` : ''}, on host ${to?.name ?? vm.hostId} (job ${r.jobId}).`, where: { zoneId: vm.zoneId, podId: to?.podId, clusterId: to?.clusterId, hostId: vm.hostId } },
      });
    } else if (vm) await notRestarted(run, vm, from, job?.failureReason ?? (job ? 'the start failed' : `job ${r.jobId} is gone`), `ha-unstarted:${r.jobId}`);
    await run.store.ha.untrack(r.vmId, r.jobId);
  }
}

async function notRestarted(run: Run, vm: Vm, from: Host | undefined, reason: string, key: string): Promise<void> {
  const desc = from ? await describeHost(run, from) : 'unknown';
  await notify(run, {
    alert: { kind: 'userVm', key, subject: `Unable to restart ${vm.name} which was running on host ${desc}`, description: `HA could not restart VM ${vm.name} (id: ${vm.id}); it stays Stopped: ${reason}`, where: { zoneId: vm.zoneId, podId: from?.podId, clusterId: from?.clusterId, hostId: from?.id } },
    event: await vmEvent(run, vm, key, 'ERROR', `HA could not restart VM ${vm.name}; it stays Stopped: ${reason}`),
  });
}

/** Alerts and events are records of what already happened: raised after the change, each once (ids from their keys). */
async function notify(run: Run, n: { alert?: NewAlert; event?: EventInput }): Promise<void> {
  if (n.alert) await run.store.alerts.raise(n.alert, run.now);
  if (n.event) await run.store.events.record(newEvent(n.event), run.now);
}

function hostEvent(host: Host, id: string, level: EventInput['level'], description: string): EventInput {
  return { id, type: 'HA.STATE.TRANSITION', caller: SYSTEM_CALLER, level, description, resource: { type: 'Host', id: host.id, name: host.name } };
}

async function vmEvent(run: Run, vm: Vm, id: string, level: EventInput['level'], description: string, jobId?: string): Promise<EventInput> {
  const owner = await run.lookups.account(vm.accountId);
  return {
    id,
    type: 'HA.STATE.TRANSITION',
    caller: SYSTEM_CALLER,
    owner: { accountId: vm.accountId, accountName: owner?.name ?? '', domainId: vm.domainId, domainPath: vm.domainPath },
    level,
    description,
    resource: { type: 'VirtualMachine', id: vm.id, name: vm.name },
    ...(jobId ? { jobId } : {}),
  };
}

/** CloudStack's host description in alerts: name: <name> (id:<id>), availability zone: <zone>, pod: <pod>. */
async function describeHost(run: Run, host: Host): Promise<string> {
  const [zone, pod] = await Promise.all([run.lookups.zone(host.zoneId), run.lookups.pod(host.podId)]);
  return `name: ${host.name} (id:${host.id}), availability zone: ${zone?.name ?? host.zoneId}, pod: ${pod?.name ?? host.podId}`;
}

const where = (host: Host) => ({ zoneId: host.zoneId, podId: host.podId, clusterId: host.clusterId, hostId: host.id });

/** Within one EventBridge Scheduler tick (a minute), run as often as ha.monitor.interval asks. */
const TICK_MS = 55_000;

export const handler = async (event?: unknown) => {
  const { force, withinMs = TICK_MS } = scheduledRun(event);
  const store = createStore();
  const jobs = createJobStarter(store);
  const until = Date.now() + withinMs;
  const reports: HaMonitorReport[] = [];
  for (;;) {
    reports.push(await haMonitor(store, jobs, { force }));
    const next = (await store.settings.getNumber('ha.monitor.interval')) * 1000;
    if (Date.now() + next > until) return reports;
    await sleep(next);
  }
};
