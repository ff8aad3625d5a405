import { BACKUP_DISABLED } from '../../core/backup';
import { InvalidParameterError } from '../../core/errors';
import type { Caller } from '../../core/entities';
import type { Store } from '../store';
import { finishedJob } from '../store/jobs';

/**
 * The zone's backup provider, if backup and recovery is on for it: as CloudStack, the global
 * `backup.framework.enabled` and the zone's must both be true; else its refusal.
 */
export async function backupProviderFor(store: Store, zoneId: string): Promise<string> {
  const [global, zone, provider] = await Promise.all([
    store.settings.getBoolean('backup.framework.enabled'),
    store.settings.getBoolean('backup.framework.enabled', { zoneId }),
    store.settings.get('backup.framework.provider.plugin', { zoneId }),
  ]);
  if (!global || !zone) throw new InvalidParameterError(BACKUP_DISABLED);
  return provider;
}

/** The finished job of a VM's assignment to a backup offering, or its removal (async in CloudStack, done at once here). */
export function assignmentJob(caller: Caller, vmId: string, change: 'Assign' | 'Remove', at: Date) {
  return finishedJob({
    cmd: `org.apache.cloudstack.api.command.user.backup.${change === 'Assign' ? 'AssignVirtualMachineToBackupOfferingCmd' : 'RemoveVirtualMachineFromBackupOfferingCmd'}`,
    eventType: `BACKUP.OFFERING.${change === 'Assign' ? 'ASSIGN' : 'REMOVE'}`,
    caller,
    instanceType: 'VirtualMachine',
    instanceId: vmId,
    result: { success: true },
    at,
  });
}
