import { z } from 'zod';
import { whyProviderCannot } from '../../core/backup';
import { intervalTypeOf, isTimeZone, nextRunAfter, parseSchedule } from '../../core/backup-schedules';
import type { BackupSchedule, Caller, Vm } from '../../core/entities';
import { OperationRefusedError } from '../../core/errors';
import { canAccess } from '../../core/access';
import { stableId } from '../../core/ids';
import type { Store } from '../store';
import { backupProviderFor } from '../backups';
import { defineCommand } from './define-command';
import { vmForCaller } from './vm-access';
import { toBackupScheduleResponse } from '../views/backup';
import { recordVmEvent } from '../vm-events';
import { cs } from './params';

/** createBackupSchedule's and updateBackupSchedule's parameters (CloudStack's are the same). */
export const ScheduleParams = z.object({
  virtualmachineid: cs.uuid().meta({ description: 'ID of the VM for which schedule is to be defined' }),
  intervaltype: cs.string().meta({ description: 'valid values are HOURLY, DAILY, WEEKLY, and MONTHLY' }),
  schedule: cs.string().meta({ description: 'custom backup schedule, the format is:for HOURLY MM*, for DAILY MM:HH*, for WEEKLY MM:HH:DD (1-7)*, for MONTHLY MM:HH:DD (1-28)' }),
  timezone: cs.string().meta({ description: 'Specifies a timezone for this command. For more information on the timezone parameter, see TimeZone Format.' }),
  maxbackups: cs.int().optional().meta({ description: 'maximum number of backups to retain', since: '4.21.0' }),
  quiescevm: cs.boolean().optional().meta({ description: 'Quiesce the instance before checkpointing the disks for backup. Applicable only to NAS backup provider.', since: '4.21.0' }),
});
type ScheduleParams = z.infer<typeof ScheduleParams>;

/** A VM's schedule of an interval type has one id for good: creating another of that type changes it, as CloudStack's does. */
export const scheduleIdOf = (vmId: string, intervalType: string) => stableId('backup-schedule', vmId, intervalType);

/**
 * CloudStack's configureBackupSchedule: the refusals in its order and words (its command answers
 * every one as 530), then the VM's schedule of that interval type made, or changed if it has one.
 * Stratus also refuses a time zone it does not know (CloudStack silently runs it in GMT).
 */
export async function configureSchedule(store: Store, caller: Caller, vm: Vm, params: ScheduleParams, now: Date): Promise<BackupSchedule> {
  const intervalType = intervalTypeOf(params.intervaltype);
  if (!intervalType) throw new OperationRefusedError('Invalid interval type provided');
  const provider = await backupProviderFor(store, vm.zoneId);
  if (!vm.backupOfferingId) throw new OperationRefusedError('Cannot configure backup schedule for the VM without having any backup offering');
  const offering = await store.backups.getOffering(vm.backupOfferingId, true);
  if (!offering || !offering.allowUserDrivenBackups) throw new OperationRefusedError('The selected backup offering does not allow user-defined backup schedule');
  const maxBackups = await retention(store, vm, params.maxbackups);
  if (offering.provider !== 'nas' && params.quiescevm !== undefined) throw new OperationRefusedError('Quiesce VM option is supported only for NAS backup provider');
  const cannot = whyProviderCannot(offering, provider);
  if (cannot) throw new OperationRefusedError(cannot);
  if (!isTimeZone(params.timezone)) throw new OperationRefusedError(`Invalid timezone: ${params.timezone}: give a time-zone ID such as UTC, Europe/Paris or America/New_York`);
  const parsed = parseSchedule(intervalType, params.schedule);
  if (typeof parsed === 'string') throw new OperationRefusedError(`Invalid schedule: ${params.schedule} for interval type: ${intervalType}: ${parsed}`);
  const id = scheduleIdOf(vm.id, intervalType);
  const before = await store.backups.getSchedule(id, true);
  const after: BackupSchedule = {
    ...(before ?? { id, created: now.toISOString(), version: 1 }),
    vmId: vm.id,
    vmName: vm.name,
    accountId: vm.accountId,
    domainId: vm.domainId,
    domainPath: vm.domainPath,
    zoneId: vm.zoneId,
    intervalType,
    schedule: params.schedule.trim(),
    timezone: params.timezone,
    maxBackups,
    ...(params.quiescevm !== undefined ? { quiesceVm: params.quiescevm } : {}),
    nextRunAt: nextRunAfter(intervalType, parsed, params.timezone, now).toISOString(),
  };
  await store.backups.saveSchedule(before, after, offering.id);
  return before ? { ...after, version: before.version + 1 } : after;
}

/** `maxbackups`, as CloudStack checks it: not negative, and for an owner who is not a root admin within the account's and domain's backup limits. */
async function retention(store: Store, vm: Vm, maxBackups: number | undefined): Promise<number> {
  if (maxBackups === undefined) return 0;
  if (maxBackups < 0) throw new OperationRefusedError('maxbackups value for backup schedule must be a non-negative integer.');
  const [owner, accountLimit, domainLimit] = await Promise.all([store.tenancy.getAccount(vm.accountId), store.settings.getNumber('max.account.backups'), store.settings.getNumber('max.domain.backups')]);
  const exceeds = (limit: number) => limit !== -1 && maxBackups > limit;
  if (owner?.role !== 'rootAdmin' && (exceeds(accountLimit) || exceeds(domainLimit))) throw new OperationRefusedError("'maxbackups' should not exceed the domain/account backup limit.");
  return maxBackups;
}

/** The schedule named by id, if the caller may see it, or the refusal CloudStack gives (530, as its command wraps every refusal). */
export async function scheduleForCaller(store: Store, caller: Caller, id: string): Promise<BackupSchedule> {
  const schedule = await store.backups.getSchedule(id, true);
  if (!schedule || !canAccess(caller, schedule)) throw new OperationRefusedError('Could not find the requested backup schedule.');
  return schedule;
}

/**
 * createBackupSchedule and updateBackupSchedule, which CloudStack makes one command: the VM's
 * schedule of one interval type (a second of the same type changes the first; schedules of other
 * types are left alone). The backup scheduler (functions/scheduled/backupScheduler.ts) runs it.
 */
export const scheduleCommand = (name: 'createBackupSchedule' | 'updateBackupSchedule', description: string) =>
  defineCommand({
    name,
    description,
    since: '4.14.0',
    access: ['rootAdmin', 'domainAdmin', 'user'],
    async: false,
    responseKey: 'backupschedule',
    related: ['listBackupSchedule', 'deleteBackupSchedule', 'createBackup'],
    params: ScheduleParams,
    async handle({ params, store, caller, command, now }) {
      const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      const schedule = await configureSchedule(store, caller, vm, params, now);
      await recordVmEvent(store, { type: 'BACKUP.SCHEDULE.CONFIGURE', actor: caller, vm, ok: true, text: `${schedule.intervalType} backup schedule ${schedule.schedule} (${schedule.timezone}) of VM ${vm.name} configured: next run ${schedule.nextRunAt}` }, now).catch(() => undefined);
      return { kind: 'object', key: 'backupschedule', value: toBackupScheduleResponse(schedule) };
    },
  });
