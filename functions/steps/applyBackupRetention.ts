import { z } from 'zod';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter } from '../api/jobs';
import { removeBackup } from '../backups';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), scheduleId: z.string(), state: z.string() });

/**
 * After a schedule's backup is taken, its oldest backups beyond `maxbackups` go (CloudStack's
 * deleteOldestBackupFromScheduleIfRequired): the VM's backups are one partition, those of this
 * schedule and BackedUp are counted, each deletion gets its event. Backups of other schedules and
 * manual ones are never touched, so schedules never eat each other's backups. A nas backup's
 * files go through its own deletion job (workflows/delete-backup.asl.json), started here.
 */
export const handler = defineStep(Input, async ({ vmId, scheduleId }, { store, now }) => {
  const [schedule, vm] = await Promise.all([store.backups.getSchedule(scheduleId, true), store.vms.get(vmId, true)]);
  if (!schedule || schedule.maxBackups === 0) return { deleted: [] };
  const kept = (await store.backups.backupsOfVm(vmId)).filter((b) => b.scheduleId === scheduleId && b.status === 'BackedUp').sort((a, b) => a.created.localeCompare(b.created));
  const excess = kept.slice(0, Math.max(0, kept.length - schedule.maxBackups));
  const deleted: string[] = [];
  const jobs = createJobStarter(store, now);
  // One schedule's backups are its VM's offering's (the schedule goes when the VM leaves it): read once.
  const offering = excess.length ? await store.backups.getOffering(excess[0].backupOfferingId) : undefined;
  for (const backup of excess) {
    const text = `Successfully deleted backup ${backup.name} (${backup.id}) for VM [ID: ${vmId}], suiting the retention specified in the backup schedule [ID: ${scheduleId}]`;
    if ((await removeBackup(store, jobs, backup, { vm, actor: SYSTEM_CALLER, text, offering }, now())).removed) deleted.push(backup.id);
  }
  return { deleted };
});
