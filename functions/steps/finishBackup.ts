import { z } from 'zod';
import { InternalError } from '../../core/errors';
import type { Backup, BackedUpVolume } from '../../core/entities';
import { volumesOf } from '../store/storage';
import { toBackupResponse } from '../views/backup';
import { createLookups } from '../views/lookups';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

/** `taken`: what the provider answered: the dummy provider (takeBackup) its name and size, the nas provider's host (TakeBackup) also each volume's file. */
const Input = z.object({
  jobId: z.string(),
  vmId: z.string(),
  backupId: z.string(),
  taken: z.object({
    externalId: z.string(),
    size: z.number().int().nonnegative(),
    files: z.array(z.object({ volumeId: z.string(), file: z.string(), size: z.number() })).optional(),
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
    // The volumes it holds, as CloudStack records them (createVolumeInfoFromVolumes): the VM's now, each with its file in the backup.
    const files = new Map((taken.files ?? []).map((f) => [f.volumeId, f.file]));
    const volumes: BackedUpVolume[] = (await volumesOf(store.storage, vm)).map((v) => ({ uuid: v.id, type: v.type, size: v.size, path: files.get(v.id) ?? v.path ?? v.id, deviceId: v.deviceId ?? 0, ...(v.diskOfferingId ? { diskOfferingId: v.diskOfferingId } : {}) }));
    if (taken.files && volumes.some((v) => !files.has(v.uuid))) throw new InternalError(`Backup ${backupId} of VM ${vm.name} holds no copy of a volume the VM has now: ${volumes.filter((v) => !files.has(v.uuid)).map((v) => v.uuid).join(', ')}`);
    const set: Partial<Backup> = { status: 'BackedUp', externalId: taken.externalId, size: taken.size, virtualSize: volumes.reduce((a, v) => a + v.size, 0), volumes };
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
