import { z } from 'zod';
import { InternalError } from '../../core/errors';
import type { Backup } from '../../core/entities';
import { toBackupResponse } from '../views/backup';
import { createLookups } from '../views/lookups';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

/** `taken`: what the provider answered (takeBackup). */
const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  backupId: z.string(),
  taken: z.object({
    externalId: z.string(),
    size: z.number().int().nonnegative(),
    volumes: z.array(z.object({ uuid: z.string(), type: z.enum(['ROOT', 'DATADISK']), size: z.number(), path: z.string(), deviceId: z.number(), diskOfferingId: z.string().optional() })),
  }),
  state: z.string(),
});

/** One transaction: the backup BackedUp with what the provider took, the job done with it, the VM released as it was; then BACKUP.CREATE. */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, backupId, taken, state }, { store, now }) => {
    const [vm, job, backup] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true), store.backups.getBackup(backupId, true)]);
    if (!vm || !job || !backup) throw new InternalError(`VM ${vmId}, backup ${backupId} or job ${jobId} no longer exists`);
    if (vm.activeJobId !== jobId) return { completed: false };
    const at = now();
    const set: Partial<Backup> = { status: 'BackedUp', externalId: taken.externalId, size: taken.size, virtualSize: taken.volumes.reduce((a, v) => a + v.size, 0), volumes: taken.volumes };
    const after: Backup = { ...backup, ...set };
    const completed = await store.jobs.complete(
      jobId,
      // CloudStack answers success; the backup rides along for clients that want it.
      { status: 1, result: { success: true, backup: await toBackupResponse(after, createLookups(store)) }, step: state, created: job.created, also: store.backups.updateBackupOperations(backup, set) },
      { vm, set: { lastUpdated: at.toISOString() }, remove: ['activeJobId', 'backupInProgressId'] },
      store.vms,
      at,
    );
    if (completed) await recordVmEvent(store, { type: 'BACKUP.CREATE', actor: { userId: job.userId }, vm, ok: true, jobId, text: `Backup ${backup.name} (${backup.id}) of VM ${vm.name} taken: ${taken.size} bytes` }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
