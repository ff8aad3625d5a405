import { settleUnfinishedOperations } from '../vm-snapshots';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { AsyncJob, Host, Vm } from '../../core/entities';
import type { VmState } from '../../core/vm-states';
import { workflowArn } from '../api/jobs';
import { scheduledRun } from './scheduled-run';
import { createStore, type Store } from '../store';
import type { StoredAgentTask } from '../store/tasks';
import { memo } from '../views/lookups';
import { sfnClient } from '../workflows-client';
import type { EventType } from '../../core/events';
import { recordVmEvent } from '../vm-events';

/**
 * The reconciler: a job whose workflow execution is gone (a restart of the local engine, an
 * execution stopped by hand, a lost start) would leave its VM in an intermediate state forever.
 * Each run settles such jobs in two phases, so nothing is decided on stale facts:
 *
 * 1. The execution is not running: the job's agent tasks still queued are deleted (a task leased and
 *    not yet expired makes it wait: the agent may be running it now), and the job is marked orphaned.
 * 2. On a later run, once the VM's host has sent a heartbeat after that mark that shows no task for
 *    the VM still in flight on the agent, the VM is settled from
 *    what the host reports: powered on -> Running (its capacity stays); off or absent -> its capacity
 *    is released and it is Stopped (Destroyed/Expunging -> Destroyed, back in the expunge queue); a
 *    host that stopped heartbeating -> Error, capacity kept. The job fails with 530 naming this, and
 *    an event is written.
 *
 * Then VMs left in Error holding capacity get it back once their host shows them off.
 */
export type ExecutionStatus = 'RUNNING' | 'ENDED' | 'MISSING';

export interface ReconcileOptions {
  now?: Date;
  /** Jobs younger than this are left alone: their execution may be starting right now. */
  graceMs?: number;
  /** Skip the interval check (tests and the local stack's "reconcile now"). */
  force?: boolean;
  executionStatus?: (job: AsyncJob) => Promise<ExecutionStatus>;
}

export interface ReconcileReport {
  ran: boolean;
  settled: Array<{ jobId: string; vmId?: string; vmState?: VmState }>;
  waiting: string[];
  /** VMs in Error whose capacity was given back once their host showed the domain off */
  released: string[];
  /** jobs that could not be settled this run; the next run tries again */
  failed: Array<{ jobId: string; error: string }>;
}

export const RECONCILE_GRACE_MS = 30_000;

export async function reconcile(store: Store, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const now = opts.now ?? new Date();
  const report: ReconcileReport = { ran: false, settled: [], waiting: [], released: [], failed: [] };
  const interval = await store.settings.getNumber('vm.reconcile.interval');
  if (!opts.force && !(await store.schedules.claim('reconcile', interval, now))) return report;
  report.ran = true;
  const status = opts.executionStatus ?? describeExecution;
  // One read of a host's tasks per run, however many of its jobs are orphaned.
  const tasksOf = memo((hostId: string) => store.tasks.listForHost(hostId));
  const pending = await store.jobs.listPendingBefore(new Date(now.getTime() - (opts.graceMs ?? RECONCILE_GRACE_MS)).toISOString());
  for (const { jobId, created } of pending) {
    const job = await store.jobs.get(jobId, true);
    if (!job || job.status !== 0) {
      await store.jobs.dropPendingMarker(created, jobId);
      continue;
    }
    try {
      if ((await status(job)) === 'RUNNING') continue;
      const outcome = await settleOrphan(store, job, now, tasksOf);
      if (outcome === 'waiting') report.waiting.push(job.id);
      else report.settled.push({ jobId: job.id, ...outcome });
    } catch (err) {
      // One job that cannot be settled now (a write that lost a race) does not stop the others.
      report.failed.push({ jobId: job.id, error: (err as Error).message });
    }
  }
  await releaseErrorHolds(store, report);
  return report;
}

/**
 * A VM a failed job left in Error on a host that could not confirm it off keeps its capacity, so
 * nothing is overcommitted. Once the host heartbeats after that and shows the domain off or gone,
 * the capacity is given back; the VM stays in Error until it is destroyed or started.
 */
