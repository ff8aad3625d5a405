import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), backupId: z.string(), text: z.string(), state: z.string() });

/**
 * The end of a nas backup's deletion once a host removed its directory: its record, counters and
 * its offering's count gone with the job, in one transaction; then BACKUP.DELETE with the text the
 * deletion was started with (a user's deleteBackup, a schedule's retention, a forced removal).
 */
export const handler = defineStep(
  Input,
  async ({ jobId, backupId, text, state }, { store, now }) => {
    const [job, backup] = await Promise.all([store.jobs.get(jobId, true), store.backups.getBackup(backupId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    if (job.status !== 0) return { completed: false };
    const at = now();
    const completed = await store.jobs.complete(jobId, { status: 1, result: { success: true }, step: state, created: job.created, also: backup ? store.backups.deleteBackupOperations(backup) : [] }, undefined, store.vms, at);
    const vm = backup ? await store.vms.get(backup.vmId) : undefined;
    if (completed && vm && vm.state !== 'Expunged') await recordVmEvent(store, { type: 'BACKUP.DELETE', actor: { userId: job.userId }, vm, ok: true, jobId, text }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
