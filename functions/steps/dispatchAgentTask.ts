import { z } from 'zod';
import { AGENT_COMMAND_NAMES, backupFileOf, backupPathOf, backupRepositorySpecOf, buildAgentCommand, diskSpecOf, imageSpecOf, legacyRootDisk, taskIdFor, vmSnapshotSpecOf, type AgentCommandOptions } from '../../core/agent-commands';
import type { BackupRepositorySpec, DiskSpec, GuestData, ImageSpec } from '../../core/agent-protocol';
import { guestDataOf } from '../../core/config-drive';
import type { Vm, Volume } from '../../core/entities';
import type { Store } from '../store';
import { volumesOf } from '../store/storage';
import { ConcurrentOperationError, InternalError, InvalidParameterError, ResourceUnavailableError } from '../../core/errors';
import { defineStep } from './define-step';

/**
 * The callback half of every agent Task state (`lambda:invoke.waitForTaskToken`): turn the VM into
 * the agent command and queue it for the VM's host with the task token. The workflow then waits;
 * the agent gateway answers the token when the agent reports. The task id derives from the token,
 * so a retried invocation queues nothing twice.
 */
const Input = z.object({
  taskToken: z.string().min(1),
  jobId: z.string().optional(),
  state: z.string().optional(),
  /** the VM acted on; a detached volume's own commands (DeleteVolume, ResizeVolume) have none */
  vmId: z.string().min(1).optional(),
  /** AttachVolume, DetachVolume, ResizeVolume, DeleteVolume: the volume */
  volumeId: z.string().min(1).optional(),
  shrink: z.boolean().optional(),
  /** CreateVmSnapshot, RevertVmSnapshot, DeleteVmSnapshot: the snapshot */
  vmSnapshotId: z.string().min(1).optional(),
  /** DownloadImage: the template or ISO; ChangeMedia: the ISO to insert ('' ejects) */
  templateId: z.string().optional(),
  hostId: z.string().min(1),
  command: z.enum(AGENT_COMMAND_NAMES),
  timeoutSeconds: z.number().int().positive().max(7 * 24 * 3600),
  forced: z.boolean().optional(),
  stopTimeoutMs: z.number().int().positive().optional(),
  removeDisks: z.boolean().optional(),
  /** MigrateVm: the host the VM moves to (its migration URI comes from the host's facts) */
  destinationHostId: z.string().min(1).optional(),
  migrateTimeoutMs: z.number().int().positive().optional(),
  /** AdoptVm: the domain as it was imported */
  adopt: z.object({ running: z.boolean(), macs: z.array(z.string()) }).optional(),
  /** TakeBackup, RestoreBackup, DeleteBackup: the backup (its offering names the repository) */
  backupId: z.string().min(1).optional(),
  /** MeasureBackupRepository: the repository */
  repositoryId: z.string().min(1).optional(),
  /** TakeBackup: freeze the guest's filesystems while the backup begins */
  quiesce: z.boolean().optional(),
  /** DeleteBackup undoing a TakeBackup that failed: a backup job still running on the VM is aborted first */
  abort: z.boolean().optional(),
});

const DEADLINE_MARGIN_SECONDS = 5;

/**
 * The volumes a command carries: a start, every disk of the VM; an expunge (UndefineVm removing
 * disks), its ROOT volumes (data disks are detached and kept, as CloudStack does); a volume
 * command, its volume.
 */
async function disksFor(store: Store, input: { command: string; volumeId?: string; removeDisks?: boolean }, vm: Vm | undefined): Promise<{ disks?: DiskSpec[]; disk?: DiskSpec }> {
  const definesDomain = definesDomainFor(input.command, vm);
  const specs = (volumes: Volume[]) => diskSpecs(store, volumes);
  if (input.volumeId) {
    const volume = await store.storage.getVolume(input.volumeId, true);
    if (!volume) throw new ResourceUnavailableError(`Volume ${input.volumeId} no longer exists`);
    return { disk: (await specs([volume]))[0] };
  }
  if (!vm || !(definesDomain || (input.command === 'UndefineVm' && input.removeDisks !== false))) return {};
  if (vm.volumeIds === undefined) return {}; // a VM made before storage: its legacy root disk
  const volumes = await volumesOf(store.storage, vm);
  if (definesDomain && !volumes.some((v) => v.deviceId === 0)) throw new InvalidParameterError(`VM ${vm.name} has no ROOT volume: attach one at deviceid 0 before starting it`);
  return { disks: await specs(definesDomain ? volumes : volumes.filter((v) => v.type === 'ROOT')) };
}