async function releaseErrorHolds(store: Store, report: ReconcileReport): Promise<void> {
  for (const hold of await store.vms.listErrorHolds()) {
    const vm = await store.vms.get(hold.vmId, true);
    if (!vm || vm.state !== 'Error' || (vm.hostId !== hold.hostId && vm.migration?.hostId !== hold.hostId)) {
      await store.vms.dropErrorHold(hold.vmId); // destroyed, started or released since
      continue;
    }
    if (vm.activeJobId) continue;
    if (vm.migration || vm.pendingScale) {
      // Where the interrupted move left the VM, from a heartbeat of its destination sent after the failure.
      const settled = await settleMovesOnReport(store, vm, hold.since);
      if (!settled) continue;
      await store.vms.dropErrorHold(vm.id);
      if (settled.hostId) await store.vms.update(settled, {}, [], [store.vms.errorHoldOperation(settled.id, settled.hostId, hold.since)]);
      report.released.push(vm.id);
      continue;
    }
    const host = await store.hosts.get(hold.hostId, true);
    if (!host?.lastHeartbeat || host.lastHeartbeat <= hold.since || host.busyDomains?.includes(vm.instanceName) || host.powerStates?.[vm.instanceName] === 'PowerOn') continue;
    await store.placement.release(vm, store.vms);
    await store.vms.dropErrorHold(vm.id);
    report.released.push(vm.id);
  }
}

async function settleOrphan(
  store: Store,
  job: AsyncJob,
  now: Date,
  tasksOf: (hostId: string) => Promise<StoredAgentTask[]>,
): Promise<'waiting' | { vmId?: string; vmState?: VmState }> {
  const vm = job.instanceId ? await store.vms.get(job.instanceId, true) : undefined;
  let held = vm && vm.activeJobId === job.id ? vm : undefined;

  // Phase 1: no agent may still act for this job.
  const hostIds = [...new Set([held?.hostId, held?.lastHostId].filter((h): h is string => !!h))];
  const tasks = (await Promise.all(hostIds.map(tasksOf))).flat().filter((t) => t.jobId === job.id);
  if (tasks.some((t) => t.status === 'leased' && (t.leaseUntil ?? 0) > now.getTime())) return 'waiting';
  await Promise.all(tasks.map((t) => store.tasks.remove(t.hostId, t.id)));
  if (!job.orphanedAt) {
    await store.jobs.markOrphaned(job.id, now.toISOString());
    if (held) return 'waiting';
  }

  if (job.instanceType === 'Host' && job.instanceId) {
    await failHostJob(store, job, now);
    return {};
  }
  if ((job.instanceType === 'StoragePool' || job.instanceType === 'Volume' || job.instanceType === 'Template' || job.instanceType === 'Backup' || job.instanceType === 'BackupRepository') && job.instanceId) {
    await failStorageJob(store, job, now);
    return {};
  }
  if (!held) {
    await fail(store, job, undefined, undefined, now);
    return { vmId: vm?.id };
  }

  // Phase 2: judge the VM on a heartbeat sent after phase 1; first, where a move it was making ended.
  held = await settleMoves(store, held);
  const host = held.hostId ? await store.hosts.get(held.hostId, true) : undefined;
  const since = job.orphanedAt ?? now.toISOString();
  const heard = !host || (host.lastHeartbeat !== undefined && host.lastHeartbeat > since);
  if (host && !heard && !(await hostSilent(store, host, now))) return 'waiting';
  // The agent may still be running a task for this VM whose record phase 1 deleted (its lease had
  // lapsed, e.g. a long disk clone): its power state is final only once no task for it is in flight.
  if (heard && host?.busyDomains?.includes(held.instanceName)) return 'waiting';
  const vmState = await settleVm(store, held, heard ? host : undefined);
  await fail(store, job, await store.vms.get(held.id, true), vmState, now);
  return { vmId: held.id, vmState };
}

/**
 * An interrupted live migration or scale: if the destination reports the VM running, the move
 * happened and the destination becomes its host; otherwise the destination's hold goes back. A
 * pending scale's hold goes back either way (the VM keeps the size the inventory has; a hot scale
 * that did happen shows as a larger domain until its next start).
 */
