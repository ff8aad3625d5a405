import { createHash } from 'node:crypto';
import { AgentCommandSchema, type AgentCommand, type AgentCommandName, type BackupRepositorySpec, type DiskSpec, type GuestData, type ImageSpec, type VmSnapshotSpec, type VmSpec } from './agent-protocol';
import type { BackupRepository, StoragePool, Template, Vm, VmSnapshot, Volume } from './entities';

/**
 * How a workflow's request for agent work becomes the command a host's agent runs: pure, so the
 * mapping from the inventory to the wire is testable without AWS.
 */

export const AGENT_COMMAND_NAMES = ['StartVm', 'StopVm', 'RebootVm', 'UndefineVm', 'MigrateVm', 'ScaleVm', 'ResolveIncomingVm', 'AttachVolume', 'DetachVolume', 'ResizeVolume', 'DeleteVolume', 'CreateVmSnapshot', 'RevertVmSnapshot', 'DeleteVmSnapshot', 'DownloadImage', 'ChangeMedia', 'UnmanageVm', 'AdoptVm', 'CheckVolume', 'TakeBackup', 'RestoreBackup', 'DeleteBackup', 'MeasureBackupRepository'] as const satisfies readonly AgentCommandName[];

/** Options a workflow may pass for the commands that take them. */
export interface AgentCommandOptions {
  forced?: boolean; // StopVm: power off instead of an ACPI shutdown
  stopTimeoutMs?: number; // StopVm: how long a graceful shutdown may take before it fails
  removeDisks?: boolean; // UndefineVm: expunge removes the VM's disks with it
  destinationUri?: string; // MigrateVm: the destination hypervisor
  migrateTimeoutMs?: number; // MigrateVm: abort a migration that takes longer
  /** StartVm: every disk of the VM; UndefineVm: the files removed with it */
  disks?: DiskSpec[];
  /** AttachVolume, DetachVolume, ResizeVolume, DeleteVolume: the volume; CheckVolume: the file looked at */
  disk?: DiskSpec;
  shrink?: boolean; // ResizeVolume: the new size may be smaller
  /** CreateVmSnapshot, RevertVmSnapshot, DeleteVmSnapshot: the snapshot and the VM's others */
  vmSnapshot?: { snapshot: VmSnapshotSpec; chain: VmSnapshotSpec[]; rollback?: boolean };
  /** DownloadImage: the image to fetch; ChangeMedia: the ISO to insert (absent: eject) */
  image?: ImageSpec;
  /** StartVm (and a stopped VM's snapshot commands): the ISO in its CD-ROM */
  iso?: Template;
  /** StartVm (and the other commands that define a domain): its config drive's content */
  guest?: GuestData;
  /** AdoptVm: the domain as it was imported (running or not, its MACs) */
  adopt?: { running: boolean; macs: string[] };
  /** TakeBackup, RestoreBackup, DeleteBackup: the backup's repository and directory, and what is copied */
  /** MeasureBackupRepository: the repository measured */
  repository?: BackupRepositorySpec;
  backup?: { repository: BackupRepositorySpec; path: string; quiesce?: boolean; disks?: DiskSpec[]; volumes?: Array<{ file: string; disk: DiskSpec }>; abort?: boolean };
}

/** A nas backup's directory in its repository (CloudStack's NAS plugin keeps `<instance name>/<date>`; the backup id makes repeats land in one place). */
export const backupPathOf = (instanceName: string, backupId: string): string => `${instanceName}/${backupId}`;

/** A volume's copy in its backup's directory. */
export const backupFileOf = (volume: { type: 'ROOT' | 'DATADISK'; volumeId: string }): string => `${volume.type === 'ROOT' ? 'root' : 'datadisk'}.${volume.volumeId}.qcow2`;

/** A VM snapshot as its host keeps it (`parent` by name), from the VM's snapshots by id. */
export function vmSnapshotSpecOf(snapshot: VmSnapshot, byId: ReadonlyMap<string, Pick<VmSnapshot, 'name'>>): VmSnapshotSpec {
  const parent = snapshot.parentId ? byId.get(snapshot.parentId)?.name : undefined;
  return {
    name: snapshot.name,
    ...(snapshot.description ? { description: snapshot.description } : {}),
    memory: snapshot.type === 'DiskAndMemory',
    created: Math.floor(Date.parse(snapshot.created) / 1000),
    ...(parent ? { parent } : {}),
  };
}

