import type { BackupOffering, BackupRepository } from './entities';

/**
 * Backup and recovery's providers (CloudStack's BackupProvider plugins), pure: what each offers and
 * what an offering allows. `dummy` is CloudStack's (its two policies, backups at once); `nas` keeps
 * QCOW2 copies in a backup repository the hosts mount, its offerings being the repositories.
 */
export interface BackupProvider {
  name: string;
  description: string;
}

export const BACKUP_PROVIDERS: readonly BackupProvider[] = [
  { name: 'dummy', description: 'Dummy Backup Plugin' },
  { name: 'nas', description: 'NAS Backup Plugin' },
];

export const isBackupProvider = (name: string): boolean => BACKUP_PROVIDERS.some((p) => p.name === name);

/** A provider's policy, before an administrator imports it as a backup offering of a zone. */
export interface ProviderOffering {
  externalId: string;
  name: string;
  description: string;
}

/** The dummy provider's policies, as CloudStack's DummyBackupProvider lists them. */
export const DUMMY_POLICIES: readonly ProviderOffering[] = [
  { externalId: 'gold-policy', name: 'Gold Policy', description: 'Gold Backup Policy' },
  { externalId: 'silver-policy', name: 'Silver Policy', description: 'Silver Backup Policy' },
];

/** The nas provider offers each backup repository of the zone as a policy, its id the repository's (as CloudStack's NASBackupProvider). */
export const nasPolicyOf = (r: Pick<BackupRepository, 'id' | 'name' | 'type' | 'address'>): ProviderOffering => ({ externalId: r.id, name: r.name, description: `NAS backup repository (${r.type} ${r.address})` });

/** CloudStack's refusal when the framework is off (globally or for the zone). */
export const BACKUP_DISABLED = 'Backup and Recovery feature is disabled for the zone';

/** Why a VM cannot join an offering (CloudStack's texts), or undefined. */
export function whyNotAssignable(vm: { state: string; backupOfferingId?: string; zoneId: string }, offering: Pick<BackupOffering, 'zoneId'>): string | undefined {
  if (vm.state !== 'Running' && vm.state !== 'Stopped') return 'VM is not in running or stopped state';
  if (vm.backupOfferingId) return 'VM already is assigned to a backup offering, please remove the VM from its previous offering';
  if (vm.zoneId !== offering.zoneId) return 'Backup offering and VM are not in the same zone';
  return undefined;
}

/**
 * Why an offering's backups cannot be taken or restored now, or undefined: the zone's provider must
 * still be the offering's (an administrator may change the zone's plugin under existing offerings).
 * One text for every command, step and the scheduler.
 */
export function whyProviderCannot(offering: Pick<BackupOffering, 'name' | 'provider'>, zoneProvider: string): string | undefined {
  if (offering.provider !== zoneProvider) return `Backup offering ${offering.name} is the ${offering.provider} provider's, but the zone's backup provider is ${zoneProvider} now`;
  return undefined;
}
