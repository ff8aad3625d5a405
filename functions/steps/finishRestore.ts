import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { transition } from '../../core/vm-states';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), backupId: z.string(), state: z.string() });

/**
 * One transaction: the backup BackedUp again, the VM Stopped and released (a destroyed VM recovered
 * and out of the expunge queue, as CloudStack's restore leaves it), the job done; then BACKUP.RESTORE.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, backupId, state }, { store, now }) => {
    const [vm, job, backup] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true), store.backups.getBackup(backupId, true)]);
    if (!vm || !job || !backup) throw new InternalError(`VM ${vmId}, backup ${backupId} or job ${jobId} no longer exists`);
    if (vm.activeJobId !== jobId) return { completed: false };
    const at = now();
    const recovered = vm.state === 'Destroyed';
    const completed = await store.jobs.complete(
      jobId,
      {
        status: 1,
        result: { success: true },
        step: state,
        created: job.created,
        also: [...store.backups.updateBackupOperations(backup, { status: 'BackedUp' }), ...(recovered && vm.destroyed ? [store.vms.dequeueExpungeOperation(vm.id, vm.destroyed)] : [])],
      },
      { vm, set: { state: recovered ? transition(vm.state, 'RecoveryRequested') : vm.state, lastUpdated: at.toISOString() }, remove: ['activeJobId', 'backupInProgressId', ...(recovered ? (['destroyed'] as const) : [])] },
      store.vms,
      at,
    );
    if (completed) await recordVmEvent(store, { type: 'BACKUP.RESTORE', actor: { userId: job.userId }, vm, ok: true, jobId, text: `Restored VM ${vm.name} (${vm.id}) from backup ${backup.name} (${backup.id})${recovered ? ': it was destroyed and is Stopped now' : ''}` }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
