import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { volumesOf } from '../store/storage';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), backupId: z.string(), provider: z.string(), state: z.string() });

/**
 * The dummy provider takes the backup at once (CloudStack's: `dummy-external-id`, the VM's volumes as
 * they are). The nas provider's is the host's work (TakeOnHost in workflows/backup-vm.asl.json).
 */
export const handler = defineStep(Input, async ({ jobId, vmId, backupId }, { store }) => {
  const [vm, backup] = await Promise.all([store.vms.get(vmId, true), store.backups.getBackup(backupId, true)]);
  if (!vm || !backup) throw new InternalError(`VM ${vmId} or backup ${backupId} no longer exists`);
  if (vm.activeJobId !== jobId) return { externalId: backup.externalId ?? '', size: backup.size };
  return { externalId: 'dummy-external-id', size: (await volumesOf(store.storage, vm)).reduce((a, v) => a + v.size, 0) };
});