async function settleMoves(store: Store, vm: Vm): Promise<Vm> {
  let current = vm;
  if (current.migration) {
    const destination = await store.hosts.get(current.migration.hostId, true);
    if (destination?.powerStates?.[vm.instanceName] === 'PowerOn') await store.moves.commitMigration(current, store.vms, { applyScale: false });
    else await store.moves.releaseMigration(current, store.vms);
    current = (await store.vms.get(vm.id, true)) ?? current;
  }
  if (current.pendingScale) {
    await store.moves.releaseScale(current, store.vms);
    current = (await store.vms.get(vm.id, true)) ?? current;
  }
  return current;
}

/**
 * An Error VM whose migration or scale was interrupted: once the destination has heartbeated after
 * `since` with no task in flight for the VM, running there means the move happened (commit), off
 * means it did not (the hold goes back); a pending scale's hold goes back either way. Undefined
 * while the destination has not reported.
 */
async function settleMovesOnReport(store: Store, vm: Vm, since: string): Promise<Vm | undefined> {
  if (vm.migration) {
    const destination = await store.hosts.get(vm.migration.hostId, true);
    const reported = destination?.lastHeartbeat !== undefined && destination.lastHeartbeat > since && !destination.busyDomains?.includes(vm.instanceName);
    if (destination && !reported) return undefined;
  }
  return settleMoves(store, vm);
}

/**
 * A storage job whose workflow is gone: a pool's maintenance ends in ErrorInMaintenance, saying so
 * (its VMs' own stop jobs settle themselves); a volume being deleted is Ready again (its file may be
 * gone or not: deleting it again removes what is left); an image being downloaded shows the error;
 * a nas backup being deleted is Error (its files may be gone or not: deleting it again finishes).
 */
async function failStorageJob(store: Store, job: AsyncJob, now: Date): Promise<void> {
  const errortext = `Job ${job.id} was interrupted: its workflow execution ended before the job completed`;
  const also: object[] = [];
  if (job.instanceType === 'StoragePool') {
    const pool = await store.storage.getPool(job.instanceId!, true);
    if (pool?.activeJobId === job.id) also.push(store.storage.finishMaintenanceOperation(pool, job.id, 'ErrorInMaintenance', `${errortext}; the pool's maintenance did not finish`));
  } else if (job.instanceType === 'Template') {
    const t = await store.templates.get(job.instanceId!, true);
    if (t?.download?.jobId === job.id && t.download.state === 'Downloading') also.push(...store.templates.changeOperations(t, { download: { ...t.download, state: 'Error', error: `${errortext}; the download did not finish` } }));
  } else if (job.instanceType === 'BackupRepository') {
    // A repository's sync: nothing was held; the next interval measures it again.
  } else if (job.instanceType === 'Backup') {
    const backup = await store.backups.getBackup(job.instanceId!, true);
    if (backup?.status === 'Removed') also.push(...store.backups.updateBackupOperations(backup, { status: 'Error', error: `${errortext}; its deletion may have removed its files or not: delete it again` }));
  } else {
    const volume = await store.storage.getVolume(job.instanceId!, true);
    if (volume?.state === 'Destroy') also.push(...store.storage.volumeUpdateOperations(volume, { state: 'Ready' }));
  }
  await store.jobs.complete(job.id, { status: 2, result: { errorcode: 530, errortext }, failedStep: 'Reconcile', failureReason: errortext, publicErrorText: errortext, step: 'Reconcile', created: job.created, also }, undefined, store.vms, now);
}

/** A host's maintenance whose workflow is gone: the host ends in ErrorInMaintenance, saying so; the VMs' own migration jobs settle themselves. */
async function failHostJob(store: Store, job: AsyncJob, now: Date): Promise<void> {
  const host = await store.hosts.get(job.instanceId!, true);
  const errortext = `Job ${job.id} was interrupted: its workflow execution ended before the job completed; the host's maintenance did not finish`;
  const also = host?.activeJobId === job.id ? [store.maintenance.finishOperation(host, job.id, 'ErrorInMaintenance', errortext)] : [];
  await store.jobs.complete(
    job.id,
    { status: 2, result: { errorcode: 530, errortext }, failedStep: 'Reconcile', failureReason: errortext, publicErrorText: errortext, step: 'Reconcile', created: job.created, also },
    undefined,
    store.vms,
    now,
  );
}

