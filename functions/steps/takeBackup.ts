import { z } from 'zod';
import { InternalError, ResourceUnavailableError } from '../../core/errors';
import { volumesOf } from '../store/storage';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), backupId: z.string(), provider: z.string(), state: z.string() });

/**
 * The provider takes the backup. The dummy provider's is at once (CloudStack's: `dummy-external-id`,
 * the VM's volumes as they are); the nas provider's runs on the VM's host and is not built yet, so
 * createBackup refuses it before any job.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, backupId, provider }, { store }) => {
  const [vm, backup] = await Promise.all([store.vms.get(vmId, true), store.backups.getBackup(backupId, true)]);
  if (!vm || !backup) throw new InternalError(`VM ${vmId} or backup ${backupId} no longer exists`);
  if (vm.activeJobId !== jobId) return { externalId: backup.externalId ?? '', size: backup.size, volumes: backup.volumes };
  if (provider !== 'dummy') throw new ResourceUnavailableError(`Backup provider ${provider} cannot take backups yet`);
  const volumes = (await volumesOf(store.storage, vm)).map((v) => ({ uuid: v.id, type: v.type, size: v.size, path: v.path ?? v.id, deviceId: v.deviceId ?? 0, ...(v.diskOfferingId ? { diskOfferingId: v.diskOfferingId } : {}) }));
  return { externalId: 'dummy-external-id', size: volumes.reduce((a, v) => a + v.size, 0), volumes };
});
