import { randomUUID } from 'node:crypto';
import type { Backup, BackupOffering, BackupSchedule, Caller, Vm } from '../core/entities';
import { BACKUP_DISABLED } from '../core/backup';
import { ConcurrentOperationError, InvalidParameterError, OperationRefusedError } from '../core/errors';
import { backupPathOf } from '../core/agent-commands';
import { recordVmEvent } from './vm-events';
import { volumesOf } from './store/storage';
import { finishedJob } from './store/jobs';
import { stableId } from '../core/ids';
import { SYSTEM_CALLER } from '../core/system';
import type { JobStarter, StartedJob } from './api/jobs';
import type { Store } from './store';

/** CloudStack's default name: the VM's host name and the time, `<hostname>-<yyyyMMddHHmmss>` in GMT. */
const defaultName = (hostName: string, at: Date) => `${hostName}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;

/** A schedule's run: the schedule as read, when it was due, and the schedule moved on to its next run. */
export interface ScheduledRun {
  schedule: BackupSchedule;
  due: string;
  next: BackupSchedule;
}

export interface BackupRequest {
  vm: Vm;
  offering: BackupOffering;
  provider: string;
  caller: Caller;
  name?: string;
  description?: string;
  quiesce?: boolean;
  /** the owner's account name, when the caller has read it already */
  accountName?: string;
  /** a schedule's run (the backup scheduler), else a manual backup (createBackup) */
  run?: ScheduledRun;
}

/**
 * A backup of the VM by its offering's provider (workflows/backup-vm.asl.json), for createBackup and
 * for the backup scheduler alike. The record (BackingUp) and the VM's hold are written with the job,
 * so no start, stop or migration runs under a backup.
 *
 * A schedule's run is idempotent: its job and backup ids come from the schedule and the due time,
 * and the schedule moves on to its next run in the same transaction, held to the version read, so
 * a trigger that fires twice or two sweeps that overlap start one backup.
 */
export async function startBackup(store: Store, jobs: JobStarter, request: BackupRequest, now: Date): Promise<StartedJob & { backup: Backup }> {
  const { vm, offering, provider, caller, run } = request;
  const accountName = request.accountName ?? (await store.tenancy.getAccount(vm.accountId))?.name ?? '';
  const id = run ? stableId('backup', run.schedule.id, run.due) : randomUUID();
  // The nas provider's backup is taken by the agent of the VM's host, bounded by the zone's timeouts.
  const onHost = provider === 'nas' ? { hostId: await backupHost(store, vm), ...(await agentBounds(store)) } : {};
  // Its disks' size, known before it is taken: what it holds of the backup_storage limit until it is (core/resource-limits.ts).
  const disksSize = (await volumesOf(store.storage, vm)).reduce((a, v) => a + v.size, 0);
  const backup: Backup = {
    id,
    name: request.name ?? defaultName(vm.name, now),
    ...(request.description !== undefined ? { description: request.description } : {}),
    vmId: vm.id,
    vmName: vm.name,
    accountId: vm.accountId,
    accountName,
    domainId: vm.domainId,
    domainPath: vm.domainPath,
    zoneId: vm.zoneId,
    backupOfferingId: offering.id,
    // Where the nas provider keeps it (CloudStack's NAS plugin: `<instance name>/<date>`), known before it is taken so a failed one's leftovers can be found.
    ...(provider === 'nas' ? { externalId: backupPathOf(vm.instanceName, id) } : {}),
    status: 'BackingUp',
    size: 0,
    virtualSize: disksSize,
    volumes: [],
    intervalType: run ? run.schedule.intervalType : 'MANUAL',
    ...(run ? { scheduleId: run.schedule.id } : {}),
    created: now.toISOString(),
    version: 1,
  };
  const started = await jobs.startOnVm({
    ...(run ? { jobId: stableId('backup-job', run.schedule.id, run.due) } : {}),
    workflow: 'backup-vm',
    cmd: 'org.apache.cloudstack.api.command.user.backup.CreateBackupCmd',
    eventType: 'BACKUP.CREATE',
    caller,
    vm,
    set: { backupInProgressId: backup.id, lastUpdated: now.toISOString() },
    also: [...store.backups.createBackupOperations(backup), ...(run ? store.backups.updateScheduleOperations(run.schedule, run.next) : [])],
    input: { backupId: backup.id, provider, vmState: vm.state, quiesce: request.quiesce ?? false, ...onHost, ...(run ? { scheduleId: run.schedule.id } : {}) },
  });
  return { ...started, backup };
}

/**
 * How long a nas backup or restore may take on its host (`nas.backup.timeout`), and go without a
 * progress report from its agent (`nas.backup.progress.timeout`: an agent killed mid-backup, a host
 * cut off) before the workflow gives up on it and cleans up.
 */
export async function agentBounds(store: Store): Promise<{ timeoutSeconds: number; heartbeatSeconds: number }> {
  const [timeoutSeconds, heartbeatSeconds] = await Promise.all([store.settings.getNumber('nas.backup.timeout'), store.settings.getNumber('nas.backup.progress.timeout')]);
  // Step Functions wants the silence bound below the whole one.
  return { timeoutSeconds, heartbeatSeconds: Math.max(1, Math.min(heartbeatSeconds, timeoutSeconds - 1)) };
}

/**
 * The host whose agent takes a VM's nas backup (CloudStack's getVMHypervisorHostForBackup, with its
 * texts): where it runs, or where a stopped VM last ran (its volumes' files are reachable there).
 */
export async function backupHost(store: Store, vm: Vm): Promise<string> {
  if (vm.volumeIds === undefined) throw new OperationRefusedError(`VM ${vm.name} was made before Stratus kept volumes: its disk is not a volume the nas provider can back up and restore; restore it from a template or import it again first`);
  const hostId = vm.state === 'Running' ? vm.hostId : (vm.lastHostId ?? vm.hostId);
  if (!hostId) throw new OperationRefusedError(vm.state === 'Running' ? `Unable to find the hypervisor host for ${vm.name}. Make sure the virtual machine is running` : `Unable to find the hypervisor host for stopped VM: ${vm.name}`);
  const host = await store.hosts.get(hostId);
  if (host?.state !== 'Up') throw new OperationRefusedError(`Unable to contact backend control plane to initiate backup: host ${host?.name ?? hostId} is ${host?.state ?? 'gone'}`);
  return hostId;
}

/**
 * The host whose agent restores a VM's volumes: its last host when Up (it reaches its pools), else
 * an Up host that reaches every pool its volumes are on (CloudStack's getVMHypervisorHost looks in
 * the cluster, then the zone); none: refused before any job, never a restore into a pool the host
 * would make up.
 */
export async function restoreHost(store: Store, vm: Vm): Promise<string> {
  const last = vm.lastHostId ?? vm.hostId;
  const host = last ? await store.hosts.get(last) : undefined;
  if (host?.state === 'Up') return host.id;
  const pools = await store.storage.getPools([...new Set((await volumesOf(store.storage, vm)).map((v) => v.poolId).filter((p): p is string => !!p))]);
  const narrowest = pools.find((p) => p.scope === 'HOST') ?? pools.find((p) => p.scope === 'CLUSTER') ?? pools[0];
  const candidate = narrowest ? await store.hosts.upHostReaching(narrowest) : undefined;
  const reaches = (p: (typeof pools)[number]) => p.scope === 'ZONE' || (p.scope === 'CLUSTER' ? p.clusterId === candidate?.clusterId : p.hostId === candidate?.id);
  if (candidate && pools.every(reaches)) return candidate.id;
  throw new OperationRefusedError(`Unable to find an Up host that reaches the storage of VM ${vm.name}: its volumes are restored by a host of their pools (the host it last ran on is ${host ? host.state : 'gone'})`);
}

/**
 * A host to act on a backup's files alone (a deletion, the sync): the VM's last host when it is Up,
 * else any Up host of the zone (they all mount the repository), as CloudStack's getVMHypervisorHost.
 */
export async function backupFilesHost(store: Store, zoneId: string, vm?: Pick<Vm, 'hostId' | 'lastHostId'>): Promise<string> {
  const preferred = vm?.hostId ?? vm?.lastHostId;
  const host = preferred ? await store.hosts.get(preferred) : undefined;
  if (host?.state === 'Up') return host.id;
  const any = await store.hosts.upHostReaching({ scope: 'ZONE', zoneId });
  if (!any) throw new OperationRefusedError(`Unable to find a running host in zone ${zoneId} to reach the backup repository: the nas provider's work runs on a host's agent`);
  return any.id;
}

/** Who a schedule's backup runs as: the system user for the VM's owner, as CloudStack's scheduler does, so the owner sees the job. */
export function scheduleCaller(vm: Vm, accountName: string): Caller {
  return { userId: SYSTEM_CALLER.userId, username: SYSTEM_CALLER.username, accountId: vm.accountId, accountName, domainId: vm.domainId, domainPath: vm.domainPath, role: 'user' };
}

/**
 * The zone's backup provider, or undefined when backup and recovery is off there: as CloudStack, the
 * global `backup.framework.enabled` and the zone's must both be true.
 */
export async function zoneBackupProvider(store: Store, zoneId: string): Promise<string | undefined> {
  const [global, zone, provider] = await Promise.all([
    store.settings.getBoolean('backup.framework.enabled'),
    store.settings.getBoolean('backup.framework.enabled', { zoneId }),
    store.settings.get('backup.framework.provider.plugin', { zoneId }),
  ]);
  return global && zone ? provider : undefined;
}

/** The zone's backup provider, or CloudStack's refusal when backup and recovery is off there. */
export async function backupProviderFor(store: Store, zoneId: string): Promise<string> {
  const provider = await zoneBackupProvider(store, zoneId);
  if (provider === undefined) throw new InvalidParameterError(BACKUP_DISABLED);
  return provider;
}

/**
 * A backup record gone outside a deleteBackup job (a schedule's retention, a forced removal from the
 * offering), with its event: false when someone else changed or deleted it meanwhile (theirs to settle).
 */
export async function dropBackup(store: Store, backup: Backup, event: { vm: Vm | undefined; actor: Caller; text: string }, at: Date): Promise<boolean> {
  try {
    await store.backups.transact(store.backups.deleteBackupOperations(backup), () => new ConcurrentOperationError(`Backup ${backup.name} changed while it was being deleted`));
  } catch (err) {
    if (err instanceof ConcurrentOperationError) return false;
    throw err;
  }
  if (event.vm) await recordVmEvent(store, { type: 'BACKUP.DELETE', actor: event.actor, vm: event.vm, ok: true, text: event.text }, at).catch(() => undefined);
  return true;
}

/**
 * A backup's deletion (deleteBackup, a schedule's retention, a forced removal from the offering).
 * The dummy provider's backups are records: the record goes at once (`jobid` undefined). A nas
 * backup's files are removed by a host's agent first (workflows/delete-backup.asl.json), the backup
 * Removed meanwhile so no restore starts on it, and back as it was if that fails. One being taken,
 * restored or deleted already is left to that (`removed: false`). `event.offering`: the backup's
 * offering when the caller has read it.
 */
export async function removeBackup(store: Store, jobs: JobStarter, backup: Backup, event: { vm: Vm | undefined; actor: Caller; text: string; offering?: BackupOffering }, at: Date): Promise<{ removed: boolean; jobid?: string }> {
  // Callers that delete several backups of one offering read it once and pass it.
  const offering = event.offering?.id === backup.backupOfferingId ? event.offering : await store.backups.getOffering(backup.backupOfferingId);
  if (offering?.provider !== 'nas') return { removed: await dropBackup(store, backup, event, at) };
  if (backup.status !== 'BackedUp' && backup.status !== 'Error') return { removed: false };
  const before = backup.status;
  const hostId = await backupFilesHost(store, backup.zoneId, event.vm);
  const removing: Backup = { ...backup, status: 'Removed', version: backup.version + 1 };
  const started = await jobs.startOnBackup({
    workflow: 'delete-backup',
    cmd: 'org.apache.cloudstack.api.command.user.backup.DeleteBackupCmd',
    eventType: 'BACKUP.DELETE',
    caller: event.actor,
    backup,
    operations: store.backups.updateBackupOperations(backup, { status: 'Removed' }),
    undo: () => store.backups.updateBackupOperations(removing, { status: before }),
    input: { hostId, stateBefore: before, text: event.text },
  });
  return { removed: true, jobid: started.jobid };
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

/**
 * CloudStack's checkForBackups: a VM in a backup offering keeps its disks as its backups know them,
 * unless `backup.enable.attach.detach.of.volumes` is true (a restore matches volumes by id, so a
 * changed set of disks makes it refuse).
 */
export async function refuseWithBackups(store: Store, vm: { backupOfferingId?: string }, attach: boolean): Promise<void> {
  if (!vm.backupOfferingId || (await store.settings.getBoolean('backup.enable.attach.detach.of.volumes'))) return;
  throw new InvalidParameterError(
    attach
      ? "Unable to attach volume, please specify a VM that does not have any backups or set the global configuration 'backup.enable.attach.detach.of.volumes' to true."
      : "Unable to detach volume, cannot detach volume from a VM that has backups. First remove the VM from the backup offering or set the global configuration 'backup.enable.attach.detach.of.volumes' to true.",
  );
}

/**
 * CloudStack's checkAndRemoveBackupOfferingBeforeExpunge: a VM whose offering still holds backups of
 * it is not expunged (they would lose the VM they restore onto); without backups it leaves the
 * offering as it is expunged. Reads the VM's backups partition only.
 */
export async function whyNotExpungeable(store: Store, vm: Pick<Vm, 'id' | 'instanceName' | 'backupOfferingId'>): Promise<string | undefined> {
  if (!vm.backupOfferingId) return undefined;
  const [offering, backups] = await Promise.all([store.backups.getOffering(vm.backupOfferingId), store.backups.backupsOfVm(vm.id)]);
  const held = backups.filter((b) => b.backupOfferingId === vm.backupOfferingId).length;
  if (!held) return undefined;
  return `This Instance [uuid: ${vm.id}, name: ${vm.instanceName}] has a Backup Offering [id: ${vm.backupOfferingId}, external id: ${offering?.externalId ?? ''}] with ${held} backups. Please, remove the backup offering before proceeding to VM exclusion!`;
}

/** The refusal of an expunge (destroyVirtualMachine expunge=true, expungeVirtualMachine) of a VM whose offering holds its backups. */
export async function refuseExpungeWithBackups(store: Store, vm: Pick<Vm, 'id' | 'instanceName' | 'backupOfferingId'>): Promise<void> {
  const why = await whyNotExpungeable(store, vm);
  if (why) throw new OperationRefusedError(why);
}