/** A host that has not heartbeated for ping.interval x ping.timeout cannot tell us anything. */
async function hostSilent(store: Store, host: Host, now: Date): Promise<boolean> {
  const [interval, factor] = await Promise.all([store.settings.getNumber('ping.interval'), store.settings.getNumber('ping.timeout')]);
  const last = host.lastHeartbeat ? Date.parse(host.lastHeartbeat) : 0;
  return now.getTime() - last > interval * factor * 1000;
}

/** The state the VM is settled in, with its capacity released when nothing runs on its host. */
async function settleVm(store: Store, vm: Vm, host: Host | undefined): Promise<VmState> {
  if (vm.state === 'Destroyed' || vm.state === 'Expunging') return 'Destroyed';
  if (!vm.hostId) return 'Stopped';
  if (!host) return 'Error'; // its host is silent: keep the capacity, nothing is overcommitted
  const power = host.powerStates?.[vm.instanceName];
  if (power === 'PowerOn') return 'Running';
  await store.placement.release(vm, store.vms);
  return 'Stopped';
}

async function fail(store: Store, job: AsyncJob, vm: Vm | undefined, vmState: VmState | undefined, now: Date): Promise<void> {
  const errortext = `Job ${job.id} was interrupted: its workflow execution ended before the job completed${vmState ? `; the reconciler settled the VM in ${vmState} from what its host reports` : ''}`;
  const requeue =
    vm && vmState === 'Destroyed' && vm.destroyed
      ? [store.vms.queueForExpungeOperation(vm.id, vm.destroyed)]
      : vm && vmState === 'Error' && vm.hostId
        ? [store.vms.errorHoldOperation(vm.id, vm.hostId, now.toISOString())]
        : [];
  // No VM snapshot or backup stays half-way once the VM's job has ended.
  const snapshots = vm && vmState ? await settleUnfinishedOperations(store, vm) : undefined;
  const completed = await store.jobs.complete(
    job.id,
    { status: 2, result: { errorcode: 530, errortext }, failedStep: 'Reconcile', failureReason: errortext, publicErrorText: errortext, step: 'Reconcile', created: job.created, also: [...requeue, ...(snapshots?.operations ?? [])] },
    vm && vmState ? { vm, set: { ...snapshots?.set, state: vmState, lastUpdated: now.toISOString() }, remove: ['activeJobId', ...(snapshots?.remove ?? [])] } : undefined,
    store.vms,
    now,
  );
  if (!completed || !vm || !job.eventType) return;
  const event = { actor: { userId: job.userId }, ownerName: vm.accountId === job.accountId ? job.accountName : undefined, vm, jobId: job.id };
  await recordVmEvent(store, { ...event, type: job.eventType as EventType, ok: false, text: errortext }, now);
  // What the host shows did happen is billed as it happened: a VM found running was started, one found off was stopped.
  const happened = vmState === 'Running' && ['VM.CREATE', 'VM.START'].includes(job.eventType) ? 'VM.START' : vmState === 'Stopped' && job.eventType === 'VM.STOP' ? 'VM.STOP' : undefined;
  if (happened) await recordVmEvent(store, { ...event, type: happened, ok: true, text: `VM ${vm.name} (${vm.id}) found ${vmState} on its host after job ${job.id} was interrupted` }, now);
}

async function describeExecution(job: AsyncJob): Promise<ExecutionStatus> {
  const stateMachineArn = workflowArn(job.workflow);
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${job.id}`;
  try {
    const out = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return out.status === 'RUNNING' ? 'RUNNING' : 'ENDED';
  } catch (err) {
    if ((err as Error).name === 'ExecutionDoesNotExist') return 'MISSING';
    throw err;
  }
}

export const handler = async (event?: unknown) => {
  const { force, graceMs } = scheduledRun(event);
  return reconcile(createStore(), { force, graceMs });
};
