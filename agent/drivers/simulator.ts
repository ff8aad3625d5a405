import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupRepositorySpec, DiskSpec, DomainDescription, DomainPowerState, HostFacts, ImageSpec, PoolSpec, VmSnapshotSpec, VmSpec } from '../../core/agent-protocol';
import type { PowerState } from '../../core/entities';
import { fetchImage, type DownloadProgress, type ImageFacts } from '../image-download';
import { targetDevice } from '../../core/storage';
import { backupFileOf } from '../../core/agent-commands';
import { configDriveFiles, guestRead as readDrive } from '../../core/config-drive';
import { assertAsImported, DriverError, type BackupTaken, type HypervisorDriver, type TakeBackupOptions } from './driver';

/**
 * An in-memory hypervisor host for tests, demos and benchmarks: configurable capacity, latency per
 * operation, and faults injected from its configuration (never from task payloads). It records
 * every power-state transition with a timestamp, so a test can prove no VM ran on two hosts at once.
 */

export type SimulatorOperation =
  | 'hostFacts'
  | 'domains'
  | 'start'
  | 'stop'
  | 'reboot'
  | 'undefine'
  | 'migrate' // on the source: the transfer's duration, then its faults
  | 'acceptMigration' // on the destination, checked before anything moves: "the destination failing"
  | 'scale'
  | 'resolveIncoming'
  | 'createVolume' // a volume's file made in its pool (at a start or an attach)
  | 'attachVolume'
  | 'detachVolume'
  | 'resizeVolume'
  | 'deleteVolume'
  | 'createSnapshot'
  | 'revertSnapshot'
  | 'deleteSnapshot'
  | 'changeMedia' // an ISO inserted into (or ejected from) a running domain's CD-ROM
  | 'describe' // a domain's description for a heartbeat (listUnmanagedInstances)
  | 'unmanage' // a domain left to itself: persistent, without Stratus's metadata
  | 'adopt' // a domain Stratus did not make taken by an import
  | 'checkVolume' // an existing disk image looked at before importVm makes a VM of it
  | 'downloadImage' // a registered image fetched from its URL (for real: the bytes are counted and dropped)
  | 'takeBackup' // a backup begun (before the guest is frozen): a fault fails it at once
  | 'backupCopy' // one volume copied into a backup (target: its file): its latency is the copy's, a fault fails the backup half-way
  | 'restoreBackup' // a restore begun
  | 'restoreCopy' // one volume written back from a backup (target: its file): a fault fails the restore half-way
  | 'deleteBackup' // a backup's directory removed from its repository
  | 'measureBackupRepository' // a repository's size and use read (the backup sync)
  | 'poolStats'; // a pool's measure at a heartbeat: a fault makes the host report it unreachable

/** Fail an operation: the first `failTimes` calls (every call when absent). */
export interface FaultSpec {
  failTimes?: number;
  error?: string; // error name; a core/errors.ts class name maps to its CloudStack code
  message?: string;
  retryable?: boolean;
}

/** A fault decided per call: return the error to raise, or undefined to let the call run. */
export type FaultFunction = (operation: SimulatorOperation, target: string | undefined) => Error | undefined;

export interface SimulatorConfig {
  hostname: string;
  cpuNumber?: number;
  cpuSpeed?: number; // MHz
  memoryTotal?: number; // MiB
  ipAddress?: string;
  agentVersion?: string;
  /** Milliseconds each operation takes: one value for all, or per operation. */
  latencyMs?: number | Partial<Record<SimulatorOperation, number>>;
  faults?: Partial<Record<SimulatorOperation, FaultSpec>> | FaultFunction;
  /** How long a guest takes to shut down cleanly; a graceful stop with a shorter timeout fails. */
  gracefulShutdownMs?: number;
  clock?: () => number;
  /** Called for every transition, e.g. to collect those of many hosts in one list. */
  onTransition?: (transition: PowerTransition) => void;
  /** The size of every backup repository this host mounts (bytes); default 10 TiB. */
  backupRepositoryCapacityBytes?: number;
  /** The size of every primary storage pool this host sees (bytes); default 4 TiB. */
  poolCapacityBytes?: number;
  /**
   * Keep the domains in this JSON file, so they outlive the process as a real host's VMs outlive a
   * control-plane restart (the local stack's persistent mode, and the reconciler's restart test).
   */
  stateFile?: string;
}

export type SimulatedPowerState = PowerState | 'Undefined';

export interface PowerTransition {
  seq: number; // orders transitions of every simulator in this process, even within one millisecond
  at: number; // epoch ms
  hostname: string;
  instanceName: string;
  from: SimulatedPowerState;
  to: SimulatedPowerState;
}

interface Domain {
  spec: VmSpec;
  state: PowerState;
  boots: number;
  /** its VM snapshots here, oldest first (the data is in the shared files, as QCOW2 internal snapshots are) */
  snapshots?: VmSnapshotSpec[];
  /** a push-mode backup running on it now (its directory); the guest's freezes and thaws so far */
  backupJob?: string;
  freezes?: number;
  thaws?: number;
  /** not Stratus's (a domain found on the host, or one unmanaged): its description carries no Stratus VM id */
  unmanaged?: boolean;
}

