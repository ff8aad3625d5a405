import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), backupId: z.string(), provider: z.string(), state: z.string() });

/**
 * The dummy provider's restore does nothing, as CloudStack's. The nas provider's is the host's work
 * (RestoreOnHost in workflows/restore-backup.asl.json).
 */
export const handler = defineStep(Input, async ({ jobId, vmId, backupId }, { store }) => {
  const [vm, backup] = await Promise.all([store.vms.get(vmId, true), store.backups.getBackup(backupId, true)]);
  if (!vm || !backup) throw new InternalError(`VM ${vmId} or backup ${backupId} no longer exists`);
  if (vm.activeJobId !== jobId) return { restored: [] };
  return { restored: backup.volumes.map((v) => v.uuid) };
});