/** Volumes as their hosts see them: their pools read once, and the repositories of any restored from a backup. */
async function diskSpecs(store: Store, volumes: Volume[]): Promise<DiskSpec[]> {
  const ids = (pick: (v: Volume) => string | undefined) => [...new Set(volumes.map(pick).filter((p): p is string => !!p))];
  const [pools, repositories] = await Promise.all([
    store.storage.getPools(ids((v) => v.poolId)),
    Promise.all(ids((v) => v.restoreFrom?.repositoryId).map((id) => store.backups.getRepository(id))),
  ]);
  const poolById = new Map(pools.map((p) => [p.id, p]));
  const repositoryById = new Map(repositories.filter((r) => r !== undefined).map((r) => [r.id, r]));
  // A volume still to be made from a backup whose repository is gone must not be made empty instead.
  const orphan = volumes.find((v) => v.restoreFrom && !repositoryById.has(v.restoreFrom.repositoryId));
  if (orphan) throw new ResourceUnavailableError(`Volume ${orphan.name} is to be made from backup ${orphan.restoreFrom!.path}, but its backup repository ${orphan.restoreFrom!.repositoryId} no longer exists`);
  return volumes.map((v) => diskSpecOf(v, v.poolId ? poolById.get(v.poolId) : undefined, v.restoreFrom ? repositoryById.get(v.restoreFrom.repositoryId) : undefined));
}

const BACKUP_COMMANDS: ReadonlySet<string> = new Set(['TakeBackup', 'RestoreBackup', 'DeleteBackup']);

/**
 * A nas backup command's backup: its repository (its offering's policy), its directory, and the
 * volumes copied: every volume of the VM to take it; to restore it, each backed-up volume onto the
 * VM's volume of the same id (never by order).
 */
async function backupFor(store: Store, input: { command: string; backupId?: string; quiesce?: boolean; abort?: boolean }, vm: Vm | undefined): Promise<{ backup?: AgentCommandOptions['backup'] }> {
  if (!BACKUP_COMMANDS.has(input.command)) return {};
  const backup = input.backupId ? await store.backups.getBackup(input.backupId, true) : undefined;
  if (!backup) throw new ResourceUnavailableError(`Backup ${input.backupId} no longer exists`);
  const offering = await store.backups.getOffering(backup.backupOfferingId);
  const repository = offering ? await store.backups.getRepository(offering.externalId) : undefined;
  if (!repository) throw new ResourceUnavailableError(`No valid backup repository found for backup ${backup.name}: its backup offering ${offering?.name ?? backup.backupOfferingId} names repository ${offering?.externalId ?? '(none)'}, which no longer exists`);
  const path = input.command === 'TakeBackup' || !backup.externalId ? (vm ? backupPathOf(vm.instanceName, backup.id) : undefined) : backup.externalId;
  if (!path) throw new InternalError(`${input.command} of backup ${backup.id} needs its VM to name its directory`);
  const common = { repository: backupRepositorySpecOf(repository), path };
  if (input.command === 'DeleteBackup') return { backup: { ...common, abort: input.abort ?? false } };
  if (!vm) throw new InternalError(`${input.command} needs a VM`);
  if (input.command === 'TakeBackup') {
    const disks = vm.volumeIds === undefined ? [legacyRootDisk(vm, await store.inventory.getTemplate(vm.templateId))] : await diskSpecs(store, await volumesOf(store.storage, vm));
    return { backup: { ...common, quiesce: input.quiesce ?? false, disks } };
  }
  const current = new Map((vm.volumeIds === undefined ? [] : await diskSpecs(store, await volumesOf(store.storage, vm))).map((d) => [d.volumeId, d]));
  const volumes = backup.volumes.map((b) => {
    const disk = current.get(b.uuid);
    if (!disk) throw new InvalidParameterError(`Volume ${b.uuid} of backup ${backup.name} is no longer a volume of VM ${vm.name}: it cannot be restored in place`);
    return { file: backupFileOf({ type: b.type, volumeId: b.uuid }), disk };
  });
  return { backup: { ...common, volumes } };
}

/** MeasureBackupRepository: the repository as the hosts mount it. */
async function repositoryFor(store: Store, input: { command: string; repositoryId?: string }): Promise<{ repository?: BackupRepositorySpec }> {
  if (input.command !== 'MeasureBackupRepository') return {};
  const repository = input.repositoryId ? await store.backups.getRepository(input.repositoryId, true) : undefined;
  if (!repository) throw new ResourceUnavailableError(`Backup repository ${input.repositoryId} no longer exists`);
  return { repository: backupRepositorySpecOf(repository) };
}

/** The config drive's content: the VM's keys and user data, and its zone's and offering's names. */
async function guestDataFor(store: Store, vm: Vm): Promise<GuestData> {
  const [zone, offering] = await Promise.all([store.inventory.getZone(vm.zoneId), store.inventory.getServiceOffering(vm.serviceOfferingId)]);
  return guestDataOf(vm, { zoneName: zone?.name ?? vm.zoneId, offeringText: offering?.displayText ?? offering?.name ?? vm.serviceOfferingId });
}

const SNAPSHOT_COMMANDS: ReadonlySet<string> = new Set(['CreateVmSnapshot', 'RevertVmSnapshot', 'DeleteVmSnapshot']);

/** A start, and a stopped VM's snapshot command or unmanage, define its domain first: they carry its template and every disk. */
const definesDomainFor = (command: string, vm: Vm | undefined) => command === 'StartVm' || ((SNAPSHOT_COMMANDS.has(command) || command === 'UnmanageVm') && !!vm && vm.state !== 'Running');