let sequence = 0;

/** Every simulator of this process by its migration URI: a live migration is a hand-over between two of them. */
const byMigrationUri = new Map<string, SimulatorDriver>();

/**
 * Shared primary storage of this process (NFS, SharedMountPoint pools): every simulator sees the
 * same files, as hosts of a cluster see one export. Files: pool id -> path -> size in bytes. A
 * host's local pools (Filesystem) and its default pool are its own.
 */
const sharedStorage = new Map<string, Map<string, number>>();
/** What is known of disk images placed by hand (placeDiskImage) beyond their size: key `<scope>:<pool id>:<path>`. */
const imageFormats = new Map<string, { format: 'qcow2' | 'raw'; backingFile?: string; dataFile?: string }>();

/**
 * What the volumes' files hold, as far as tests look: a label a test writes (writeVolumeData), copied
 * into a backup and back by a restore. Key: `<pool key>:<path>`.
 */
const volumeData = new Map<string, string>();
/** Backup repositories of this process (mounted by every host, as an NFS export is): repository id -> backup path -> file -> { bytes, data }. */
const backupRepositories = new Map<string, Map<string, Map<string, { size: number; data?: string }>>>();

/** The files of a backup in a simulated repository (for tests), or undefined when its directory is not there. */
export function simulatedBackupFiles(repositoryId: string, path: string): ReadonlyMap<string, { size: number; data?: string }> | undefined {
  const files = backupRepositories.get(repositoryId)?.get(path);
  return files ? new Map(files) : undefined;
}

/** The bytes of every file of every backup in a simulated repository (for tests: what a measure should say). */
export function simulatedRepositoryUse(repositoryId: string): number[] {
  return [...(backupRepositories.get(repositoryId)?.values() ?? [])].flatMap((files) => [...files.values()].map((f) => f.size));
}

/** The files of the simulated shared pools (for tests: a ledger check against what exists). */
export function simulatedSharedFiles(poolId: string): ReadonlyMap<string, number> {
  return new Map(sharedStorage.get(poolId) ?? []);
}

/** The URI another simulator in this process migrates a domain to this host with. */
export function simulatorMigrationUri(hostname: string): string {
  return `sim://${hostname}`;
}

export const SIMULATOR_VERSION = 'simulator-1';

export class SimulatorDriver implements HypervisorDriver {
  private readonly domainsByName = new Map<string, Domain>();
  private readonly localStorage = new Map<string, Map<string, number>>();
  private readonly log: PowerTransition[] = [];
  private readonly calls = new Map<SimulatorOperation, number>();
  private readonly clock: () => number;

  constructor(private readonly config: SimulatorConfig) {
    this.clock = config.clock ?? Date.now;
    if (config.stateFile && existsSync(config.stateFile)) {
      const saved = JSON.parse(readFileSync(config.stateFile, 'utf8')) as Record<string, Domain>;
      for (const [name, d] of Object.entries(saved)) this.domainsByName.set(name, d);
    }
    // The newest simulator of a name answers: a host restarted in this process replaces its predecessor.
    byMigrationUri.set(this.migrationUri, this);
  }

  get migrationUri(): string {
    return simulatorMigrationUri(this.config.hostname);
  }

  private persist(): void {
    if (!this.config.stateFile) return;
    mkdirSync(dirname(this.config.stateFile), { recursive: true });
    writeFileSync(this.config.stateFile, JSON.stringify(Object.fromEntries(this.domainsByName)));
  }

  async hostFacts(): Promise<HostFacts> {
    await this.enter('hostFacts', undefined);
    return {
      hostname: this.config.hostname,
      hypervisor: 'Simulator',
      cpuNumber: this.config.cpuNumber ?? 16,
      cpuSpeed: this.config.cpuSpeed ?? 2000,
      memoryTotal: this.config.memoryTotal ?? 32768,
      ipAddress: this.config.ipAddress ?? '127.0.0.1',
      agentVersion: this.config.agentVersion ?? SIMULATOR_VERSION,
      migrationUri: this.migrationUri,
    };
  }

  async domains(): Promise<DomainPowerState[]> {
    await this.enter('domains', undefined);
    return [...this.domainsByName.entries()].map(([name, d]) => ({ name, state: d.state }));
  }

  async start(spec: VmSpec, signal?: AbortSignal): Promise<void> {
    await this.enter('start', spec.instanceName, signal);
    const existing = this.domainsByName.get(spec.instanceName);
    if (existing?.state === 'PowerOn') return;
    // Its volumes' files, made (or grown to their size) before it boots, as the libvirt driver does.
    for (const disk of spec.disks) await this.ensureFile(disk, signal);
    if (spec.iso) await this.downloadImage(spec.iso, () => undefined, signal); // its CD-ROM's ISO, as libvirt fetches it
    const domain = existing ?? { spec, state: 'PowerOff' as PowerState, boots: 0 };
    domain.spec = spec; // a restart picks up a changed offering, as a redefined domain would
    this.domainsByName.set(spec.instanceName, domain);
    domain.boots += 1;
    this.transition(spec.instanceName, existing ? existing.state : 'Undefined', 'PowerOn');
    domain.state = 'PowerOn';
    this.persist();
  }

