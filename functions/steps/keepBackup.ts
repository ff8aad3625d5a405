import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';
import { Caught, failedCompletion, publicText } from './failures';

const Input = z.object({ jobId: z.string(), backupId: z.string(), stateBefore: z.enum(['BackedUp', 'Error']), failure: z.record(z.string(), Caught), state: z.string() });

/**
 * A nas backup's deletion that failed: the backup back in its status before (its files kept, so it
 * can be deleted again) and the job failed with the step and the agent's reason, in one
 * transaction; then the event. When the host had removed the files already (ForgetBackup failed),
 * it is Error, never BackedUp without them: deleting it again finishes the job.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, backupId, stateBefore, failure, state }, { store, now }) => {
    const { failedStep, error, fields } = failedCompletion(failure);
    const [job, backup] = await Promise.all([store.jobs.get(jobId, true), store.backups.getBackup(backupId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    const at = now();
    const filesGone = 'ForgetBackup' in failure;
    const completed = await store.jobs.complete(
      jobId,
      { ...fields, step: state, created: job.created, also: backup?.status === 'Removed' ? store.backups.updateBackupOperations(backup, filesGone ? { status: 'Error', error: `Its files were removed from the repository, but not its record: ${error.errortext}` } : { status: stateBefore }) : [] },
      undefined,
      store.vms,
      at,
    );
    const vm = backup ? await store.vms.get(backup.vmId) : undefined;
    if (completed && vm && backup && vm.state !== 'Expunged')
      await recordVmEvent(store, { type: 'BACKUP.DELETE', actor: { userId: job.userId }, vm, ok: false, jobId, text: `Error while deleting backup ${backup.name} (${backup.id}) at ${failedStep}: ${publicText(error)}` }, at).catch(() => undefined);
    return { completed, error };
  },
  { recordsOwnStep: true },
);