/** A VM snapshot command's snapshot and the VM's others, oldest first, as the host keeps them. */
async function vmSnapshotFor(store: Store, input: { command: string; vmSnapshotId?: string }, vm: Vm | undefined) {
  if (!SNAPSHOT_COMMANDS.has(input.command)) return {};
  if (!vm || !input.vmSnapshotId) throw new InternalError(`${input.command} needs its VM and snapshot`);
  const all = await store.vmSnapshots.getMany([...new Set([...(vm.vmSnapshotIds ?? []), input.vmSnapshotId])], true);
  const snapshot = all.find((s) => s.id === input.vmSnapshotId);
  if (!snapshot) throw new ResourceUnavailableError(`VM snapshot ${input.vmSnapshotId} no longer exists`);
  const byId = new Map(all.map((s) => [s.id, s]));
  const rollback = input.command === 'DeleteVmSnapshot' && snapshot.state === 'Creating';
  return { vmSnapshot: { snapshot: vmSnapshotSpecOf(snapshot, byId), chain: all.filter((s) => s.id !== snapshot.id && s.state !== 'Creating').map((s) => vmSnapshotSpecOf(s, byId)), ...(rollback ? { rollback } : {}) } };
}

/** DownloadImage: the image being registered, while its job still downloads it; ChangeMedia: the ISO to insert, if any. */
async function imageFor(store: Store, input: { command: string; templateId?: string; jobId?: string }): Promise<{ image?: ImageSpec }> {
  if (input.command === 'ChangeMedia') {
    if (!input.templateId) return {};
    const iso = await store.templates.get(input.templateId, true);
    if (!iso || iso.removed) throw new ResourceUnavailableError(`ISO ${input.templateId} no longer exists`);
    return { image: imageSpecOf(iso) };
  }
  if (input.command !== 'DownloadImage') return {};
  const t = input.templateId ? await store.templates.get(input.templateId, true) : undefined;
  if (!t || t.removed) throw new ResourceUnavailableError(`Template ${input.templateId} no longer exists`);
  if (t.download?.jobId !== input.jobId) throw new ConcurrentOperationError(`Template ${t.id} is no longer downloaded by job ${input.jobId}`);
  return { image: imageSpecOf(t) };
}

export const handler = defineStep(
  Input,
  async (input, { store, now }) => {
  const vm = input.vmId ? await store.vms.get(input.vmId, true) : undefined;
  if (input.vmId && !vm) throw new InternalError(`VM ${input.vmId} no longer exists`);
  // A stray execution (its job already settled, the VM held by another job or none) sends no work to a host.
  if (vm && input.jobId && vm.activeJobId !== input.jobId) throw new ConcurrentOperationError(`VM ${vm.id} is no longer operated on by job ${input.jobId}`);
  const definesDomain = definesDomainFor(input.command, vm);
  const template = definesDomain && vm ? await store.inventory.getTemplate(vm.templateId) : undefined;
  if (definesDomain && !template) throw new ResourceUnavailableError(`Template ${vm?.templateId} of VM ${input.vmId} no longer exists`);
  // The ISO in its CD-ROM goes with the domain's definition (a deleted one stays in until detached).
  const iso = definesDomain && vm?.isoId ? await store.templates.get(vm.isoId) : undefined;
  // So does its config drive: what the guest learns of itself is written anew at every definition.
  const guest = definesDomain && vm ? await guestDataFor(store, vm) : undefined;

  let destinationUri: string | undefined;
  if (input.command === 'MigrateVm') {
    const destination = input.destinationHostId ? await store.hosts.get(input.destinationHostId, true) : undefined;
    if (!destination) throw new ResourceUnavailableError(`The migration destination ${input.destinationHostId ?? '(none)'} of VM ${input.vmId} no longer exists`);
    if (!destination.migrationUri) throw new ResourceUnavailableError(`Host ${destination.name} has not reported a migration URI: its agent must heartbeat first`);
    destinationUri = destination.migrationUri;
  }
  const agentCommand = buildAgentCommand(input.command, vm, template, { ...input, destinationUri, ...(await disksFor(store, input, vm)), ...(await vmSnapshotFor(store, input, vm)), ...(await imageFor(store, input)), ...(await backupFor(store, input, vm)), ...(await repositoryFor(store, input)), iso, guest });
  const taskId = taskIdFor(input.taskToken);
  await store.tasks.create({
    id: taskId,
    hostId: input.hostId,
    jobId: input.jobId,
    jobStep: input.state,
    command: agentCommand.command,
    payload: agentCommand.payload,
    taskToken: input.taskToken,
    // A little before the state's own TimeoutSeconds (counted from state entry, before this ran):
    // a task nobody leased by then is never handed out after the workflow gave up on it.
    deadline: now().getTime() + Math.max(1, input.timeoutSeconds - DEADLINE_MARGIN_SECONDS) * 1000,
  });
  return { taskId };
  // The state is done when the agent reports, not when its task is queued: the gateway records it.
}, { recordsOwnStep: true });