/** A volume as its host sees it: its file in its pool (and, for a volume restored from a backup, the copy its file is made from). */
export function diskSpecOf(volume: Volume, pool: StoragePool | undefined, repository?: BackupRepository): DiskSpec {
  const from = volume.restoreFrom && repository?.id === volume.restoreFrom.repositoryId ? volume.restoreFrom : undefined;
  return {
    volumeId: volume.id,
    type: volume.type,
    deviceId: volume.deviceId ?? 0,
    path: volume.path ?? volume.id,
    size: volume.size,
    ...(pool ? { pool: { id: pool.id, type: pool.type, host: pool.host, path: pool.path } } : {}),
    ...(from && repository ? { restoreFrom: { repository: backupRepositorySpecOf(repository), path: from.path, file: from.file } } : {}),
  };
}

/** A backup repository as the hosts mount it. */
export const backupRepositorySpecOf = (r: Pick<BackupRepository, 'id' | 'type' | 'address' | 'mountOptions'>): BackupRepositorySpec => ({ id: r.id, type: r.type, address: r.address, mountOptions: r.mountOptions });

/** The one disk of a VM made before storage: `<instance name>-root` in its host's default pool, the template's size. */
export function legacyRootDisk(vm: Pick<Vm, 'id' | 'instanceName'>, template: Pick<Template, 'size'> | undefined): DiskSpec {
  return { volumeId: `${vm.id}-root`, type: 'ROOT', deviceId: 0, path: `${vm.instanceName}-root`, size: Math.max(1, template?.size ?? 1) };
}

/** How long a live migration may take when the workflow names no bound. */
export const DEFAULT_MIGRATE_TIMEOUT_MS = 240_000;

/**
 * The largest a dynamically scalable VM may be hot-scaled to without a restart: its domain is
 * started with these ceilings (vCPUs and a memory balloon), and scaleVirtualMachine refuses beyond.
 */
export const HOT_SCALE_FACTOR = 4;
export function scaleCeilings(
  vm: Pick<Vm, 'cpuNumber' | 'memory' | 'isDynamicallyScalable' | 'bootCpuNumber' | 'bootMemory'>,
): { maxCpuNumber: number; maxMemory: number } | undefined {
  if (vm.isDynamicallyScalable === false) return undefined;
  // Fixed when the domain boots: a running VM's ceilings come from the size it booted with.
  return { maxCpuNumber: (vm.bootCpuNumber ?? vm.cpuNumber) * HOT_SCALE_FACTOR, maxMemory: (vm.bootMemory ?? vm.memory) * HOT_SCALE_FACTOR };
}

/** Graceful shutdown bound when the workflow names none. */
export const DEFAULT_STOP_TIMEOUT_MS = 60_000;

/** Everything a host needs to run the VM, taken from its item, its template and its volumes. */
/** A registered image as a host fetches it. */
export const imageSpecOf = (t: Pick<Template, 'id' | 'url' | 'format' | 'checksum'>): ImageSpec => ({ id: t.id, url: t.url, format: t.format, ...(t.checksum ? { checksum: t.checksum } : {}) });

export function vmSpecOf(vm: Vm, template: Template, disks: DiskSpec[], iso?: Template, guest?: GuestData): VmSpec {
  return {
    vmId: vm.id,
    instanceName: vm.instanceName,
    displayName: vm.displayName,
    cpuNumber: vm.cpuNumber,
    cpuSpeed: vm.cpuSpeed,
    memory: vm.memory,
    template: { id: template.id, url: template.url, format: template.format, ...(template.checksum ? { checksum: template.checksum } : {}) },
    nics: vm.nics.map((n) => ({ macAddress: n.macAddress, networkName: n.networkName, ipAddress: n.ipAddress })),
    disks,
    ...scaleCeilings({ ...vm, bootCpuNumber: undefined, bootMemory: undefined }), // it boots at its current size
    ...(iso ? { iso: imageSpecOf(iso) } : {}),
    ...(guest ? { guest } : {}),
  };
}

/**
 * The agent command for a VM. StartVm needs the VM's template; the result is validated against the
 * wire schema so a malformed command fails here, in the workflow, not on the host.
 */
