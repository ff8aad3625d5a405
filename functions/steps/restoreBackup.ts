import { z } from 'zod';
import { InternalError, ResourceUnavailableError } from '../../core/errors';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), backupId: z.string(), provider: z.string(), state: z.string() });

/**
 * The provider puts the VM's volumes back as the backup has them. The dummy provider's restore
 * does nothing, as CloudStack's; restoreBackup refuses other providers before any job.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, backupId, provider }, { store }) => {
  const [vm, backup] = await Promise.all([store.vms.get(vmId, true), store.backups.getBackup(backupId, true)]);
  if (!vm || !backup) throw new InternalError(`VM ${vmId} or backup ${backupId} no longer exists`);
  if (vm.activeJobId !== jobId) return { restored: [] };
  if (provider !== 'dummy') throw new ResourceUnavailableError(`Backup provider ${provider} cannot restore backups yet`);
  return { restored: backup.volumes.map((v) => v.uuid) };
});
