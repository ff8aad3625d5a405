import type { BackupRepositorySpec, DiskSpec, DomainDescription, DomainPowerState, HostFacts, ImageSpec, PoolSpec, VmSnapshotSpec, VmSpec } from '../../core/agent-protocol';
import type { DownloadProgress, ImageFacts } from '../image-download';

/**
 * What the agent needs from a hypervisor. Every call is idempotent, because a lease that expires
 * hands the same task out again: starting a running domain succeeds, stopping a stopped (or
 * missing) one succeeds, undefining a missing one succeeds.
 */
export interface HypervisorDriver {
  hostFacts(): Promise<HostFacts>;
  /** Every domain the hypervisor knows and its power state; sent with each heartbeat. */
  domains(): Promise<DomainPowerState[]>;
  /** Define (if needed) and power on. Already running: success. */
  start(spec: VmSpec, signal?: AbortSignal): Promise<void>;
  /** Graceful shutdown within timeoutMs, or power off when forced. Already off or missing: success. */
  stop(name: string, o: { force: boolean; timeoutMs: number }, signal?: AbortSignal): Promise<void>;
  /** Restart a running domain. */
  reboot(name: string, signal?: AbortSignal): Promise<void>;
  /** Power off if needed and forget the domain; with removeDisks, also the files of `disks`. Missing: success. */
  undefine(name: string, o: { removeDisks: boolean; disks?: readonly DiskSpec[] }, signal?: AbortSignal): Promise<void>;
  /** Hot-plug a volume into a running domain (its file made first when missing), live and persistently. Already attached: success. */
  attachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void>;
  /** Unplug a volume from a running domain, live and persistently; the file stays. Not attached: success. */
  detachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void>;
  /** Give a volume's file its size (`disk.size`); smaller than now only with `shrink`. A running domain (`instanceName`) sees it at once. */
  resizeVolume(disk: DiskSpec, o: { shrink: boolean; instanceName?: string }, signal?: AbortSignal): Promise<void>;
  /** Keep a primary storage pool available here (define, mount, start it) and measure it; throws when it cannot be reached. */
  poolStats(pool: PoolSpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }>;
  /** Remove a volume's file from its pool. Missing: success. */
  deleteVolume(disk: DiskSpec, signal?: AbortSignal): Promise<void>;
  /**
   * Live-migrate a running domain to the hypervisor at destinationUri, peer to peer, within timeoutMs
   * (aborted after it). Already running on the destination (a repeat after a lost report): success.
   * Failure leaves it running here.
   */
  migrate(name: string, destinationUri: string, o: { timeoutMs: number }, signal?: AbortSignal): Promise<void>;
  /** Hot-change a running domain's vCPUs and memory (within the ceilings it was started with). */
  scale(name: string, o: { cpuNumber: number; cpuSpeed: number; memory: number }, signal?: AbortSignal): Promise<void>;
  /**
   * VM snapshots. Each call carries the VM's other snapshots (`chain`), which the host makes its own
   * first (defining those it lacks, dropping those the control plane no longer has), and for a
   * stopped VM its spec, defined first. Create: memory with a running domain, disks alone with a
   * stopped one; made already: success. Revert keeps the power state. Delete: gone already: success.
   */
  createSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void>;
  revertSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void>;
  /** `rollback`: undoing a failed create; a host that lacks the snapshot defines nothing to delete. */
  deleteSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec; rollback?: boolean }, signal?: AbortSignal): Promise<void>;
  /**
   * On a migration's destination after it failed or was lost: PowerOn if the domain runs here; else
   * remove any half-arrived definition (never disks) and answer PowerOff.
   */
  resolveIncoming(name: string, signal?: AbortSignal): Promise<'PowerOn' | 'PowerOff'>;
  /**
   * Fetch a registered image (template or ISO) over HTTP(S) into this host's default pool, checksum
   * verified, reporting progress; kept already (a repeat): its facts at once.
   */
  downloadImage(image: ImageSpec, onProgress: DownloadProgress, signal?: AbortSignal): Promise<ImageFacts>;
  /**
   * Put an ISO into a running domain's CD-ROM, live and in its definition (fetched first when this
   * host lacks it), or eject it (`iso` undefined). The same medium again: success.
   */
  changeMedia(name: string, iso: ImageSpec | undefined, signal?: AbortSignal): Promise<void>;
  /** A domain as this host has it (CPUs, memory, disks, NICs, power), or undefined when it is not here. */
  describe(name: string, signal?: AbortSignal): Promise<DomainDescription | undefined>;
  /**
   * Leave a domain to itself (unmanageVirtualMachine): made persistent, Stratus's metadata removed,
   * running or not as it was. `running`: it must run here, else the call fails. A stopped VM's
   * domain missing here is defined from `spec` (never started). Done already: success. Answers the
   * domain as it is left.
   */
  unmanage(name: string, o: { running: boolean; spec?: VmSpec }, signal?: AbortSignal): Promise<DomainDescription>;
  /**
   * Take a domain Stratus did not make (importUnmanagedInstance): it must be here, running or off as
   * `running` says, with exactly the MACs `macs`; then Stratus's metadata (`vmId`) is written into it,
   * live and in its definition. Adopted already: success.
   */
  adopt(name: string, o: { vmId: string; running: boolean; macs: readonly string[] }, signal?: AbortSignal): Promise<DomainDescription>;
  /**
   * An existing disk image a VM is to be made of (importVm from shared or local storage), in `pool`:
   * its virtual size (bytes) and format. Fails (InvalidParameterError) when it is not there, is not a
   * QCOW2, has a backing file, or is in use: by a domain this host defines, or locked by a running
   * QEMU (on any host sharing the pool).
   */
  checkVolume(pool: PoolSpec, path: string, signal?: AbortSignal): Promise<{ size: number; format: 'qcow2' }>;
  /**
   * Back a domain's volumes up into `path` of a backup repository (mounted here first): running, with
   * libvirt's push-mode backup (guest filesystems frozen for its start with `quiesce`, and thawed and
   * the domain resumed whatever fails); stopped, by copying each file. One QCOW2 per volume
   * (core/agent-commands.ts backupFileOf) and the domain's definition. A half-made directory or a
   * backup job left by an earlier attempt (an agent killed mid-backup) goes first. Reports progress
   * in percent; answers each volume's file and the bytes it takes.
   */
  takeBackup(name: string, o: TakeBackupOptions, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<BackupTaken>;
  /**
   * Write volumes back from a backup: each `file` over its volume's file (made in its pool when
   * missing). The domain must not run here. All or nothing: a failure puts back what was written.
   */
  restoreBackup(name: string, o: { repository: BackupRepositorySpec; path: string; volumes: ReadonlyArray<{ file: string; disk: DiskSpec }> }, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<void>;
  /** Remove a backup's directory; missing: success. `instanceName`: a backup job still running on it is aborted and its guest thawed first. */
  deleteBackup(o: { repository: BackupRepositorySpec; path: string; instanceName?: string }, signal?: AbortSignal): Promise<void>;
  /** A backup repository's size and what it holds (bytes), mounted here first. */
  measureBackupRepository(repository: BackupRepositorySpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }>;
}

export interface TakeBackupOptions {
  repository: BackupRepositorySpec;
  path: string;
  running: boolean;
  quiesce: boolean;
  disks: readonly DiskSpec[];
}

/** What a backup holds: each volume's file in its directory and the bytes it takes there. */
export interface BackupTaken {
  files: Array<{ volumeId: string; file: string; size: number }>;
}

/**
 * A failure a driver understands. `name` is what the workflow's Catch and the job's CloudStack
 * error see (core/errors.ts codesForErrorName), so drivers use those class names where one fits.
 */
export class DriverError extends Error {
  constructor(
    name: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = name;
  }
}

/** The domain is still as it was imported (power state, MACs), or the adoption fails with what changed. */
export function assertAsImported(name: string, d: DomainDescription, o: { running: boolean; macs: readonly string[] }): void {
  const changed: string[] = [];
  if ((d.powerState === 'PowerOn') !== o.running) changed.push(`it is ${d.powerState}, it was ${o.running ? 'PowerOn' : 'PowerOff'}`);
  const macs = d.nics.map((n) => n.macAddress.toLowerCase()).sort();
  const expected = o.macs.map((m) => m.toLowerCase()).sort();
  if (macs.join(',') !== expected.join(',')) changed.push(`its MACs are ${macs.join(', ') || 'none'}, they were ${expected.join(', ') || 'none'}`);
  if (changed.length) throw new DriverError('OperationRefusedError', `VM ${name} changed since its host described it (${changed.join('; ')}): list it again and import it as it is now`, false);
}
