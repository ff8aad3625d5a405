import { randomUUID } from 'node:crypto';
import type { Backup, BackupOffering, BackupSchedule, Caller, Vm } from '../core/entities';
import { stableId } from '../core/ids';
import { SYSTEM_CALLER } from '../core/system';
import type { JobStarter, StartedJob } from './api/jobs';
import type { Store } from './store';

/** CloudStack's default name: the VM's host name and the time, `<hostname>-<yyyyMMddHHmmss>` in GMT. */
const defaultName = (hostName: string, at: Date) => `${hostName}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;

/** A schedule's run: the schedule as read, when it was due, and the schedule moved on to its next run. */
export interface ScheduledRun {
  schedule: BackupSchedule;
  due: string;
  next: BackupSchedule;
}

export interface BackupRequest {
  vm: Vm;
  offering: BackupOffering;
  provider: string;
  caller: Caller;
  name?: string;
  description?: string;
  quiesce?: boolean;
  /** a schedule's run (the backup scheduler), else a manual backup (createBackup) */
  run?: ScheduledRun;
}

/**
 * A backup of the VM by its offering's provider (workflows/backup-vm.asl.json), for createBackup and
 * for the backup scheduler alike. The record (BackingUp) and the VM's hold are written with the job,
 * so no start, stop or migration runs under a backup.
 *
 * A schedule's run is idempotent: its job and backup ids come from the schedule and the due time,
 * and the schedule moves on to its next run in the same transaction, held to the version read, so
 * a trigger that fires twice or two sweeps that overlap start one backup.
 */
export async function startBackup(store: Store, jobs: JobStarter, request: BackupRequest, now: Date): Promise<StartedJob & { backup: Backup }> {
  const { vm, offering, provider, caller, run } = request;
  const account = await store.tenancy.getAccount(vm.accountId);
  const backup: Backup = {
    id: run ? stableId('backup', run.schedule.id, run.due) : randomUUID(),
    name: request.name ?? defaultName(vm.name, now),
    ...(request.description !== undefined ? { description: request.description } : {}),
    vmId: vm.id,
    vmName: vm.name,
    accountId: vm.accountId,
    accountName: account?.name ?? '',
    domainId: vm.domainId,
    domainPath: vm.domainPath,
    zoneId: vm.zoneId,
    backupOfferingId: offering.id,
    status: 'BackingUp',
    size: 0,
    virtualSize: 0,
    volumes: [],
    intervalType: run ? run.schedule.intervalType : 'MANUAL',
    ...(run ? { scheduleId: run.schedule.id } : {}),
    created: now.toISOString(),
    version: 1,
  };
  const started = await jobs.startOnVm({
    ...(run ? { jobId: stableId('backup-job', run.schedule.id, run.due) } : {}),
    workflow: 'backup-vm',
    cmd: 'org.apache.cloudstack.api.command.user.backup.CreateBackupCmd',
    eventType: 'BACKUP.CREATE',
    caller,
    vm,
    set: { backupInProgressId: backup.id, lastUpdated: now.toISOString() },
    also: [...store.backups.createBackupOperations(backup), ...(run ? store.backups.updateScheduleOperations(run.schedule, run.next) : [])],
    input: { backupId: backup.id, provider, vmState: vm.state, ...(run ? { scheduleId: run.schedule.id } : {}), ...(request.quiesce ? { quiesce: true } : {}) },
  });
  return { ...started, backup };
}

/** Who a schedule's backup runs as: the system user for the VM's owner, as CloudStack's scheduler does, so the owner sees the job. */
export function scheduleCaller(vm: Vm, accountName: string): Caller {
  return { userId: SYSTEM_CALLER.userId, username: SYSTEM_CALLER.username, accountId: vm.accountId, accountName, domainId: vm.domainId, domainPath: vm.domainPath, role: 'user' };
}