  async stop(name: string, o: { force: boolean; timeoutMs: number }, signal?: AbortSignal): Promise<void> {
    await this.enter('stop', name, signal);
    const domain = this.domainsByName.get(name);
    if (!domain || domain.state === 'PowerOff') return;
    const shutdownMs = this.config.gracefulShutdownMs ?? 0;
    if (!o.force && shutdownMs > o.timeoutMs) {
      throw new DriverError('ResourceUnavailableError', `Domain ${name} did not shut down within ${o.timeoutMs} ms`, true);
    }
    this.transition(name, domain.state, 'PowerOff');
    domain.state = 'PowerOff';
    this.persist();
  }

  async reboot(name: string, signal?: AbortSignal): Promise<void> {
    await this.enter('reboot', name, signal);
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.config.hostname}`, false);
    if (domain.state !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running`, false);
    domain.boots += 1; // a reboot keeps the domain on: no power transition
  }

  async undefine(name: string, o: { removeDisks: boolean; disks?: readonly DiskSpec[] }, signal?: AbortSignal): Promise<void> {
    await this.enter('undefine', name, signal);
    const domain = this.domainsByName.get(name);
    if (domain) {
      if (domain.state === 'PowerOn') this.transition(name, 'PowerOn', 'PowerOff');
      this.transition(name, 'PowerOff', 'Undefined');
      this.domainsByName.delete(name);
      this.persist();
    }
    // Also when the domain is already gone: a retry after a failed expunge still removes the files.
    if (o.removeDisks) for (const disk of o.disks ?? []) this.filesOf(disk).delete(disk.path);
  }

  async attachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    await this.enter('attachVolume', name, signal);
    const domain = this.runningDomain(name);
    if (domain.spec.disks.some((d) => d.volumeId === disk.volumeId)) return; // a repeat
    if (domain.spec.disks.some((d) => d.deviceId === disk.deviceId))
      throw new DriverError('InvalidParameterError', `Domain ${name} already has a disk at device ${disk.deviceId}`, false);
    await this.ensureFile(disk, signal);
    domain.spec = { ...domain.spec, disks: [...domain.spec.disks, disk] };
    this.persist();
  }

  async detachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    await this.enter('detachVolume', name, signal);
    const domain = this.runningDomain(name);
    domain.spec = { ...domain.spec, disks: domain.spec.disks.filter((d) => d.volumeId !== disk.volumeId) };
    this.persist();
  }

  async resizeVolume(disk: DiskSpec, o: { shrink: boolean; instanceName?: string }, signal?: AbortSignal): Promise<void> {
    await this.enter('resizeVolume', o.instanceName ?? disk.path, signal);
    const files = this.filesOf(disk);
    const now = files.get(disk.path);
    if (now === undefined) return; // no file yet: it is made at its size when first needed
    if (disk.size < now && !o.shrink) throw new DriverError('InvalidParameterError', `Volume ${disk.path} is ${now} bytes; shrinking it to ${disk.size} needs shrink`, false);
    files.set(disk.path, disk.size);
    const domain = o.instanceName ? this.domainsByName.get(o.instanceName) : undefined;
    if (domain) domain.spec = { ...domain.spec, disks: domain.spec.disks.map((d) => (d.volumeId === disk.volumeId ? { ...d, size: disk.size } : d)) };
    this.persist();
  }

  async deleteVolume(disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    await this.enter('deleteVolume', disk.path, signal);
    // As libvirt: a running domain's disk cannot go; a shut-off domain's definition may still name it
    // (a restored VM's old ROOT volume), and is redefined at its next start.
    const user = [...this.domainsByName.entries()].find(([, d]) => d.state === 'PowerOn' && d.spec.disks.some((x) => x.volumeId === disk.volumeId));
    if (user) throw new DriverError('ResourceInUseError', `Volume ${disk.path} is in use by running domain ${user[0]}`, false);
    this.filesOf(disk).delete(disk.path);
  }

  async poolStats(pool: PoolSpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }> {
    await this.enter('poolStats', pool.id, signal);
    const files = this.filesOf({ pool });
    // Thin files: what they take is a fraction of their size, as QCOW2 overlays and sparse disks are.
    const used = [...files.values()].reduce((a, b) => a + Math.ceil(b / 10), 0);
    return { capacityBytes: this.config.poolCapacityBytes ?? 4 * 1024 ** 4, usedBytes: used };
  }

  /** The size of a volume's file as this host sees it (shared pools: every host sees the same), or undefined. */
  volumeFile(disk: { pool?: Pick<PoolSpec, 'id' | 'type'>; path: string }): number | undefined {
    return this.filesOf(disk).get(disk.path);
  }

  private filesOf(disk: { pool?: Pick<PoolSpec, 'id' | 'type'> }): Map<string, number> {
    const shared = disk.pool && disk.pool.type !== 'Filesystem';
    const key = disk.pool?.id ?? 'default';
    const where = shared ? sharedStorage : this.localStorage;
    let files = where.get(key);
    if (!files) where.set(key, (files = new Map()));
    return files;
  }

  /** Make a volume's file when missing, or grow it to the size asked (a resize made while it was off). */
  private async ensureFile(disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    const files = this.filesOf(disk);
    const now = files.get(disk.path);
    if (now !== undefined && now >= disk.size) return;
    await this.enter('createVolume', disk.path, signal);
    if (now === undefined && disk.restoreFrom) {
      // A volume restored from a backup: its file is the backup's copy.
      const { repository, path, file } = disk.restoreFrom;
      const copy = this.backupsOf(repository).get(path)?.get(file);
      if (!copy) throw new DriverError('ResourceUnavailableError', `Backup ${path} in backup repository ${repository.address} has no copy ${file} to make volume ${disk.volumeId} from`, false);
      await this.enter('restoreCopy', file, signal);
      if (copy.data !== undefined) volumeData.set(this.dataKey(disk), copy.data);
    }
    files.set(disk.path, Math.max(now ?? 0, disk.size));
  }

  private runningDomain(name: string): Domain {
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.config.hostname}`, false);
    if (domain.state !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running`, false);
    return domain;
  }

  /**
   * Live-migrate a running domain to the simulator at destinationUri. The transfer takes the
   * `migrate` latency; faults (the source's `migrate`, the destination's `acceptMigration`) are
   * raised before anything moves, so a failure leaves the domain running here. The hand-over is
   * recorded so that no instant shows it running on both hosts: paused here, running there, gone here.
   */
  async migrate(name: string, destinationUri: string, o: { timeoutMs: number }, signal?: AbortSignal): Promise<void> {
    const destination = byMigrationUri.get(destinationUri);
    if (!destination) throw new DriverError('ResourceUnavailableError', `No host answers for a migration at ${destinationUri}`, false);
    if (destination === this) throw new DriverError('InvalidParameterError', `Domain ${name} cannot migrate to the host it runs on (${destinationUri})`, false);
    if (this.arrivedAlready(name, destination)) return; // a repeat after a lost report
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await this.enter('migrate', name, bounded);
      await destination.enter('acceptMigration', name, bounded);
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) {
        throw new DriverError('ResourceUnavailableError', `Migration of ${name} to ${destinationUri} did not finish within ${o.timeoutMs} ms`, true);
      }
      throw err;
    }
    // Again after the transfer time: the domain may have been stopped meanwhile.
    if (this.arrivedAlready(name, destination)) return;
    const domain = this.domainsByName.get(name)!;
    if (destination.domainsByName.get(name)?.state === 'PowerOn') {
      throw new DriverError('ResourceInUseError', `Domain ${name} already runs on ${destination.config.hostname}; not migrating a second copy there`, false);
    }
    this.transition(name, 'PowerOn', 'PowerOff');
    domain.state = 'PowerOff';
    this.persist();
    destination.arrive(name, domain);
    this.transition(name, 'PowerOff', 'Undefined');
    this.domainsByName.delete(name);
    this.persist();
  }

  /** A VM snapshot: with the memory of a running domain, of the disks of a stopped one. Made already: success. */
  async createSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void> {
    await this.enter('createSnapshot', name, signal);
    const domain = await this.snapshotDomain(name, o, o.chain, snapshot.name, signal);
    if (domain.snapshots!.some((s) => s.name === snapshot.name)) return; // a repeat
    if (snapshot.memory !== (domain.state === 'PowerOn'))
      throw new DriverError('InvalidParameterError', `Domain ${name} is ${domain.state === 'PowerOn' ? 'running: its snapshot includes memory' : 'shut off: it has no memory to snapshot'}`, false);
    domain.snapshots!.push(snapshot);
    this.persist();
  }

  /** Back to a snapshot: the domain keeps its power state (a memory snapshot of a running one, a disk one of a stopped one). */
  async revertSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void> {
    await this.enter('revertSnapshot', name, signal);
    const domain = await this.snapshotDomain(name, o, [...o.chain, snapshot], undefined, signal);
    if (snapshot.memory !== (domain.state === 'PowerOn')) throw new DriverError('InvalidParameterError', `Reverting domain ${name} to ${snapshot.name} would change its power state`, false);
    this.persist();
  }

  async deleteSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec; rollback?: boolean }, signal?: AbortSignal): Promise<void> {
    await this.enter('deleteSnapshot', name, signal);
    const domain = await this.snapshotDomain(name, o, o.chain, snapshot.name, signal);
    domain.snapshots = domain.snapshots!.filter((s) => s.name !== snapshot.name);
    this.persist();
  }

  /** The domain a snapshot command acts on (defined from the spec of a stopped VM), its snapshots made the control plane's. */
  private async snapshotDomain(name: string, o: { spec?: VmSpec }, keep: readonly VmSnapshotSpec[], making: string | undefined, signal?: AbortSignal): Promise<Domain> {
    if (o.spec) {
      for (const disk of o.spec.disks) await this.ensureFile(disk, signal);
      const defined = this.domainsByName.get(name);
      if (defined) defined.spec = o.spec;
      else {
        this.domainsByName.set(name, { spec: o.spec, state: 'PowerOff', boots: 0 });
        this.transition(name, 'Undefined', 'PowerOff');
      }
    }
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.config.hostname}`, false);
    const made = (domain.snapshots ?? []).filter((s) => s.name === making);
    domain.snapshots = [...keep, ...made];
    return domain;
  }

  /** The snapshots a domain has here (for assertions). */
  snapshotsOf(name: string): string[] {
    return (this.domainsByName.get(name)?.snapshots ?? []).map((s) => s.name);
  }

  /** Hot-change a running domain's vCPUs and memory, up to the ceilings it was started with. */
  async scale(name: string, o: { cpuNumber: number; cpuSpeed: number; memory: number }, signal?: AbortSignal): Promise<void> {
    await this.enter('scale', name, signal);
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.config.hostname}`, false);
    if (domain.state !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running`, false);
    const maxCpuNumber = domain.spec.maxCpuNumber ?? domain.spec.cpuNumber;
    const maxMemory = domain.spec.maxMemory ?? domain.spec.memory;
    if (o.cpuNumber > maxCpuNumber || o.memory > maxMemory) {
      throw new DriverError(
        'InvalidParameterError',
        `Domain ${name} can be scaled up to ${maxCpuNumber} vCPUs and ${maxMemory} MiB while it runs, not ${o.cpuNumber} vCPUs and ${o.memory} MiB`,
        false,
      );
    }
    domain.spec = { ...domain.spec, cpuNumber: o.cpuNumber, cpuSpeed: o.cpuSpeed, memory: o.memory };
    this.persist();
  }

  /** After a failed or lost migration to here: running here, or no longer defined here. */
  async resolveIncoming(name: string, signal?: AbortSignal): Promise<'PowerOn' | 'PowerOff'> {
    await this.enter('resolveIncoming', name, signal);
    const domain = this.domainsByName.get(name);
    if (domain?.state === 'PowerOn') return 'PowerOn';
    if (domain) {
      this.transition(name, domain.state, 'Undefined');
      this.domainsByName.delete(name);
      this.persist();
    }
    return 'PowerOff';
  }

  /** True when the domain already runs on the destination and not here; throws when it runs on neither. */
  private arrivedAlready(name: string, destination: SimulatorDriver): boolean {
    if (this.domainsByName.get(name)?.state === 'PowerOn') return false;
    if (destination.domainsByName.get(name)?.state === 'PowerOn') return true;
    throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running on ${this.config.hostname}`, false);
  }

  /** The destination's half of a hand-over: the domain runs here from now on, as it ran there. */
  private arrive(name: string, from: Domain): void {
    const existing = this.domainsByName.get(name);
    this.domainsByName.set(name, { spec: from.spec, state: 'PowerOn', boots: from.boots });
    this.transition(name, existing?.state ?? 'Undefined', 'PowerOn');
    this.persist();
  }

  /** Every power-state transition of this host, oldest first. */
  transitions(): PowerTransition[] {
    return [...this.log];
  }

  /** A domain as the simulator holds it (for assertions), or undefined. */
  domain(name: string): { spec: VmSpec; state: PowerState; boots: number; unmanaged?: boolean } | undefined {
    const d = this.domainsByName.get(name);
    return d ? { ...d } : undefined;
  }

  /** The images this host keeps (by template id), as downloaded. */
  private readonly images = new Map<string, ImageFacts>();

  /** Fetch the image from its URL for real (its checksum and header checked); the bytes are not kept, its facts are. */
  async downloadImage(image: ImageSpec, onProgress: DownloadProgress, signal?: AbortSignal): Promise<ImageFacts> {
    await this.enter('downloadImage', image.id, signal);
    const kept = this.images.get(image.id);
    if (kept) return kept;
    const facts = await fetchImage(image, undefined, { onProgress, signal });
    this.images.set(image.id, facts);
    return facts;
  }

  /** The ISO into the running domain's CD-ROM (fetched for real first when this host lacks it), or out. */
  async changeMedia(name: string, iso: ImageSpec | undefined, signal?: AbortSignal): Promise<void> {
    await this.enter('changeMedia', name, signal);
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.config.hostname}`, false);
    if (domain.state !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running`, false);
    if (iso) await this.downloadImage(iso, () => undefined, signal);
    domain.spec = { ...domain.spec, iso };
    if (!iso) delete domain.spec.iso;
    this.persist();
  }

  /** Whether this host has downloaded the image (tests). */
  hasImage(templateId: string): boolean {
    return this.images.has(templateId);
  }

  /**
   * Define domains as already running or off, e.g. VMs found on a host at registration; `unmanaged`
   * ones are not Stratus's (listUnmanagedInstances shows them), and their disks' files are made.
   */
  seed(specs: { spec: VmSpec; state: PowerState; unmanaged?: boolean }[]): void {
    for (const { spec, state, unmanaged } of specs) {
      this.domainsByName.set(spec.instanceName, { spec, state, boots: 0, ...(unmanaged ? { unmanaged } : {}) });
      if (unmanaged) for (const disk of spec.disks) this.filesOf(disk).set(disk.path, Math.max(this.filesOf(disk).get(disk.path) ?? 0, disk.size));
      this.transition(spec.instanceName, 'Undefined', state);
    }
    this.persist();
  }

  async describe(name: string, signal?: AbortSignal): Promise<DomainDescription | undefined> {
    await this.enter('describe', name, signal);
    const domain = this.domainsByName.get(name);
    return domain ? this.description(name, domain) : undefined;
  }

  /** As libvirt: a running VM must run here; a stopped one's missing domain is defined from its spec. */
  async unmanage(name: string, o: { running: boolean; spec?: VmSpec }, signal?: AbortSignal): Promise<DomainDescription> {
    await this.enter('unmanage', name, signal);
    let domain = this.domainsByName.get(name);
    if (o.running && domain?.state !== 'PowerOn') throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor ${this.config.hostname}`, false);
    if (!domain) {
      if (!o.spec) throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor ${this.config.hostname}, and no definition came to define it from`, false);
      domain = { spec: o.spec, state: 'PowerOff', boots: 0 };
      this.domainsByName.set(name, domain);
      this.transition(name, 'Undefined', 'PowerOff');
    }
    domain.unmanaged = true;
    this.persist();
    return this.description(name, domain);
  }

  async adopt(name: string, o: { vmId: string; running: boolean; macs: readonly string[] }, signal?: AbortSignal): Promise<DomainDescription> {
    await this.enter('adopt', name, signal);
    const domain = this.domainsByName.get(name);
    if (!domain) throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor ${this.config.hostname}`, false);
    assertAsImported(name, this.description(name, domain), o);
    domain.unmanaged = false;
    domain.spec = { ...domain.spec, vmId: o.vmId };
    this.persist();
    return this.description(name, domain);
  }

  /**
   * A disk image put in a pool by hand, as an operator copies one there before importVm (tests and
   * demos): `format` and `backingFile` are what checkVolume then finds.
   */
  placeDiskImage(pool: Pick<PoolSpec, 'id' | 'type'>, path: string, size: number, o: { format?: 'qcow2' | 'raw'; backingFile?: string; dataFile?: string } = {}): void {
    this.filesOf({ pool }).set(path, size);
    imageFormats.set(this.imageKey(pool, path), { format: o.format ?? 'qcow2', ...(o.backingFile ? { backingFile: o.backingFile } : {}), ...(o.dataFile ? { dataFile: o.dataFile } : {}) });
  }

  private imageKey(pool: Pick<PoolSpec, 'id' | 'type'>, path: string): string {
    return `${pool.type === 'Filesystem' ? this.config.hostname : 'shared'}:${pool.id}:${path}`;
  }

  async checkVolume(pool: PoolSpec, path: string, signal?: AbortSignal): Promise<{ size: number; format: 'qcow2' }> {
    await this.enter('checkVolume', path, signal);
    const size = this.filesOf({ pool }).get(path);
    if (size === undefined) throw new DriverError('InvalidParameterError', `Disk image ${path} is not found in storage pool ${pool.path} on host ${this.config.hostname}`, false);
    const facts = imageFormats.get(this.imageKey(pool, path)) ?? { format: 'qcow2' };
    if (facts.format !== 'qcow2') throw new DriverError('InvalidParameterError', `Disk image ${path} is ${facts.format}, not QCOW2: only QCOW2 images are imported in place`, false);
    if (facts.dataFile) throw new DriverError('InvalidParameterError', `Disk image ${path} keeps its data in an external file (${facts.dataFile}): only self-contained QCOW2 images are imported`, false);
    if (facts.backingFile) throw new DriverError('InvalidParameterError', `Disk image ${path} has a backing file (${facts.backingFile}): flatten it first (qemu-img convert), only standalone QCOW2 images are imported`, false);
    const same = (d: DiskSpec) => d.pool?.id === pool.id && d.path === path;
    const here = [...this.domainsByName].find(([, d]) => d.spec.disks.some(same));
    if (here) throw new DriverError('InvalidParameterError', `Disk image is already in use: domain ${here[0]} on host ${this.config.hostname} has it`, false);
    // A running QEMU locks its images: on a shared pool every host's running domains count.
    if (pool.type !== 'Filesystem')
      for (const other of byMigrationUri.values()) {
        const running = [...other.domainsByName].find(([, d]) => d.state === 'PowerOn' && d.spec.disks.some(same));
        if (running) throw new DriverError('InvalidParameterError', `Disk image is already in use: it is locked by running domain ${running[0]} on host ${other.config.hostname}`, false);
      }
    return { size, format: 'qcow2' };
  }

  private description(name: string, domain: Domain): DomainDescription {
    const { spec } = domain;
    return {
      name,
      powerState: domain.state,
      cpuNumber: spec.cpuNumber,
      cpuCoresPerSocket: 1,
      cpuSpeed: spec.cpuSpeed,
      memory: spec.memory,
      persistent: true,
      ...(domain.unmanaged ? {} : { stratusVmId: spec.vmId }),
      disks: spec.disks.map((disk, position) => ({
        label: targetDevice(disk.deviceId),
        capacity: this.filesOf(disk).get(disk.path) ?? disk.size,
        imagePath: disk.pool ? `${disk.pool.path.replace(/\/$/, '')}/${disk.path}` : disk.path,
        controller: 'virtio',
        controllerUnit: 0,
        position,
        datastoreName: disk.pool?.id ?? 'default',
        ...(disk.pool ? { datastoreHost: disk.pool.host, datastorePath: disk.pool.path } : {}),
        datastoreType: 'file',
        format: 'qcow2',
      })),
      nics: spec.nics.map((nic) => ({ networkName: nic.networkName, macAddress: nic.macAddress, adapterType: 'virtio', ipAddresses: nic.ipAddress ? [nic.ipAddress] : [] })),
    };
  }

  /** Write a label into a volume's file (tests: what a guest wrote), read back with volumeData. */
  writeVolumeData(disk: { pool?: Pick<PoolSpec, 'id' | 'type'>; path: string }, data: string): void {
    volumeData.set(this.dataKey(disk), data);
  }

  volumeData(disk: { pool?: Pick<PoolSpec, 'id' | 'type'>; path: string }): string | undefined {
    return volumeData.get(this.dataKey(disk));
  }

  /**
   * The config drive the domain booted with, as its guest reads it (tests: the guest's side):
   * `path` is a file of the drive (`openstack/latest/meta_data.json`) or a metadata URL path
   * (`latest/user-data`, `latest/meta-data/<type>`, `latest/<type>`); undefined when it has none.
   */
  guestRead(name: string, path: string): string | undefined {
    const guest = this.domainsByName.get(name)?.spec.guest;
    if (!guest) return undefined;
    const files = configDriveFiles(guest);
    return (files.get(path) ?? readDrive(files, path))?.toString('utf8');
  }

  /** How often the domain's guest filesystems were frozen and thawed for backups (tests: never left frozen). */
  guestFreezes(name: string): { freezes: number; thaws: number; backupJob?: string } {
    const d = this.domainsByName.get(name);
    return { freezes: d?.freezes ?? 0, thaws: d?.thaws ?? 0, ...(d?.backupJob ? { backupJob: d.backupJob } : {}) };
  }

  private dataKey(disk: { pool?: Pick<PoolSpec, 'id' | 'type'>; path: string }): string {
    const shared = disk.pool && disk.pool.type !== 'Filesystem';
    return `${shared ? '' : `${this.config.hostname}/`}${disk.pool?.id ?? 'default'}:${disk.path}`;
  }

  private backupsOf(repository: BackupRepositorySpec): Map<string, Map<string, { size: number; data?: string }>> {
    let backups = backupRepositories.get(repository.id);
    if (!backups) backupRepositories.set(repository.id, (backups = new Map()));
    return backups;
  }

  /**
   * A running domain's backup as libvirt's push mode makes it: frozen (quiesce) only while the job
   * begins, then each volume copied (`backupCopy` latency and faults per volume), the definition last.
   * Whatever fails, the guest is thawed and the half-made directory removed.
   */
  async takeBackup(name: string, o: TakeBackupOptions, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<BackupTaken> {
    await this.enter('takeBackup', name, signal);
    const domain = this.domainsByName.get(name);
    if (o.running && domain?.state !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running on ${this.config.hostname}`, false);
    if (!o.running && domain?.state === 'PowerOn') throw new DriverError('OperationRefusedError', `Domain ${name} runs on ${this.config.hostname}, but the backup was asked for a stopped VM`, false);
    const backups = this.backupsOf(o.repository);
    if (domain?.backupJob) domain.backupJob = undefined; // a job an earlier attempt left (its agent killed): aborted
    backups.delete(o.path);
    const files = new Map<string, { size: number; data?: string }>();
    backups.set(o.path, files);
    try {
      if (o.running && domain) {
        if (o.quiesce) domain.freezes = (domain.freezes ?? 0) + 1;
        domain.backupJob = o.path;
        if (o.quiesce) domain.thaws = (domain.thaws ?? 0) + 1; // thawed as soon as the job has begun
      }
      const taken: BackupTaken = { files: [] };
      for (const [i, disk] of o.disks.entries()) {
        const file = backupFileOf(disk);
        const size = this.filesOf(disk).get(disk.path);
        if (size === undefined) throw new DriverError('ResourceUnavailableError', `Volume ${disk.volumeId} has no file ${disk.path} in its pool on ${this.config.hostname}`, false);
        await this.enter('backupCopy', file, signal);
        const bytes = Math.ceil(size / 10); // thin, as the pool's files
        files.set(file, { size: bytes, ...(volumeData.has(this.dataKey(disk)) ? { data: volumeData.get(this.dataKey(disk)) } : {}) });
        taken.files.push({ volumeId: disk.volumeId, file, size: bytes });
        onProgress(Math.floor(((i + 1) * 100) / o.disks.length));
      }
      files.set('domain-config.xml', { size: 2048 });
      return taken;
    } catch (err) {
      backups.delete(o.path);
      throw err;
    } finally {
      if (domain?.backupJob === o.path) domain.backupJob = undefined;
      this.persist();
    }
  }

  async restoreBackup(name: string, o: { repository: BackupRepositorySpec; path: string; volumes: ReadonlyArray<{ file: string; disk: DiskSpec }> }, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<void> {
    await this.enter('restoreBackup', name, signal);
    if (this.domainsByName.get(name)?.state === 'PowerOn') throw new DriverError('OperationRefusedError', `Domain ${name} is running on ${this.config.hostname}: a backup is restored onto a stopped VM`, false);
    const files = this.backupsOf(o.repository).get(o.path);
    if (!files?.has('domain-config.xml')) throw new DriverError('ResourceUnavailableError', `Backup ${o.path} is not in backup repository ${o.repository.address}`, false);
    // All or nothing: what each volume held before, put back if any volume fails.
    const before: Array<{ disk: DiskSpec; size?: number; data?: string }> = [];
    try {
      for (const [i, { file, disk }] of o.volumes.entries()) {
        const copy = files.get(file);
        if (!copy) throw new DriverError('ResourceUnavailableError', `Backup ${o.path} has no copy of volume ${disk.volumeId} (${file})`, false);
        await this.enter('restoreCopy', file, signal);
        before.push({ disk, size: this.filesOf(disk).get(disk.path), data: volumeData.get(this.dataKey(disk)) });
        this.filesOf(disk).set(disk.path, disk.size);
        if (copy.data === undefined) volumeData.delete(this.dataKey(disk));
        else volumeData.set(this.dataKey(disk), copy.data);
        onProgress(Math.floor(((i + 1) * 100) / o.volumes.length));
      }
    } catch (err) {
      for (const b of before.reverse()) {
        if (b.size === undefined) this.filesOf(b.disk).delete(b.disk.path);
        else this.filesOf(b.disk).set(b.disk.path, b.size);
        if (b.data === undefined) volumeData.delete(this.dataKey(b.disk));
        else volumeData.set(this.dataKey(b.disk), b.data);
      }
      throw err;
    }
  }

  async deleteBackup(o: { repository: BackupRepositorySpec; path: string; instanceName?: string }, signal?: AbortSignal): Promise<void> {
    await this.enter('deleteBackup', o.path, signal);
    const domain = o.instanceName ? this.domainsByName.get(o.instanceName) : undefined;
    if (domain?.backupJob) {
      domain.backupJob = undefined;
      this.persist();
    }
    this.backupsOf(o.repository).delete(o.path);
  }

  async measureBackupRepository(repository: BackupRepositorySpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }> {
    await this.enter('measureBackupRepository', repository.id, signal);
    let used = 0;
    for (const files of this.backupsOf(repository).values()) for (const f of files.values()) used += f.size;
    return { capacityBytes: this.config.backupRepositoryCapacityBytes ?? 10 * 1024 ** 4, usedBytes: used };
  }

  private async enter(operation: SimulatorOperation, target: string | undefined, signal?: AbortSignal): Promise<void> {
    const latency = typeof this.config.latencyMs === 'number' ? this.config.latencyMs : (this.config.latencyMs?.[operation] ?? 0);
    signal?.throwIfAborted();
    if (latency > 0) await sleep(latency, undefined, { signal });
    const fault = this.faultFor(operation, target);
    if (fault) throw fault;
  }

  private faultFor(operation: SimulatorOperation, target: string | undefined): Error | undefined {
    const faults = this.config.faults;
    if (!faults) return undefined;
    if (typeof faults === 'function') return faults(operation, target);
    const spec = faults[operation];
    if (!spec) return undefined;
    const n = (this.calls.get(operation) ?? 0) + 1;
    this.calls.set(operation, n);
    if (spec.failTimes !== undefined && n > spec.failTimes) return undefined;
    return new DriverError(
      spec.error ?? 'ResourceUnavailableError',
      spec.message ?? `Injected fault: ${operation}${target ? ` ${target}` : ''} failed on ${this.config.hostname}`,
      spec.retryable ?? true,
    );
  }

  private transition(instanceName: string, from: SimulatedPowerState, to: SimulatedPowerState): void {
    const t: PowerTransition = { seq: ++sequence, at: this.clock(), hostname: this.config.hostname, instanceName, from, to };
    this.log.push(t);
    this.config.onTransition?.(t);
  }
}

/**
 * Moments when one instance was PowerOn on more than one host, from the transitions of many
 * simulators. Empty means no VM ever ran twice.
 */
export function findDoubleRuns(transitions: PowerTransition[]): { instanceName: string; hostnames: string[]; at: number }[] {
  const runningOn = new Map<string, Set<string>>();
  const found: { instanceName: string; hostnames: string[]; at: number }[] = [];
  for (const t of [...transitions].sort((a, b) => a.seq - b.seq)) {
    const hosts = runningOn.get(t.instanceName) ?? new Set<string>();
    runningOn.set(t.instanceName, hosts);
    if (t.to === 'PowerOn') hosts.add(t.hostname);
    else hosts.delete(t.hostname);
    if (hosts.size > 1) found.push({ instanceName: t.instanceName, hostnames: [...hosts].sort(), at: t.at });
  }
  return found;
}
