import type { BackupOffering } from '../../core/entities';
import type { ProviderOffering } from '../../core/backup';

/** A backup offering as CloudStack's BackupOfferingResponse (`backupoffering`). */
export function toBackupOfferingResponse(o: BackupOffering, zoneName: string | undefined) {
  return {
    id: o.id,
    name: o.name,
    description: o.description,
    externalid: o.externalId,
    provider: o.provider,
    allowuserdrivenbackups: o.allowUserDrivenBackups,
    zoneid: o.zoneId,
    zonename: zoneName,
    created: o.created,
  };
}

/** A provider's policy before it is imported (listBackupProviderOfferings): its id is the provider's. */
export function toProviderOfferingResponse(p: ProviderOffering, provider: string, zone: { id: string; name: string }) {
  return { id: p.externalId, externalid: p.externalId, name: p.name, description: p.description, provider, zoneid: zone.id, zonename: zone.name };
}