export function buildAgentCommand(
  command: AgentCommandName,
  vm: Vm | undefined,
  template: Template | undefined,
  options: AgentCommandOptions = {},
): AgentCommand {
  if (command === 'DownloadImage') {
    if (!options.image) throw new Error('DownloadImage needs the image');
    return AgentCommandSchema.parse({ command, payload: { image: options.image } });
  }
  if (command === 'MeasureBackupRepository') {
    if (!options.repository) throw new Error('MeasureBackupRepository needs the repository');
    return AgentCommandSchema.parse({ command, payload: { repository: options.repository } });
  }
  if (command === 'DeleteBackup') {
    if (!options.backup) throw new Error('DeleteBackup needs the backup');
    const { repository, path, abort } = options.backup;
    return AgentCommandSchema.parse({ command, payload: { repository, path, ...(abort && vm ? { instanceName: vm.instanceName } : {}) } });
  }
  // Only a detached volume's own commands act without a VM.
  if (command === 'DeleteVolume' || (command === 'ResizeVolume' && !vm)) {
    if (!options.disk) throw new Error(`${command} needs the volume`);
    return AgentCommandSchema.parse({ command, payload: command === 'DeleteVolume' ? { disk: options.disk } : { disk: options.disk, shrink: options.shrink ?? false } });
  }
  if (!vm) throw new Error(`${command} needs a VM`);
  switch (command) {
    case 'StartVm':
      if (!template) throw new Error(`StartVm for VM ${vm.id} needs its template ${vm.templateId}`);
      return AgentCommandSchema.parse({ command, payload: { spec: vmSpecOf(vm, template, options.disks ?? [legacyRootDisk(vm, template)], options.iso, options.guest) } });
    case 'ChangeMedia':
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, ...(options.image ? { iso: options.image } : {}) } });
    case 'StopVm':
      return AgentCommandSchema.parse({
        command,
        payload: { instanceName: vm.instanceName, force: options.forced ?? false, timeoutMs: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS },
      });
    case 'RebootVm':
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName } });
    case 'UndefineVm':
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, removeDisks: options.removeDisks ?? true, disks: options.disks ?? [] } });
    case 'MigrateVm':
      if (!options.destinationUri) throw new Error(`MigrateVm for VM ${vm.id} needs the destination's migration URI`);
      return AgentCommandSchema.parse({
        command,
        payload: { instanceName: vm.instanceName, destinationUri: options.destinationUri, timeoutMs: options.migrateTimeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS },
      });
    case 'ScaleVm': {
      const target = vm.pendingScale;
      if (!target) throw new Error(`ScaleVm for VM ${vm.id} needs a scale in progress`);
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, cpuNumber: target.cpuNumber, cpuSpeed: target.cpuSpeed, memory: target.memory } });
    }
    case 'ResolveIncomingVm':
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName } });
    case 'AttachVolume':
    case 'DetachVolume':
    case 'ResizeVolume':
      if (!options.disk) throw new Error(`${command} for VM ${vm.id} needs the volume`);
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, disk: options.disk, ...(command === 'ResizeVolume' ? { shrink: options.shrink ?? false } : {}) } });
    case 'AdoptVm':
      if (!options.adopt) throw new Error(`AdoptVm for VM ${vm.id} needs the domain as it was imported`);
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, vmId: vm.id, ...options.adopt } });
    case 'CheckVolume':
      if (!options.disk?.pool) throw new Error(`CheckVolume for VM ${vm.id} needs the volume's pool and path`);
      return AgentCommandSchema.parse({ command, payload: { pool: options.disk.pool, path: options.disk.path } });
    case 'TakeBackup': {
      if (!options.backup?.disks?.length) throw new Error(`TakeBackup for VM ${vm.id} needs the backup and the VM's disks`);
      const { repository, path, quiesce, disks } = options.backup;
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, repository, path, running: vm.state === 'Running', quiesce: quiesce ?? false, disks } });
    }
    case 'RestoreBackup': {
      if (!options.backup?.volumes?.length) throw new Error(`RestoreBackup for VM ${vm.id} needs the backup and the volumes to restore`);
      const { repository, path, volumes } = options.backup;
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, repository, path, volumes } });
    }
    case 'UnmanageVm': {
      // A stopped VM's domain is defined from the inventory where the host lacks it (4.22's VirtualMachineTO).
      const spec = vm.state !== 'Running' && template && options.disks ? { spec: vmSpecOf(vm, template, options.disks, options.iso, options.guest) } : {};
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, running: vm.state === 'Running', ...spec } });
    }
    case 'CreateVmSnapshot':
    case 'RevertVmSnapshot':
    case 'DeleteVmSnapshot': {
      if (!options.vmSnapshot) throw new Error(`${command} for VM ${vm.id} needs the snapshot`);
      // A stopped VM's domain is defined as the inventory has it first: template and disks as a start has them.
      const spec = vm.state !== 'Running' && template && options.disks ? { spec: vmSpecOf(vm, template, options.disks, options.iso, options.guest) } : {};
      return AgentCommandSchema.parse({ command, payload: { instanceName: vm.instanceName, ...options.vmSnapshot, ...spec } });
    }
  }
}

/**
 * The task id of the task that answers one task token. Deterministic, so a retried dispatch of the
 * same Task state creates the same task once.
 */
export function taskIdFor(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 32);
}
