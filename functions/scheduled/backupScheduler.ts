import { nextRunAfter, parseSchedule } from '../../core/backup-schedules';
import type { BackupSchedule } from '../../core/entities';
import { ConcurrentOperationError, OperationRefusedError, ResourceAllocationError } from '../../core/errors';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter, type JobStarter } from '../api/jobs';
import { scheduleCaller, startBackup, zoneBackupProvider } from '../backups';
import { BACKUP_DISABLED, whyProviderCannot } from '../../core/backup';
import { createStore, type Store } from '../store';
import { recordVmEvent } from '../vm-events';

export interface BackupSchedulerReport {
  /** backups started: the schedule, when it was due, how late the start was */
  started: Array<{ scheduleId: string; backupId: string; jobid: string; due: string; lateMs: number }>;
  /** runs that could not be taken, and why (the schedule moved on to its next run, with an event) */
  skipped: Array<{ scheduleId: string; due: string; reason: string }>;
  /** due schedules whose VM another job holds: tried again at the next sweep */
  waiting: string[];
  /** schedules whose run failed for a reason of its own (tried again at the next sweep), the others' runs going on */
  failed: Array<{ scheduleId: string; error: string }>;
}

/** How many due schedules one sweep starts at once. */
const CONCURRENCY = 16;

/**
 * The backup scheduler: every minute on AWS (EventBridge Scheduler), every tick locally, it reads
 * the due index (schedules whose next run is now or past, nothing else) and starts each one's
 * backup. A run's job and backup ids come from the schedule and its due time, and the schedule
 * moves on to its next run in the transaction that starts the backup, held to the version read: a
 * trigger firing twice or two sweeps overlapping start one backup. A run that cannot be taken (the
 * VM destroyed, the framework off) is skipped with an event saying why, never silently; a VM that
 * another job holds is tried again at the next sweep. Runs missed while nothing swept are not
 * replayed: the next run is the first one after now.
 */
export async function runBackupSchedules(store: Store, jobs: JobStarter, now = new Date()): Promise<BackupSchedulerReport> {
  const report: BackupSchedulerReport = { started: [], skipped: [], waiting: [], failed: [] };
  const due = await store.backups.dueSchedules(now);
  // One schedule's failure never keeps the others from running.
  const one = (id: string) => runOne(store, jobs, id, now, report).catch((err: Error) => void report.failed.push({ scheduleId: id, error: err.message }));
  for (let i = 0; i < due.length; i += CONCURRENCY) await Promise.all(due.slice(i, i + CONCURRENCY).map((s) => one(s.id)));
  return report;
}

async function runOne(store: Store, jobs: JobStarter, scheduleId: string, now: Date, report: BackupSchedulerReport): Promise<void> {
  const schedule = await store.backups.getSchedule(scheduleId, true);
  if (!schedule || Date.parse(schedule.nextRunAt) > now.getTime()) return; // deleted, or taken by another sweep
  const parsed = parseSchedule(schedule.intervalType, schedule.schedule);
  if (typeof parsed === 'string') return; // checked when it was configured
  const next: BackupSchedule = { ...schedule, nextRunAt: nextRunAfter(schedule.intervalType, parsed, schedule.timezone, now).toISOString(), lastRunAt: schedule.nextRunAt };
  delete next.lastSkipped;
  const vm = await store.vms.get(schedule.vmId, true);
  if (!vm || vm.state === 'Expunged' || !vm.backupOfferingId) {
    // The VM went for good, or left its offering (a schedule written as it left): the schedule goes, as CloudStack's scheduler does.
    await store.backups.transact(store.backups.deleteSchedulesOperations([schedule]), () => new ConcurrentOperationError('changed')).catch(ignoreConcurrent);
    return;
  }
  const skip = async (reason: string) => {
    const saved = await store.backups.saveSchedule(schedule, { ...next, lastSkipped: reason }).then(() => true, (err: unknown) => ignoreConcurrent(err) ?? false); // false: another sweep has it
    if (!saved) return;
    report.skipped.push({ scheduleId, due: schedule.nextRunAt, reason });
    await recordVmEvent(store, { type: 'BACKUP.CREATE', actor: SYSTEM_CALLER, vm, ok: false, text: `Scheduled ${schedule.intervalType} backup of VM ${vm.name} due at ${schedule.nextRunAt} not taken: ${reason}` }, now).catch(() => undefined);
  };
  const [provider, offering, account] = await Promise.all([zoneBackupProvider(store, vm.zoneId), store.backups.getOffering(vm.backupOfferingId, true), store.tenancy.getAccount(vm.accountId)]);
  if (!provider) return skip(BACKUP_DISABLED);
  if (!offering) return skip('the VM has no backup offering');
  if (!offering.allowUserDrivenBackups) return skip(`backup offering ${offering.name} no longer allows user-defined backup schedules`);
  if (account?.state !== 'enabled') return skip(`account ${account?.name ?? vm.accountId} is ${account?.state ?? 'gone'}`);
  const cannot = whyProviderCannot(offering, provider);
  if (cannot) return skip(cannot);
  if (vm.state !== 'Running' && vm.state !== 'Stopped') return skip(`the VM is ${vm.state}: only a Running or Stopped VM is backed up`);
  if (vm.activeJobId) {
    report.waiting.push(scheduleId);
    return;
  }
  // Stamped when it starts, not when the sweep began: what its lateness is measured by.
  const at = new Date(Math.max(Date.now(), now.getTime()));
  try {
    const started = await startBackup(store, jobs, { vm, offering, provider, caller: scheduleCaller(vm, account.name), accountName: account.name, quiesce: schedule.quiesceVm, run: { schedule, due: schedule.nextRunAt, next } }, at);
    report.started.push({ scheduleId, backupId: started.backup.id, jobid: started.jobid, due: schedule.nextRunAt, lateMs: at.getTime() - Date.parse(schedule.nextRunAt) });
  } catch (err) {
    // Another job took the VM since it was read (retried next sweep), or another sweep took the run (done): neither is lost.
    const moved = (await store.backups.getSchedule(scheduleId, true))?.nextRunAt !== schedule.nextRunAt;
    if (moved) return;
    // The nas provider's host cannot take it now (not Up, the VM never ran): skipped with the reason, as CloudStack's scheduler would fail it.
    if (err instanceof OperationRefusedError) return skip(err.message);
    // The account or its domain is at its backup limit: skipped with CloudStack's text, not retried each sweep.
    if (err instanceof ResourceAllocationError) return skip(err.message);
    if (!(err instanceof ConcurrentOperationError)) throw err;
    report.waiting.push(scheduleId);
  }
}

/** A lost race is someone else's change, settled by them; anything else is this run's failure. */
function ignoreConcurrent(err: unknown): undefined {
  if (err instanceof ConcurrentOperationError) return undefined;
  throw err;
}

export const handler = async () => {
  const store = createStore();
  return runBackupSchedules(store, createJobStarter(store));
};
