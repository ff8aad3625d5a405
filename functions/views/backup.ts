import type { Backup, BackupOffering, BackupRepository, BackupSchedule } from '../../core/entities';
import type { Lookups } from './lookups';
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

/** A backup as CloudStack's BackupResponse (`backup`); `volumes` is a JSON string, as CloudStack sends it. */
export async function toBackupResponse(b: Backup, lookups: Lookups) {
  const [offering, zone, domain, vm] = await Promise.all([lookups.backupOffering(b.backupOfferingId), lookups.zone(b.zoneId), lookups.domain(b.domainId), lookups.vm(b.vmId)]);
  return {
    id: b.id,
    name: b.name,
    ...(b.description !== undefined ? { description: b.description } : {}),
    virtualmachineid: b.vmId,
    virtualmachinename: b.vmName,
    ...(b.externalId ? { externalid: b.externalId } : {}),
    type: 'FULL',
    created: b.created,
    size: b.size,
    virtualsize: b.virtualSize,
    status: b.status,
    volumes: JSON.stringify(b.volumes),
    backupofferingid: b.backupOfferingId,
    backupofferingname: offering?.name,
    account: b.accountName,
    accountid: b.accountId,
    domain: domain?.name,
    domainid: b.domainId,
    zone: zone?.name,
    zoneid: b.zoneId,
    intervaltype: b.intervalType,
    vmbackupofferingremoved: !vm || vm.state === 'Expunged' || vm.backupOfferingId !== b.backupOfferingId,
    isbackupvmexpunged: !vm || vm.state === 'Expunged',
  };
}

/** A backup schedule as CloudStack's BackupScheduleResponse (`backupschedule`); Stratus adds when it runs next. */
export function toBackupScheduleResponse(s: BackupSchedule) {
  return {
    id: s.id,
    virtualmachineid: s.vmId,
    virtualmachinename: s.vmName,
    schedule: s.schedule,
    intervaltype: s.intervalType,
    timezone: s.timezone,
    maxbackups: s.maxBackups,
    ...(s.quiesceVm !== undefined ? { quiescevm: s.quiesceVm } : {}),
    // Stratus: the next run as an instant, so nobody has to work it out from the schedule and its zone.
    nextrun: s.nextRunAt,
  };
}

/** A backup repository as CloudStack's BackupRepositoryResponse (`backuprepository`). */
export function toBackupRepositoryResponse(r: BackupRepository, zoneName: string | undefined) {
  return {
    id: r.id,
    name: r.name,
    zoneid: r.zoneId,
    zonename: zoneName,
    address: r.address,
    provider: r.provider,
    type: r.type,
    mountopts: r.mountOptions,
    ...(r.capacityBytes !== undefined ? { capacitybytes: r.capacityBytes } : {}),
    // Stratus's: what the backup sync last measured (CloudStack keeps used_bytes for listCapacity type 21 only).
    ...(r.usedBytes !== undefined ? { usedbytes: r.usedBytes } : {}),
    ...(r.statsAt ? { statsat: r.statsAt } : {}),
    ...(r.statsError ? { statserror: r.statsError } : {}),
    crosszoneinstancecreation: r.crossZoneInstanceCreation,
    created: r.created,
  };
}
