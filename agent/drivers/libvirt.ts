import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackupRepositorySpec, DiskSpec, DomainDescription, DomainPowerState, GuestData, HostFacts, ImageSpec, PoolSpec, VmSnapshotSpec, VmSpec } from '../../core/agent-protocol';
import { CONFIG_DRIVE_LABEL, configDriveFiles } from '../../core/config-drive';
import { targetDevice } from '../../core/storage';
import type { PowerState } from '../../core/entities';
import { fetchImage, type DownloadProgress, type ImageFacts } from '../image-download';
import { backupFileOf } from '../../core/agent-commands';
import { assertAsImported, DriverError, type BackupTaken, type HypervisorDriver, type TakeBackupOptions } from './driver';
import { jobRunning, parseDomJobInfo, pushBackupXml } from './libvirt-backup';
import { cpuShares, diskXml, domainUuid, domainXml, parseDomainXml, parseVolumeXml, snapshotXml, STRATUS_METADATA_NS, validName, type DomainDisk, type NicSource } from './libvirt-xml';
import { VirshCommandError, VirshSession, type VirshRunner } from './virsh-session';

/**
 * The driver for KVM hosts, through libvirt. It talks to libvirt with one long-lived virsh session
 * (virsh-session.ts), so CI runs it unchanged against libvirt's test:/// driver.
 *
 * Disks: each volume is a file of the libvirt pool that stands for its primary storage pool (the
 * pool named by the storage pool's id, defined by the agent on first use, or the host's existing
 * pool on the same directory). A ROOT volume is a QCOW2 overlay backed by the template's volume; a
 * data disk a sparse QCOW2. Templates are volumes of the driver's own pool (`storagePool`) named
 * `template-<template id>.qcow2` (or `.raw`). VMs made before storage boot `<instance name>-root`
 * of that pool, as they always did.
 */

export const LIBVIRT_DRIVER_VERSION = 'stratus-libvirt-1';

export interface LibvirtDriverOptions {
  uri: string; // e.g. qemu:///system, or test:///<absolute path to a node XML> in tests
  storagePool?: string; // default `default`
  nicSource?: NicSource; // default libvirt's `default` network
  ipAddress?: string; // reported to the control plane; default the first non-loopback IPv4 address
  shutdownPollMs?: number; // how often a graceful stop looks at the domain; default 500 ms
  virshPath?: string;
  commandTimeoutMs?: number;
  /** Runs virsh commands instead of a VirshSession of the driver's own (unit tests pass a fake). */
  runner?: VirshRunner;
  /** Runs qemu-img (its stdout) instead of the host's (unit tests pass a fake). */
  qemuImg?: (args: readonly string[], signal?: AbortSignal) => Promise<string>;
  /**
   * Where other hosts' libvirt reaches this one for a live migration (reported in the host facts);
   * default `qemu+tcp://<ipAddress>/system`, libvirt's TCP listener.
   */
  migrationUri?: string;
  /**
   * Opens another connection: a migration's own (it holds its connection for as long as it takes,
   * and heartbeats must not wait behind it), or one to a migration's destination. Default: a new
   * VirshSession; with `runner`, that runner.
   */
  connect?: (uri: string) => VirshRunner & { close?(): Promise<void> };
  /** Where backup repositories are mounted, each under its id; default /var/lib/stratus/backup-repositories. */
  backupMountRoot?: string;
  /** Runs a host command (mount, mountpoint) instead of the host's (unit tests pass a fake). */
  exec?: (command: string, args: readonly string[], signal?: AbortSignal) => Promise<string>;
  /** How often a running backup's job is looked at for its progress; default 1 s. */
  backupPollMs?: number;
}

/** A host command's stdout; no time limit of its own (a copy of a large disk takes what it takes), the signal ends it. */
async function runCommandLine(command: string, args: readonly string[], signal?: AbortSignal): Promise<string> {
  return (await promisify(execFile)(command, [...args], { signal, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** virsh's domstate words (`virsh domstate`), as the control plane sees them. */
export function powerStateOf(state: string): PowerState {
  switch (state) {
    case 'running':
    case 'idle':
    case 'paused':
    case 'in shutdown': // the guest still runs until it reaches `shut off`
    case 'pmsuspended':
      return 'PowerOn';
    case 'shut off':
    case 'crashed':
      return 'PowerOff';
    default:
      return 'Unknown';
  }
}

const DOMAIN_MISSING = /failed to get domain|domain not found|no domain with matching/i;
const VOLUME_MISSING = /failed to get vol|storage volume not found|no storage vol with matching/i;
const ALREADY_ACTIVE = /already active|already running/i;
const SNAPSHOT_MISSING = /snapshot not found|no domain snapshot with matching|domain snapshot not found/i;
const POOL_MISSING = /failed to get pool|storage pool not found|no storage pool with matching/i;
/** libvirt refuses a second pool on a directory another pool uses: that pool is the one to use. */
const POOL_CONFLICT = /Storage source conflict with pool:? '([^']+)'/i;
const TRANSIENT = /failed to connect|no valid connection|end of file while reading|cannot recv data|cannot write data|client socket is closed|connection (reset|refused|closed)|broken pipe|timed out during operation|cannot acquire state change lock/i;
const NO_ROOM = /cannot allocate memory|out of memory|insufficient (free )?memory|no space left on device/i;
const ABOVE_MAXIMUM = /exceeds maximum|higher than max(imum)? memory|more than (the )?max/i;
/** A hypervisor without a CPU-weight tunable (libvirt's test driver; a host without the cgroup cpu controller). */
const NO_SCHED_TUNABLE = /unsupported flags|not supported by the connection driver|cgroup cpu controller is not mounted/i;

/** qemu-img on this host (its stdout; a failure carries its stderr and, when it is missing, ENOENT). */
async function runQemuImg(args: readonly string[], signal?: AbortSignal): Promise<string> {
  return (await promisify(execFile)('qemu-img', [...args], { signal, timeout: 30_000 })).stdout;
}

function said(err: unknown, pattern: RegExp): boolean {
  return err instanceof VirshCommandError && pattern.test(err.message);
}

/** One place that turns what virsh said into the error the workflow sees. */
export function toDriverError(err: unknown): Error {
  if (err instanceof DriverError || (err as { name?: unknown } | undefined)?.name === 'AbortError') return err as Error;
  if (err instanceof VirshCommandError) {
    const message = `virsh ${err.command}: ${err.message}`;
    if (TRANSIENT.test(err.message)) return new DriverError('ResourceUnavailableError', message, true);
    if (NO_ROOM.test(err.message)) return new DriverError('InsufficientCapacityError', message, false);
    if (ABOVE_MAXIMUM.test(err.message)) return new DriverError('InvalidParameterError', message, false);
    return new DriverError('ResourceUnavailableError', message, false);
  }
  return new DriverError('ResourceUnavailableError', err instanceof Error ? err.message : String(err), true);
}

/** A domain's config drive volume, beside its ROOT disk. */
export const configDriveVolume = (instanceName: string) => `${instanceName}-configdrive.iso`;

/** A registered image's volume in the default pool: `template-<id>.<qcow2|raw|iso>`. */
const imageVolume = (templateId: string, format: string) => validName('template volume', `template-${templateId}.${format.toLowerCase()}`);

function templateDisk(spec: VmSpec): { format: 'qcow2' | 'raw'; volume: string } {
  const format = spec.template.format.toLowerCase();
  if (format !== 'qcow2' && format !== 'raw') {
    throw new DriverError('InvalidParameterError', `The libvirt driver boots QCOW2 and RAW templates, not ${spec.template.format}`, false);
  }
  return { format, volume: imageVolume(spec.template.id, format) };
}

function rootVolume(instanceName: string): string {
  return `${instanceName}-root`;
}

/** A migration destination as virsh takes it: a libvirt URI, nothing else. */
function validUri(uri: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9_.,:/@%+=?&~[\]-]*$/.test(uri)) {
    throw new DriverError('InvalidParameterError', `Invalid libvirt URI ${JSON.stringify(uri)}`, false);
  }
  return uri;
}

function firstIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

export class LibvirtDriver implements HypervisorDriver {
  private readonly virsh: VirshRunner;
  private readonly session?: VirshSession;
  private readonly pool: string;
  private readonly nicSource: NicSource;
  private scratch?: Promise<string>; // a private directory for domain XML files

  constructor(private readonly options: LibvirtDriverOptions) {
    this.pool = validName('storage pool', options.storagePool ?? 'default');
    this.nicSource = options.nicSource ?? { type: 'network', name: 'default' };
    validName(this.nicSource.type, this.nicSource.name);
    if (options.runner) this.virsh = options.runner;
    else {
      this.session = new VirshSession({ uri: options.uri, virshPath: options.virshPath, commandTimeoutMs: options.commandTimeoutMs });
      this.virsh = this.session;
    }
  }

  /** The driver's virsh child: its pid and how many were started (more than one after a restart). */
  get connection(): { pid: number | undefined; starts: number } | undefined {
    return this.session ? { pid: this.session.pid, starts: this.session.starts } : undefined;
  }

  async hostFacts(): Promise<HostFacts> {
    return this.guard(async () => {
      const info = await this.virsh.run(['nodeinfo']);
      const hostname = (await this.virsh.run(['hostname'])).trim();
      const field = (pattern: RegExp) => Number(pattern.exec(info)?.[1] ?? NaN);
      const cpuNumber = field(/^CPU\(s\):\s+(\d+)/m);
      const cpuSpeed = field(/^CPU frequency:\s+(\d+)\s*MHz/m);
      const memoryKiB = field(/^Memory size:\s+(\d+)\s*KiB/m);
      const ipAddress = this.options.ipAddress ?? firstIpv4();
      if (!(cpuNumber > 0 && cpuSpeed > 0 && memoryKiB > 0)) {
        throw new DriverError('ResourceUnavailableError', `libvirt's node info lacks CPU count, speed or memory: ${info.trim()}`, false);
      }
      return {
        hostname,
        hypervisor: 'KVM',
        cpuNumber,
        cpuSpeed,
        memoryTotal: Math.floor(memoryKiB / 1024),
        ipAddress,
        agentVersion: LIBVIRT_DRIVER_VERSION,
        migrationUri: this.options.migrationUri ?? `qemu+tcp://${ipAddress}/system`,
      };
    });
  }

  async domains(): Promise<DomainPowerState[]> {
    return this.guard(async () => {
      const found = new Map<string, PowerState>();
      for (const [filter, state] of [['--state-running', 'PowerOn'], ['--state-paused', 'PowerOn'], ['--state-shutoff', 'PowerOff']] as const) {
        for (const name of await this.names(filter)) found.set(name, state);
      }
      // The rest (in shutdown, crashed, pmsuspended, no state) one by one: rare, and mixed.
      for (const name of await this.names('--state-other')) {
        const state = await this.stateOf(name);
        if (state !== undefined) found.set(name, powerStateOf(state));
      }
      return [...found].map(([name, state]) => ({ name, state }));
    });
  }

  async start(spec: VmSpec, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      const name = validName('instance name', spec.instanceName);
      const template = templateDisk(spec);
      const state = await this.stateOf(name, signal);
      if (state !== undefined && powerStateOf(state) === 'PowerOn') return;
      await this.defineDomain(spec, signal); // redefined each start: a changed offering takes effect
      try {
        await this.virsh.run(['start', '--domain', name], signal);
      } catch (err) {
        if (!said(err, ALREADY_ACTIVE)) throw err;
      }
    });
  }

  async stop(name: string, o: { force: boolean; timeoutMs: number }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      if (await this.isOff(name, signal)) return;
      if (o.force) {
        await this.unlessOff(name, ['destroy', '--domain', name], signal);
        return;
      }
      const giveUpAt = Date.now() + o.timeoutMs;
      await this.unlessOff(name, ['shutdown', '--domain', name], signal);
      while (!(await this.isOff(name, signal))) {
        const left = giveUpAt - Date.now();
        // As the simulator reports it: the workflow decides whether to force.
        if (left <= 0) throw new DriverError('ResourceUnavailableError', `Domain ${name} did not shut down within ${o.timeoutMs} ms`, true);
        await sleep(Math.min(left, this.options.shutdownPollMs ?? 500), undefined, { signal });
      }
    });
  }

  async reboot(name: string, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal);
      if (state === undefined) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.options.uri}`, false);
      if (state !== 'running' && state !== 'idle') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running (${state})`, false);
      await this.virsh.run(['reboot', '--domain', name], signal);
    });
  }

  async undefine(name: string, o: { removeDisks: boolean; disks?: readonly DiskSpec[] }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal);
      if (state !== undefined) {
        if (state !== 'shut off' && state !== 'crashed') await this.unlessOff(name, ['destroy', '--domain', name], signal);
        try {
          await this.virsh.run(['undefine', '--domain', name, '--managed-save', '--snapshots-metadata'], signal);
        } catch (err) {
          if (!said(err, DOMAIN_MISSING)) throw err;
        }
      }
      // Also when the domain is already gone: a retry after a failed delete still removes the files.
      if (o.removeDisks) {
        const disks = o.disks?.length ? o.disks : [{ volumeId: name, type: 'ROOT' as const, deviceId: 0, path: rootVolume(name), size: 1 }];
        // Its config drive lives beside its ROOT disk: it goes with the disks.
        const root = disks.find((d) => d.type === 'ROOT');
        if (root) await this.removeVolume({ ...root, volumeId: `${name}-configdrive`, path: configDriveVolume(name) }, signal);
        for (const disk of disks) await this.removeVolume(disk, signal);
      }
    });
  }

  async attachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal);
      if (state === undefined || powerStateOf(state) !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running (${state ?? 'not defined'})`, false);
      const target = await this.domainDisk(disk, undefined, signal);
      if ((await this.virsh.run(['dumpxml', '--domain', name], signal)).includes(`volume='${target.volume}'`)) return; // a repeat
      await this.ensureVolume(disk, target, undefined, undefined, signal);
      await this.withDeviceFile(name, diskXml(target, ''), (file) => this.virsh.run(['attach-device', '--domain', name, '--file', file, '--live', '--config'], signal));
    });
  }

  async detachVolume(name: string, disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const target = await this.domainDisk(disk, undefined, signal);
      const state = await this.stateOf(name, signal);
      if (state === undefined) return;
      if (!(await this.virsh.run(['dumpxml', '--domain', name, '--inactive'], signal)).includes(`volume='${target.volume}'`)) return; // not attached
      const scopes = powerStateOf(state) === 'PowerOn' ? ['--live', '--config'] : ['--config'];
      await this.withDeviceFile(name, diskXml(target, ''), (file) => this.virsh.run(['detach-device', '--domain', name, '--file', file, ...scopes], signal));
    });
  }

  /**
   * A running domain's disk grows with `blockresize` (QEMU cannot shrink a disk in use); a file
   * not in use with `vol-resize` (`--shrink` when smaller). No file yet: it is made at its size.
   */
  async resizeVolume(disk: DiskSpec, o: { shrink: boolean; instanceName?: string }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      const target = await this.domainDisk(disk, undefined, signal);
      const now = await this.volumeBytes(target.volume, signal, target.pool);
      if (now === undefined || now === disk.size) return;
      if (disk.size < now && !o.shrink) throw new DriverError('InvalidParameterError', `Volume ${target.volume} is ${now} bytes; shrinking it to ${disk.size} bytes needs shrinkok`, false);
      const running = o.instanceName ? await this.stateOf(validName('instance name', o.instanceName), signal) : undefined;
      if (running !== undefined && powerStateOf(running) === 'PowerOn') {
        if (disk.size < now) throw new DriverError('InvalidParameterError', `Volume ${target.volume} is in use by running domain ${o.instanceName}: it can grow, not shrink`, false);
        await this.virsh.run(['blockresize', '--domain', o.instanceName!, '--path', target.target, '--size', `${disk.size}B`], signal);
        return;
      }
      await this.virsh.run(['vol-resize', '--pool', target.pool, '--vol', target.volume, '--capacity', String(disk.size), ...(disk.size < now ? ['--shrink'] : [])], signal);
    });
  }

  /** The pool as libvirt measures it (refreshed, so files made outside libvirt count): capacity and allocation. */
  async poolStats(pool: PoolSpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }> {
    return this.guard(async () => {
      const name = await this.ensurePool(pool, signal);
      // Measured again next time from scratch if this fails: the pool may have to be defined again (a host rebuilt).
      const forget = (err: unknown) => {
        this.pools.delete(pool.id);
        throw err;
      };
      return this.measurePool(name, signal).catch(forget);
    });
  }

  /**
   * A registered image into the default pool's directory: fetched beside its final name and renamed
   * once verified, then the pool refreshed so libvirt sees it. Kept already: its size from libvirt.
   */
  async downloadImage(image: ImageSpec, onProgress: DownloadProgress, signal?: AbortSignal): Promise<ImageFacts> {
    return this.guard(() => this.fetchImageOnce(image, onProgress, signal));
  }

  /** An ISO's file here (fetched into the default pool first when missing). */
  private async isoPath(iso: ImageSpec, signal?: AbortSignal): Promise<string> {
    await this.fetchImageOnce(iso, () => undefined, signal);
    return (await this.virsh.run(['vol-path', '--pool', this.pool, '--vol', imageVolume(iso.id, iso.format)], signal)).trim();
  }

  /**
   * Into (or out of) the running domain's CD-ROM, live and in its definition. A domain defined before
   * it had a CD-ROM drive cannot take one live: it gets one at its next start.
   */
  async changeMedia(name: string, iso: ImageSpec | undefined, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal);
      if (state === undefined || powerStateOf(state) !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running on ${this.options.uri}`, false);
      const media = iso ? ['--source', await this.isoPath(iso, signal), '--update'] : ['--eject', '--force'];
      try {
        await this.virsh.run(['change-media', '--domain', name, '--path', 'hdc', ...media, '--live', '--config'], signal);
      } catch (err) {
        if (!iso && said(err, /no medium|is already ejected|doesn't have a medium/i)) return; // ejected already
        if (said(err, /no disk found|No device with bus|No disk found/i)) throw new DriverError('ResourceUnavailableError', `Domain ${name} has no CD-ROM drive (defined before Stratus gave every VM one): stop and start it, then attach the ISO`, false);
        throw err;
      }
    });
  }

  async describe(name: string, signal?: AbortSignal): Promise<DomainDescription | undefined> {
    return this.guard(() => this.describeDomain(name, signal));
  }

  /**
   * CloudStack 4.22's UnmanageInstanceCommand, made strict: a running VM must run here (4.22's
   * check never fails, issue 12126's pain); a stopped one's domain missing here is defined from its
   * spec. Then persistent (a transient domain is defined from its live XML, so a host reboot keeps
   * it) and Stratus's metadata removed, live and in the definition.
   */
  async unmanage(name: string, o: { running: boolean; spec?: VmSpec }, signal?: AbortSignal): Promise<DomainDescription> {
    return this.guard(async () => {
      validName('instance name', name);
      let state = await this.stateOf(name, signal);
      if (o.running && (state === undefined || powerStateOf(state) !== 'PowerOn')) throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor at ${this.options.uri}${state ? ` (it is ${state})` : ''}`, false);
      if (state === undefined) {
        if (!o.spec) throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor at ${this.options.uri}, and no definition came to define it from`, false);
        await this.defineDomain(o.spec, signal);
        state = 'shut off';
      }
      if (!/^Persistent:\s+yes/m.test(await this.virsh.run(['dominfo', '--domain', name], signal))) {
        await this.define(name, await this.virsh.run(['dumpxml', '--domain', name, '--security-info'], signal), signal);
      }
      const live = powerStateOf(state) === 'PowerOn' ? ['--live'] : [];
      await this.virsh.run(['metadata', '--domain', name, '--uri', STRATUS_METADATA_NS, '--remove', ...live, '--config'], signal);
      const left = await this.describeDomain(name, signal);
      if (!left) throw new DriverError('ResourceUnavailableError', `VM ${name} vanished from ${this.options.uri} while it was being unmanaged`, false);
      return left;
    });
  }

  /** As CloudStack's import takes a domain, checked first: still here, as described; then it carries Stratus's metadata. */
  async adopt(name: string, o: { vmId: string; running: boolean; macs: readonly string[] }, signal?: AbortSignal): Promise<DomainDescription> {
    return this.guard(async () => {
      const found = await this.describeDomain(name, signal);
      if (!found) throw new DriverError('OperationRefusedError', `VM ${name} is not found in the hypervisor at ${this.options.uri}`, false);
      assertAsImported(name, found, o);
      if (!/^[A-Za-z0-9-]{1,64}$/.test(o.vmId)) throw new DriverError('InvalidParameterError', `Invalid VM id ${JSON.stringify(o.vmId)}`, false);
      const live = found.powerState === 'PowerOn' ? ['--live'] : [];
      await this.virsh.run(['metadata', '--domain', name, '--uri', STRATUS_METADATA_NS, '--key', 'stratus', '--set', `<vm><id>${o.vmId}</id></vm>`, ...live, '--config'], signal);
      // Stratus decides where it runs now: libvirt must not start it by itself when this host boots (HA may have started it elsewhere).
      await this.virsh.run(['autostart', '--domain', name, '--disable'], signal).catch(() => undefined);
      return (await this.describeDomain(name, signal)) ?? found;
    });
  }

  /**
   * CloudStack's CheckVolumeCommand, stricter: the image must be a standalone QCOW2 that nothing
   * uses. A domain of this host naming it is found in the definitions; a QEMU running it anywhere
   * (another host of a shared pool) holds its image lock, which `qemu-img info` meets.
   */
  async checkVolume(pool: PoolSpec, path: string, signal?: AbortSignal): Promise<{ size: number; format: 'qcow2' }> {
    return this.guard(async () => {
      const volume = validName('volume name', path);
      const name = await this.ensurePool(pool, signal);
      await this.virsh.run(['pool-refresh', '--pool', name], signal).catch(() => undefined); // an image copied in by hand
      let facts: ReturnType<typeof parseVolumeXml>;
      try {
        facts = parseVolumeXml(await this.virsh.run(['vol-dumpxml', '--pool', name, '--vol', volume], signal));
      } catch (err) {
        if (said(err, VOLUME_MISSING)) throw new DriverError('InvalidParameterError', `Disk image ${path} is not found in storage pool ${pool.path} at ${this.options.uri}`, false);
        throw err;
      }
      if (facts.format !== 'qcow2') throw new DriverError('InvalidParameterError', `Disk image ${path} is ${facts.format}, not QCOW2: only QCOW2 images are imported in place`, false);
      if (facts.backingPath) throw new DriverError('InvalidParameterError', `Disk image ${path} has a backing file (${facts.backingPath}): flatten it first (qemu-img convert), only standalone QCOW2 images are imported`, false);
      const file = facts.path || `${pool.path.replace(/\/$/, '')}/${path}`;
      for (const { name: domain } of await this.domains()) {
        const xml = await this.virsh.run(['dumpxml', '--domain', domain, '--inactive'], signal).catch(() => '');
        if (xml && parseDomainXml(xml).disks.some((d) => d.imagePath === file || d.imagePath === `${name}/${volume}`)) throw new DriverError('InvalidParameterError', `Disk image is already in use: domain ${domain} at ${this.options.uri} has it`, false);
      }
      // What libvirt does not show: a running QEMU's lock, and an external data file (a QCOW2 v3 image
      // may keep its data in any file of the host, another VM's disk say).
      const info = await this.imageInfo(path, file, signal);
      if (info.dataFile) throw new DriverError('InvalidParameterError', `Disk image ${path} keeps its data in an external file (${info.dataFile}): only self-contained QCOW2 images are imported`, false);
      if (info.backingFile) throw new DriverError('InvalidParameterError', `Disk image ${path} has a backing file (${info.backingFile}): flatten it first (qemu-img convert), only standalone QCOW2 images are imported`, false);
      return { size: facts.capacity, format: 'qcow2' };
    });
  }

  /**
   * `qemu-img info` of an image: its backing and external data files. A running QEMU's lock (over NFS
   * too) makes it fail with "Failed to get shared write lock": the image is in use.
   */
  private async imageInfo(path: string, file: string, signal?: AbortSignal): Promise<{ backingFile?: string; dataFile?: string }> {
    let out: string;
    try {
      out = await (this.options.qemuImg ?? runQemuImg)(['info', '--output=json', file], signal);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new DriverError('ResourceUnavailableError', `qemu-img is not installed on this host: it checks disk image ${path} before an import (install qemu-utils)`, false);
      const text = `${(err as { stderr?: string }).stderr ?? (err as Error).message}`.trim().split('\n')[0];
      if (/get (?:shared )?"?write"? lock|another process using the image/i.test(text)) throw new DriverError('InvalidParameterError', `Disk image is already in use: ${text}`, false);
      throw new DriverError('InvalidParameterError', `qemu-img cannot read disk image ${path}: ${text}`, false);
    }
    const info = JSON.parse(out) as { 'backing-filename'?: string; 'format-specific'?: { data?: { 'data-file'?: string } } };
    return { ...(info['backing-filename'] ? { backingFile: info['backing-filename'] } : {}), ...(info['format-specific']?.data?.['data-file'] ? { dataFile: info['format-specific'].data['data-file'] } : {}) };
  }

  /** A domain's XML read as CloudStack's agent reads it, with its power state, persistence, disk sizes and (running, on a libvirt network) leased addresses. */
  private async describeDomain(name: string, signal?: AbortSignal): Promise<DomainDescription | undefined> {
    let xml: string;
    let info: string;
    try {
      xml = await this.virsh.run(['dumpxml', '--domain', name], signal);
      info = await this.virsh.run(['dominfo', '--domain', name], signal);
    } catch (err) {
      if (said(err, DOMAIN_MISSING)) return undefined;
      throw err;
    }
    const parsed = parseDomainXml(xml);
    const state = /^State:\s+(.+)$/m.exec(info)?.[1]?.trim() ?? 'no state';
    const powerState = powerStateOf(state);
    const disks = [];
    for (const disk of parsed.disks) {
      const blk = disk.label ? await this.virsh.run(['domblkinfo', '--domain', name, '--device', disk.label], signal).catch(() => '') : '';
      disks.push({ ...disk, capacity: Number(/^Capacity:\s+(\d+)/m.exec(blk)?.[1] ?? 0) });
    }
    const addresses = powerState === 'PowerOn' && parsed.nics.length ? await this.leasedAddresses(name, signal) : new Map<string, string[]>();
    return {
      ...parsed,
      name,
      powerState,
      persistent: /^Persistent:\s+yes/m.test(info),
      disks,
      nics: parsed.nics.map((n) => ({ ...n, ipAddresses: addresses.get(n.macAddress) ?? [] })),
    };
  }

  /** MAC -> IPv4 addresses libvirt's DHCP leased (`domifaddr`); none known (a bridge, no lease): empty. */
  private async leasedAddresses(name: string, signal?: AbortSignal): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const out = await this.virsh.run(['domifaddr', '--domain', name, '--source', 'lease'], signal).catch(() => '');
    for (const line of out.split('\n')) {
      const m = /^\s*\S+\s+([0-9a-f:]{17})\s+ipv4\s+([0-9.]+)\/\d+/i.exec(line);
      if (m) found.set(m[1].toLowerCase(), [...(found.get(m[1].toLowerCase()) ?? []), m[2]]);
    }
    return found;
  }

  /** Images being fetched now, by volume: a start and a download of the same image share one fetch. */
  private readonly fetching = new Map<string, Promise<ImageFacts>>();

  private fetchImageOnce(image: ImageSpec, onProgress: DownloadProgress, signal?: AbortSignal): Promise<ImageFacts> {
    const volume = imageVolume(image.id, image.format);
    let known = this.fetching.get(volume);
    if (!known) {
      known = (async () => {
        const kept = await this.volumeBytes(volume, signal);
        if (kept !== undefined) return { size: kept, physicalSize: kept };
        const xml = await this.virsh.run(['pool-dumpxml', '--pool', this.pool], signal);
        const dir = /<target>[\s\S]*?<path>([^<]+)<\/path>/.exec(xml)?.[1];
        if (!dir) throw new DriverError('ResourceUnavailableError', `Storage pool ${this.pool} has no target directory to download ${image.url} into`, false);
        const facts = await fetchImage(image, join(dir, volume), { onProgress, signal });
        await this.virsh.run(['pool-refresh', '--pool', this.pool], signal).catch(() => undefined);
        return facts;
      })().finally(() => this.fetching.delete(volume));
      this.fetching.set(volume, known);
    }
    return known;
  }

  private async measurePool(name: string, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }> {
    {
      await this.virsh.run(['pool-refresh', '--pool', name], signal).catch(() => undefined); // not every driver refreshes
      const info = await this.virsh.run(['pool-info', '--pool', name, '--bytes'], signal);
      const field = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
      const capacityBytes = field('Capacity');
      const usedBytes = field('Allocation');
      if (!(capacityBytes >= 0 && usedBytes >= 0)) throw new DriverError('ResourceUnavailableError', `virsh pool-info ${name}: no capacity in ${JSON.stringify(info.trim())}`, false);
      if (!/^State:\s+running/m.test(info)) throw new DriverError('ResourceUnavailableError', `Storage pool ${name} is not running`, true);
      return { capacityBytes, usedBytes };
    }
  }

  async deleteVolume(disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    return this.guard(() => this.removeVolume(disk, signal));
  }

  /**
   * `virsh migrate --live --p2p --persistent --undefinesource`: this host's libvirt sends the domain
   * to the destination's and forgets it once it runs there. The migration gets a connection of its
   * own; on timeout or abort, `domjobabort` (on the driver's connection) cancels it and libvirt
   * leaves the domain running here.
   */
  async migrate(name: string, destinationUri: string, o: { timeoutMs: number }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      validUri(destinationUri);
      const state = await this.stateOf(name, signal);
      if (state === undefined || powerStateOf(state) !== 'PowerOn') {
        if ((await this.stateAt(destinationUri, name)) === 'running') return; // a repeat: it moved already
        throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running here (${state ?? 'not defined'}) nor at ${destinationUri}`, false);
      }
      // libvirt will not migrate a domain with snapshot metadata; the data stays in its shared files,
      // and the destination defines the snapshots again when a snapshot command next needs them.
      for (const snapshot of await this.snapshotNames(name, signal)) await this.virsh.run(['snapshot-delete', '--domain', name, '--snapshotname', snapshot, '--metadata'], signal);
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
      // Best effort: when no job is active, the migration has already ended one way or the other.
      const cancel = () => void this.virsh.run(['domjobabort', '--domain', name]).catch(() => undefined);
      bounded.addEventListener('abort', cancel, { once: true });
      const connection = this.connect(this.options.uri);
      try {
        await connection.run(['migrate', '--live', '--p2p', '--persistent', '--undefinesource', '--domain', name, '--desturi', destinationUri]);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.aborted) throw new DriverError('ResourceUnavailableError', `Migration of ${name} to ${destinationUri} did not finish within ${o.timeoutMs} ms; aborted`, true);
        throw err;
      } finally {
        bounded.removeEventListener('abort', cancel);
        if (connection !== this.virsh) await connection.close?.();
      }
    });
  }

  /**
   * Hot-change vCPUs (`setvcpus`) and memory (`setmem`, the balloon) of a running domain, live and in
   * its persistent definition, and its CPU weight. Both sizes are checked against the domain's
   * maximums first, so a refused scale changes nothing.
   */
  async scale(name: string, o: { cpuNumber: number; cpuSpeed: number; memory: number }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal);
      if (state === undefined) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.options.uri}`, false);
      if (powerStateOf(state) !== 'PowerOn') throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running (${state})`, false);
      const maxCpuNumber = Number((await this.virsh.run(['vcpucount', '--domain', name, '--maximum', '--live'], signal)).trim());
      const info = await this.virsh.run(['dominfo', '--domain', name], signal);
      const maxMemoryKiB = Number(/^Max memory:\s+(\d+)\s*KiB/m.exec(info)?.[1] ?? NaN);
      const memoryKiB = o.memory * 1024;
      if (o.cpuNumber > maxCpuNumber || memoryKiB > maxMemoryKiB) {
        throw new DriverError(
          'InvalidParameterError',
          `Domain ${name} can be scaled up to ${maxCpuNumber} vCPUs and ${Math.floor(maxMemoryKiB / 1024)} MiB while it runs, not ${o.cpuNumber} vCPUs and ${o.memory} MiB`,
          false,
        );
      }
      // --live and --config one at a time: some drivers refuse both flags together. A memory change
      // that fails after the vCPUs changed puts the vCPUs back, so a failed scale leaves the domain as it was.
      const vcpusBefore = (await this.virsh.run(['vcpucount', '--domain', name, '--current', '--live'], signal)).trim();
      for (const scope of ['--live', '--config']) {
        await this.virsh.run(['setvcpus', '--domain', name, '--count', String(o.cpuNumber), scope], signal);
        try {
          await this.virsh.run(['setmem', '--domain', name, '--size', `${memoryKiB}KiB`, scope], signal);
        } catch (err) {
          await this.virsh.run(['setvcpus', '--domain', name, '--count', vcpusBefore, scope]).catch(() => undefined);
          throw err;
        }
      }
      const shares = cpuShares(o);
      for (const scope of ['--live', '--config']) {
        try {
          await this.virsh.run(['schedinfo', '--domain', name, scope, '--set', `cpu_shares=${shares}`], signal);
        } catch (err) {
          // The weight is a share of contended CPU time, not the VM's size: without the tunable, the size still changed.
          if (!said(err, NO_SCHED_TUNABLE)) throw err;
        }
      }
    });
  }

  /**
   * After a failed or lost migration to this host: running here means it arrived; otherwise any
   * copy left here is undefined (its disks stay: they are the shared ones the source still uses).
   */
  async resolveIncoming(name: string, signal?: AbortSignal): Promise<'PowerOn' | 'PowerOff'> {
    return this.guard(async () => {
      validName('instance name', name);
      const state = await this.stateOf(name, signal, true);
      if (state === undefined) return 'PowerOff';
      if (state.startsWith('paused (migration)')) {
        throw new DriverError('ResourceUnavailableError', `The migration of ${name} to this host is still in progress`, true);
      }
      const power = powerStateOf(state.replace(/ \(.*\)$/, ''));
      if (power === 'PowerOn') return 'PowerOn';
      if (power === 'Unknown') throw new DriverError('ResourceUnavailableError', `Domain ${name} is in state ${state} here; not removing it`, true);
      try {
        await this.virsh.run(['undefine', '--domain', name, '--managed-save', '--snapshots-metadata'], signal);
      } catch (err) {
        if (!said(err, DOMAIN_MISSING)) throw err;
      }
      return 'PowerOff';
    });
  }

  /**
   * A libvirt internal snapshot: of the memory and disks of a running domain, of the disks of a
   * stopped one (never the other way round: the control plane refuses those). Made already: success.
   */
  async createSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      const running = await this.snapshotDomain(name, o, o.chain, signal, snapshot.name);
      if ((await this.snapshotNames(name, signal)).includes(snapshot.name)) return; // a repeat
      if (snapshot.memory !== running)
        throw new DriverError('InvalidParameterError', `Domain ${name} is ${running ? 'running: its snapshot includes memory' : 'shut off: it has no memory to snapshot'}`, false);
      await this.withDeviceFile(name, snapshotXml(snapshot), (file) => this.virsh.run(['snapshot-create', '--domain', name, '--xmlfile', file, '--atomic'], signal));
    });
  }

  /** Put the domain back to a snapshot: a memory one leaves it running, a disk-only one shut off. */
  async revertSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      await this.snapshotDomain(name, o, [...o.chain, snapshot], signal);
      await this.virsh.run(['snapshot-revert', '--domain', name, '--snapshotname', snapshot.name, ...(snapshot.memory ? ['--running'] : [])], signal);
    });
  }

  /** Delete a snapshot and its data (its children keep theirs); gone already: success. */
  async deleteSnapshot(name: string, snapshot: VmSnapshotSpec, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec; rollback?: boolean }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      // Defined here first when the VM moved since: its data is in the shared QCOW2 files all the same.
      // A rollback's snapshot may never have been made: only what this host has goes.
      if (o.rollback) await this.snapshotDomain(name, o, o.chain, signal, snapshot.name);
      else await this.snapshotDomain(name, o, [...o.chain, snapshot], signal);
      await this.deleteSnapshotNamed(name, snapshot.name, signal);
    });
  }


  /** The domain's XML as libvirt holds it, read through the driver's own connection. */
  /**
   * The nas provider's backup (CloudStack's nasbackup.sh, made safe): the repository mounted, a job or
   * a half-made directory left by an earlier attempt removed, then for a running domain `virsh
   * backup-begin` in push mode (guest filesystems frozen only while it begins; thawed and the domain
   * resumed in a finally, whatever fails) followed through `domjobinfo` until it completes, and for a
   * stopped one `qemu-img convert` of each file. The domain's definition is kept beside the copies.
   */
  async takeBackup(name: string, o: TakeBackupOptions, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<BackupTaken> {
    return this.guard(async () => {
      validName('instance name', name);
      const dir = join(await this.repositoryDir(o.repository, signal), o.path);
      const state = await this.stateOf(name, signal);
      const on = state !== undefined && powerStateOf(state) === 'PowerOn';
      if (o.running && !on) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not running at ${this.options.uri}`, false);
      if (!o.running && on) throw new DriverError('OperationRefusedError', `Domain ${name} runs at ${this.options.uri}, but the backup was asked for a stopped VM`, false);
      if (on) await this.abortBackupJob(name);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const files = o.disks.map((disk) => ({ disk, file: backupFileOf(disk) }));
      try {
        if (o.running) await this.pushBackup(name, dir, files, o.quiesce, onProgress, signal);
        else
          for (const [i, f] of files.entries()) {
            await this.convert(await this.volumePath(f.disk, false, signal), join(dir, f.file), signal);
            onProgress(Math.floor(((i + 1) * 100) / files.length));
          }
        const definition = await this.virsh.run(['dumpxml', '--domain', name, '--inactive'], signal).catch(() => '');
        await writeFile(join(dir, 'domain-config.xml'), definition);
        return { files: await Promise.all(files.map(async (f) => ({ volumeId: f.disk.volumeId, file: f.file, size: (await stat(join(dir, f.file))).size }))) };
      } catch (err) {
        if (on) await this.abortBackupJob(name).catch(() => undefined);
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Write volumes back from a backup: every copy staged beside its volume first (a failure while
   * copying changes nothing), then swapped in by renames, the old files kept until all are in and
   * put back if a swap fails.
   */
  async restoreBackup(name: string, o: { repository: BackupRepositorySpec; path: string; volumes: ReadonlyArray<{ file: string; disk: DiskSpec }> }, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      validName('instance name', name);
      const dir = join(await this.repositoryDir(o.repository, signal), o.path);
      if (!(await exists(join(dir, 'domain-config.xml')))) throw new DriverError('ResourceUnavailableError', `Backup ${o.path} is not in backup repository ${o.repository.address}`, false);
      const state = await this.stateOf(name, signal);
      if (state !== undefined && powerStateOf(state) === 'PowerOn') throw new DriverError('OperationRefusedError', `Domain ${name} is running at ${this.options.uri}: a backup is restored onto a stopped VM`, false);
      const staged: Array<{ target: string; copy: string }> = [];
      const swapped: Array<{ target: string; kept: string }> = [];
      try {
        for (const [i, v] of o.volumes.entries()) {
          const source = join(dir, v.file);
          if (!(await exists(source))) throw new DriverError('ResourceUnavailableError', `Backup ${o.path} has no copy of volume ${v.disk.volumeId} (${v.file})`, false);
          // Its file must be there: a host that does not reach the volume's pool never makes a new one to restore into.
          const target = await this.volumePath(v.disk, false, signal);
          staged.push({ target, copy: `${target}.restoring` });
          await this.convert(source, `${target}.restoring`, signal);
          onProgress(Math.floor(((i + 1) * 100) / o.volumes.length));
        }
        for (const { target, copy } of staged) {
          await rename(target, `${target}.pre-restore`);
          swapped.push({ target, kept: `${target}.pre-restore` });
          await rename(copy, target);
        }
      } catch (err) {
        for (const { target, kept } of swapped.reverse()) await rename(kept, target).catch(() => undefined);
        for (const { copy } of staged) await rm(copy, { force: true }).catch(() => undefined);
        throw err;
      }
      // Every volume is back: an old file that cannot be removed is left, never a failed restore.
      for (const { kept } of swapped) await rm(kept, { force: true }).catch(() => undefined);
      for (const pool of new Set(await Promise.all(o.volumes.map(async (v) => (await this.domainDisk(v.disk, undefined, signal)).pool))))
        await this.virsh.run(['pool-refresh', '--pool', pool], signal).catch(() => undefined); // libvirt sees the new files' sizes
    });
  }

  async deleteBackup(o: { repository: BackupRepositorySpec; path: string; instanceName?: string }, signal?: AbortSignal): Promise<void> {
    return this.guard(async () => {
      if (o.instanceName && (await this.stateOf(validName('instance name', o.instanceName), signal)) !== undefined) await this.abortBackupJob(o.instanceName);
      await rm(join(await this.repositoryDir(o.repository, signal), o.path), { recursive: true, force: true });
    });
  }

  /** The repository's size and use, as its filesystem tells them (CloudStack's GetBackupStorageStatsCommand runs `df` on the mount). */
  async measureBackupRepository(repository: BackupRepositorySpec, signal?: AbortSignal): Promise<{ capacityBytes: number; usedBytes: number }> {
    return this.guard(async () => {
      const fs = await statfs(await this.repositoryDir(repository, signal));
      return { capacityBytes: fs.blocks * fs.bsize, usedBytes: (fs.blocks - fs.bfree) * fs.bsize };
    });
  }

  /** The repository's directory here: a local directory address as it is, else mounted (mount -t nfs|cifs|ceph) under the mount root by its id. */
  private async repositoryDir(repository: BackupRepositorySpec, signal?: AbortSignal): Promise<string> {
    // A local directory (mounted by the operator); `//server/share` is a CIFS address, not one.
    if (repository.address.startsWith('/') && !repository.address.startsWith('//')) {
      await mkdir(repository.address, { recursive: true });
      return repository.address;
    }
    if (repository.address.startsWith('-') || repository.mountOptions.startsWith('-')) throw new DriverError('InvalidParameterError', `Invalid backup repository address or mount options: ${repository.address}`, false);
    const at = join(this.options.backupMountRoot ?? '/var/lib/stratus/backup-repositories', validName('backup repository', repository.id));
    const exec = this.options.exec ?? runCommandLine;
    const mounted = () => exec('mountpoint', ['-q', at], signal).then(() => true, () => false);
    // One mount at a time per repository (two backups starting together would both try it).
    const previous = this.mounting.get(repository.id) ?? Promise.resolve();
    const attempt = previous.catch(() => undefined).then(async () => {
      await mkdir(at, { recursive: true });
      if (await mounted()) return;
      try {
        await exec('mount', ['-t', repository.type, ...(repository.mountOptions ? ['-o', repository.mountOptions] : []), repository.address, at], signal);
      } catch (err) {
        if (await mounted()) return; // mounted meanwhile (by another agent process, by hand): what was wanted
        const why = `${(err as { stderr?: string }).stderr ?? (err as Error).message}`.trim().split('\n')[0];
        throw new DriverError('ResourceUnavailableError', `Cannot mount backup repository ${repository.address} (${repository.type}) at ${at}: ${why}`, true);
      }
    });
    this.mounting.set(repository.id, attempt);
    await attempt;
    return at;
  }

  /** The push-mode backup of a running domain, followed until its job ends; aborted with the signal. */
  private async pushBackup(name: string, dir: string, files: ReadonlyArray<{ disk: DiskSpec; file: string }>, quiesce: boolean, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<void> {
    const xmlFile = join(await this.scratchDir(), `${name}-backup-${randomBytes(4).toString('hex')}.xml`);
    await writeFile(xmlFile, pushBackupXml(files.map((f) => ({ target: targetDevice(f.disk.deviceId), file: join(dir, f.file) }))), { mode: 0o600 });
    const pausedBefore = (await this.stateOf(name, signal)) === 'paused';
    let failed: unknown;
    try {
      if (quiesce) {
        try {
          await this.virsh.run(['domfsfreeze', '--domain', name], signal);
        } catch (err) {
          throw new DriverError('ResourceUnavailableError', `Cannot freeze the guest filesystems of ${name} for a quiesced backup (is qemu-guest-agent running in it?): ${(err as Error).message}`, false);
        }
      }
      await this.virsh.run(['backup-begin', '--domain', name, '--backupxml', xmlFile], signal);
    } catch (err) {
      failed = err;
    } finally {
      // Never left paused or frozen, whatever failed (CloudStack's NAS backups could leave VMs paused):
      // resumed first (a paused guest cannot answer a thaw) unless it was paused before, then thawed
      // even when the freeze seemed to fail (it may have happened after virsh gave up waiting).
      if (!pausedBefore && (await this.stateOf(name).catch(() => undefined)) === 'paused') await this.virsh.run(['resume', '--domain', name]).catch(() => undefined);
      const thawed = quiesce ? await this.thaw(name) : true;
      await rm(xmlFile, { force: true });
      if (failed) throw failed;
      if (!thawed) throw new DriverError('ResourceUnavailableError', `The guest filesystems of ${name} could not be thawed after the backup began: thaw them with virsh domfsthaw ${name}`, false);
    }
    for (;;) {
      if (signal?.aborted) {
        await this.abortBackupJob(name);
        signal.throwIfAborted();
      }
      const job = parseDomJobInfo(await this.virsh.run(['domjobinfo', '--domain', name]));
      if (!jobRunning(job)) break;
      if (job.percent !== undefined) onProgress(job.percent);
      await sleep(this.options.backupPollMs ?? 1000, undefined, { signal }).catch(() => undefined);
    }
    const done = parseDomJobInfo(await this.virsh.run(['domjobinfo', '--domain', name, '--completed']));
    if (done.type !== 'Completed') throw new DriverError('ResourceUnavailableError', `The backup job of ${name} ended ${done.type}${done.error ? `: ${done.error}` : ''}`, true);
    onProgress(100);
  }

  /**
   * A backup job running on the domain (one this attempt started, or one a killed agent left) is
   * aborted and its end awaited; the guest is thawed whatever (a thaw of a guest not frozen is
   * harmless). A job that will not end is an error: the directory it writes must not be removed under it.
   */
  private async abortBackupJob(name: string): Promise<void> {
    let job = parseDomJobInfo(await this.virsh.run(['domjobinfo', '--domain', name]).catch(() => ''));
    if (jobRunning(job) && job.operation === 'Backup') {
      await this.virsh.run(['domjobabort', '--domain', name]).catch(() => undefined);
      for (let i = 0; i < 30 && jobRunning(job); i++) {
        await sleep(this.options.backupPollMs ?? 1000);
        job = parseDomJobInfo(await this.virsh.run(['domjobinfo', '--domain', name]).catch(() => ''));
      }
    }
    await this.thaw(name);
    if (jobRunning(job) && job.operation === 'Backup') throw new DriverError('ResourceUnavailableError', `The backup job of ${name} did not stop when aborted: abort it with virsh domjobabort ${name}`, true);
  }

  /** Thaw the guest's filesystems, tried three times: false when every try failed for another reason than a guest agent that is not there or not frozen. */
  private async thaw(name: string): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.virsh.run(['domfsthaw', '--domain', name]);
        return true;
      } catch (err) {
        // No guest agent at all: nothing can have been frozen through it.
        if (/guest agent is not (connected|configured|responding)|not supported|QEMU guest agent is not/i.test((err as Error).message)) return true;
        await sleep(200);
      }
    }
    return false;
  }

  /** A volume's file on this host (`create`: a volume restored as a new disk is made first, empty). */
  private async volumePath(disk: DiskSpec, create: boolean, signal?: AbortSignal): Promise<string> {
    const at = await this.domainDisk(disk, undefined, signal);
    if (create && (await this.volumeBytes(at.volume, signal, at.pool)) === undefined)
      await this.virsh.run(['vol-create-as', '--pool', at.pool, '--name', at.volume, '--capacity', String(disk.size), '--format', 'qcow2'], signal);
    try {
      return (await this.virsh.run(['vol-path', '--pool', at.pool, '--vol', at.volume], signal)).trim();
    } catch (err) {
      if (said(err, VOLUME_MISSING)) throw new DriverError('ResourceUnavailableError', `Volume ${disk.volumeId} has no file ${disk.path} in storage pool ${at.pool}`, false);
      throw err;
    }
  }

  /** One image copied to a standalone QCOW2 (`qemu-img convert`): a backup's copy, or a restore's. */
  private async convert(source: string, target: string, signal?: AbortSignal): Promise<void> {
    try {
      // The source's format is said, never probed: a guest-written header must not make qemu-img read other files.
      await (this.options.qemuImg ?? ((args, sig) => runCommandLine('qemu-img', args, sig)))(['convert', '-f', 'qcow2', '-O', 'qcow2', source, target], signal);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new DriverError('ResourceUnavailableError', 'qemu-img is not installed on this host: backups of stopped VMs and restores need it (install qemu-utils)', false);
      const why = `${(err as { stderr?: string }).stderr ?? (err as Error).message}`.trim().split('\n')[0];
      throw new DriverError('ResourceUnavailableError', `qemu-img convert ${source} to ${target} failed: ${why}`, true);
    }
  }

  async dumpXml(name: string): Promise<string> {
    return this.guard(() => this.virsh.run(['dumpxml', '--domain', validName('instance name', name)]));
  }

  /** Whether a volume is in the driver's storage pool (or the libvirt pool named). */
  async hasVolume(volume: string, pool = this.pool): Promise<boolean> {
    return (await this.volumeSize(volume, pool)) !== undefined;
  }

  /** A volume's capacity in bytes in the driver's storage pool (or the libvirt pool named), or undefined. */
  async volumeSize(volume: string, pool = this.pool): Promise<number | undefined> {
    return this.guard(() => this.volumeBytes(validName('volume name', volume), undefined, validName('storage pool', pool)));
  }

  /** End the virsh session and remove scratch files. */
  async close(): Promise<void> {
    await this.session?.close();
    const scratch = this.scratch;
    this.scratch = undefined;
    if (scratch) await rm(await scratch, { recursive: true, force: true });
  }

  private async guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      throw toDriverError(err);
    }
  }

  private async names(filter: string): Promise<string[]> {
    const out = await this.virsh.run(['list', '--all', '--name', filter]);
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  /** virsh's state word for a domain (with its reason when asked), or undefined when libvirt does not know it. */
  private async stateOf(name: string, signal?: AbortSignal, withReason = false, on: VirshRunner = this.virsh): Promise<string | undefined> {
    try {
      return (await on.run(['domstate', '--domain', name, ...(withReason ? ['--reason'] : [])], signal)).trim();
    } catch (err) {
      if (said(err, DOMAIN_MISSING)) return undefined;
      throw err;
    }
  }

  /** A domain's state on another host's libvirt (a migration's destination). */
  private async stateAt(uri: string, name: string): Promise<string | undefined> {
    const connection = this.connect(uri);
    try {
      return await this.stateOf(name, undefined, false, connection);
    } finally {
      if (connection !== this.virsh) await connection.close?.();
    }
  }

  private connect(uri: string): VirshRunner & { close?(): Promise<void> } {
    if (this.options.connect) return this.options.connect(uri);
    if (this.options.runner) return this.options.runner;
    return new VirshSession({ uri, virshPath: this.options.virshPath, commandTimeoutMs: this.options.commandTimeoutMs });
  }

  private async isOff(name: string, signal?: AbortSignal): Promise<boolean> {
    const state = await this.stateOf(name, signal);
    return state === undefined || powerStateOf(state) === 'PowerOff';
  }

  /** Run a power-off command; one that fails because the domain is already off (or gone) succeeded. */
  private async unlessOff(name: string, command: string[], signal?: AbortSignal): Promise<void> {
    try {
      await this.virsh.run(command, signal);
    } catch (err) {
      if (said(err, DOMAIN_MISSING) || (await this.isOff(name, signal))) return;
      throw err;
    }
  }

  private async volumeBytes(volume: string, signal?: AbortSignal, pool = this.pool): Promise<number | undefined> {
    try {
      const info = await this.virsh.run(['vol-info', '--pool', pool, '--vol', volume, '--bytes'], signal);
      const capacity = /^Capacity:\s+(\d+)\s*bytes/m.exec(info);
      if (!capacity) throw new DriverError('ResourceUnavailableError', `virsh vol-info ${volume}: no capacity in ${JSON.stringify(info.trim())}`, false);
      return Number(capacity[1]);
    } catch (err) {
      if (said(err, VOLUME_MISSING)) return undefined;
      throw err;
    }
  }

  /** Where a disk lives on this host, as the domain XML names it. */
  private async domainDisk(disk: DiskSpec, template: { format: 'qcow2' | 'raw' } | undefined, signal?: AbortSignal): Promise<DomainDisk> {
    const volume = validName('volume name', disk.path);
    // A VM made before storage keeps its old root disk: the template's format, in the default pool.
    if (!disk.pool) return { pool: this.pool, volume, format: disk.type === 'ROOT' && template ? template.format : 'qcow2', target: targetDevice(disk.deviceId) };
    return { pool: await this.ensurePool(disk.pool, signal), volume, format: 'qcow2', target: targetDevice(disk.deviceId) };
  }

  /** Backup repository id -> its last mount attempt: mounts of one repository never run at once. */
  private readonly mounting = new Map<string, Promise<void>>();

  /** Storage pool id -> its libvirt pool's name, once made sure of (a promise: disks of one start ask at once). */
  private readonly pools = new Map<string, Promise<string>>();

  /**
   * The libvirt pool standing for a storage pool: named by its id, defined (NFS mounted by libvirt,
   * a directory otherwise), built and started on first use and set to autostart; or the pool that
   * already uses the same directory on this host (libvirt allows one per directory).
   */
  private ensurePool(pool: PoolSpec, signal?: AbortSignal): Promise<string> {
    let known = this.pools.get(pool.id);
    if (!known) {
      known = this.makePool(pool, signal);
      known.catch(() => this.pools.delete(pool.id)); // asked again next time
      this.pools.set(pool.id, known);
    }
    return known;
  }

  private async makePool(pool: PoolSpec, signal?: AbortSignal): Promise<string> {
    const id = validName('storage pool', pool.id);
    if (!/^\/[A-Za-z0-9_.\/-]*$/.test(pool.path)) throw new DriverError('InvalidParameterError', `Invalid storage pool path ${JSON.stringify(pool.path)}`, false);
    let name = id;
    if ((await this.poolState(id, signal)) === undefined) {
      const definition =
        pool.type === 'NetworkFilesystem'
          ? ['--type', 'netfs', '--source-host', validName('NFS server', pool.host), '--source-path', pool.path, '--target', `/mnt/${id}`]
          : ['--type', 'dir', '--target', pool.path];
      try {
        await this.virsh.run(['pool-define-as', '--name', id, ...definition], signal);
        await this.virsh.run(['pool-build', '--pool', id], signal).catch(() => undefined); // the directory may exist
        await this.virsh.run(['pool-autostart', '--pool', id], signal).catch(() => undefined); // not every driver autostarts
      } catch (err) {
        const other = err instanceof VirshCommandError ? POOL_CONFLICT.exec(err.message)?.[1] : undefined;
        if (!other) throw err;
        name = validName('storage pool', other);
      }
    }
    if ((await this.poolState(name, signal)) !== 'running') {
      try {
        await this.virsh.run(['pool-start', '--pool', name], signal);
      } catch (err) {
        if (!said(err, ALREADY_ACTIVE)) throw err;
      }
    }
    return name;
  }

  private async poolState(name: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const info = await this.virsh.run(['pool-info', '--pool', name], signal);
      return /^State:\s+(\S+)/m.exec(info)?.[1];
    } catch (err) {
      if (said(err, POOL_MISSING)) return undefined;
      throw err;
    }
  }

  /**
   * Make a volume's file when missing: a ROOT volume as a QCOW2 overlay of the template (at least
   * the template's size), a data disk as a sparse QCOW2. A file found smaller than its volume is grown.
   */
  private async ensureVolume(disk: DiskSpec, at: DomainDisk, template: { format: 'qcow2' | 'raw'; volume: string } | undefined, spec: VmSpec | undefined, signal?: AbortSignal): Promise<void> {
    const now = await this.volumeBytes(at.volume, signal, at.pool);
    if (now !== undefined) {
      if (disk.pool && now < disk.size) await this.virsh.run(['vol-resize', '--pool', at.pool, '--vol', at.volume, '--capacity', String(disk.size)], signal);
      return;
    }
    if (disk.restoreFrom) {
      // A volume restored from a backup: made from the backup's copy, staged beside it and renamed in.
      const { repository, path, file } = disk.restoreFrom;
      const source = join(await this.repositoryDir(repository, signal), path, file);
      if (!(await exists(source))) throw new DriverError('ResourceUnavailableError', `Backup ${path} in backup repository ${repository.address} has no copy ${file} to make volume ${disk.volumeId} from`, false);
      // Copied under a staging name and renamed in: the volume exists only once its copy is whole, so
      // a copy cut short leaves no empty disk that a later attach or start would take as made.
      const staging = `${at.volume}.restoring`;
      await this.virsh.run(['vol-delete', '--pool', at.pool, '--vol', staging], signal).catch(() => undefined);
      await this.virsh.run(['vol-create-as', '--pool', at.pool, '--name', staging, '--capacity', String(disk.size), '--format', 'qcow2'], signal);
      const stagingPath = (await this.virsh.run(['vol-path', '--pool', at.pool, '--vol', staging], signal)).trim();
      await this.convert(source, stagingPath, signal);
      await rename(stagingPath, join(dirname(stagingPath), at.volume));
      await this.virsh.run(['pool-refresh', '--pool', at.pool], signal).catch(() => undefined);
      return;
    }
    if (disk.type !== 'ROOT' || !template) {
      await this.virsh.run(['vol-create-as', '--pool', at.pool, '--name', at.volume, '--capacity', String(disk.size), '--format', 'qcow2'], signal);
      return;
    }
    // A template this host does not have yet is fetched from its URL first (one fetch per image).
    let capacity = await this.volumeBytes(template.volume, signal);
    if (capacity === undefined && spec) {
      const image: ImageSpec = { id: spec.template.id, url: spec.template.url, format: template.format === 'raw' ? 'RAW' : 'QCOW2', ...(spec.template.checksum ? { checksum: spec.template.checksum } : {}) };
      capacity = (
        await this.fetchImageOnce(image, () => undefined, signal).catch((err: Error) => {
          const retryable = err instanceof DriverError ? err.retryable : true;
          throw new DriverError('ResourceUnavailableError', `Template ${spec.template.id} is not in storage pool ${this.pool}: expected volume ${template.volume}, and fetching it from ${spec.template.url} failed: ${err.message}`, retryable);
        })
      ).size;
    }
    if (capacity === undefined) throw new DriverError('ResourceUnavailableError', `Template of volume ${disk.volumeId} is not in storage pool ${this.pool}: expected volume ${template.volume}`, false);
    if (!disk.pool && template.format === 'raw') {
      await this.virsh.run(['vol-clone', '--pool', this.pool, '--vol', template.volume, '--newname', at.volume], signal);
      return;
    }
    // Backed by the template's file wherever the volume's pool is: the overlay names it by path.
    const backing = at.pool === this.pool ? template.volume : (await this.virsh.run(['vol-path', '--pool', this.pool, '--vol', template.volume], signal)).trim();
    await this.virsh.run(
      ['vol-create-as', '--pool', at.pool, '--name', at.volume, '--capacity', String(Math.max(capacity, disk.pool ? disk.size : 0)), '--format', 'qcow2', '--backing-vol', backing, '--backing-vol-format', template.format],
      signal,
    );
  }

  private async removeVolume(disk: DiskSpec, signal?: AbortSignal): Promise<void> {
    const at = await this.domainDisk(disk, undefined, signal);
    try {
      await this.virsh.run(['vol-delete', '--pool', at.pool, '--vol', at.volume], signal);
    } catch (err) {
      if (!said(err, VOLUME_MISSING)) throw err;
    }
  }

  /** A device's XML through a private scratch file, for attach-device and detach-device. */
  private async withDeviceFile(name: string, xml: string, run: (file: string) => Promise<unknown>): Promise<void> {
    const file = join(await this.scratchDir(), `${name}-dev-${randomBytes(4).toString('hex')}.xml`);
    await writeFile(file, xml, { mode: 0o600 });
    try {
      await run(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  private scratchDir(): Promise<string> {
    this.scratch ??= mkdtemp(join(tmpdir(), 'stratus-libvirt-')).catch((err: unknown) => {
      this.scratch = undefined;
      throw err;
    });
    return this.scratch;
  }

  /** The domain as its spec has it (volumes made first when missing), defined, not started. */
  private async defineDomain(spec: VmSpec, signal?: AbortSignal): Promise<void> {
    const name = validName('instance name', spec.instanceName);
    const template = templateDisk(spec);
    const disks = await Promise.all(spec.disks.map((d) => this.domainDisk(d, template, signal)));
    // Its CD-ROM's ISO, fetched first when this host lacks it.
    const cdromPath = spec.iso ? await this.isoPath(spec.iso, signal) : undefined;
    // Built before anything is made: a spec that cannot become a domain fails with nothing changed.
    domainXml(spec, { uuid: domainUuid(spec.vmId), disks, nicSource: this.nicSource, cdromPath });
    for (const [i, disk] of spec.disks.entries()) await this.ensureVolume(disk, disks[i], template, spec, signal);
    const configDrivePath = spec.guest ? await this.writeConfigDrive(name, spec.guest, disks[0]!.pool, signal) : undefined;
    await this.define(name, domainXml(spec, { uuid: domainUuid(spec.vmId), disks, nicSource: this.nicSource, cdromPath, configDrivePath }), signal);
  }

  /**
   * The domain's config drive, made anew (its user data and keys as the control plane has them now):
   * an ISO labelled config-2 built with genisoimage, kept as a volume of its ROOT disk's pool, so a
   * live migration finds it at the same path on shared storage. Built beside it and renamed in.
   */
  private async writeConfigDrive(name: string, guest: GuestData, pool: string, signal?: AbortSignal): Promise<string> {
    const volume = configDriveVolume(name);
    if ((await this.volumeBytes(volume, signal, pool)) === undefined)
      await this.virsh.run(['vol-create-as', '--pool', pool, '--name', volume, '--capacity', '1', '--format', 'raw'], signal);
    const path = (await this.virsh.run(['vol-path', '--pool', pool, '--vol', volume], signal)).trim();
    const dir = await mkdtemp(join(await this.scratchDir(), `${name}-configdrive-`));
    try {
      for (const [file, content] of configDriveFiles(guest)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), content, { mode: 0o600 });
      }
      const staged = `${path}.new`;
      const exec = this.options.exec ?? runCommandLine;
      try {
        await exec('genisoimage', ['-quiet', '-o', staged, '-V', CONFIG_DRIVE_LABEL, '-J', '-R', '-input-charset', 'utf-8', dir], signal);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') throw new DriverError('ResourceUnavailableError', 'genisoimage is not installed on this host: VMs get their user data and SSH keys from a config drive it builds (install genisoimage)', false);
        throw new DriverError('ResourceUnavailableError', `Building the config drive of ${name} failed: ${`${(err as { stderr?: string }).stderr ?? (err as Error).message}`.trim().split('\n')[0]}`, true);
      }
      await rename(staged, path);
      await this.virsh.run(['pool-refresh', '--pool', pool], signal).catch(() => undefined);
      return path;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The names of a domain's snapshots libvirt knows here. */
  private async snapshotNames(name: string, signal?: AbortSignal): Promise<string[]> {
    const out = await this.virsh.run(['snapshot-list', '--domain', name, '--name'], signal);
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  /**
   * Make this host's snapshots of a domain those the control plane keeps (`keep`, oldest first):
   * ones it knows of no more (discarded, or half-made by a failed create) are deleted with their
   * data; ones defined on another host (the VM moved, its disks are shared) are defined here again
   * (`--redefine`: the data is already in the QCOW2 files).
   */
  private async reconcileSnapshots(name: string, keep: readonly VmSnapshotSpec[], signal?: AbortSignal, making?: string): Promise<void> {
    const here = await this.snapshotNames(name, signal);
    const wanted = new Set([...keep.map((k) => k.name), ...(making ? [making] : [])]); // the one a create makes: a repeat finds it
    for (const stray of here.filter((n) => !wanted.has(n))) await this.deleteSnapshotNamed(name, stray, signal);
    // Parents before children (libvirt defines a child only under a parent it knows).
    const missing = keep.filter((k) => !here.includes(k.name)).sort((a, b) => a.created - b.created);
    if (missing.length === 0) return;
    const domain = await this.virsh.run(['dumpxml', '--domain', name, '--inactive'], signal);
    for (const snapshot of missing) {
      const parent = snapshot.parent && wanted.has(snapshot.parent) ? snapshot.parent : undefined;
      const xml = snapshotXml({ ...snapshot, parent }, domain);
      await this.withDeviceFile(name, xml, (file) => this.virsh.run(['snapshot-create', '--domain', name, '--xmlfile', file, '--redefine'], signal));
    }
  }

  private async deleteSnapshotNamed(name: string, snapshot: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.virsh.run(['snapshot-delete', '--domain', name, '--snapshotname', snapshot], signal);
    } catch (err) {
      if (said(err, SNAPSHOT_MISSING)) return;
      // Metadata whose data is not in the disks (a half-made snapshot): the metadata alone goes, or it would wedge every later command.
      try {
        await this.virsh.run(['snapshot-delete', '--domain', name, '--snapshotname', snapshot, '--metadata'], signal);
      } catch {
        throw err;
      }
    }
  }

  /** A VM snapshot command's domain: defined from its spec when given (a stopped VM), its snapshots made the control plane's. */
  private async snapshotDomain(name: string, o: { chain: readonly VmSnapshotSpec[]; spec?: VmSpec }, keep: readonly VmSnapshotSpec[], signal?: AbortSignal, making?: string): Promise<boolean> {
    validName('instance name', name);
    if (o.spec) await this.defineDomain(o.spec, signal);
    const state = await this.stateOf(name, signal);
    if (state === undefined) throw new DriverError('ResourceUnavailableError', `Domain ${name} is not defined on ${this.options.uri}`, false);
    await this.reconcileSnapshots(name, keep, signal, making);
    return powerStateOf(state) === 'PowerOn';
  }

  /** `virsh define` reads a file: the XML goes through a private scratch file, never the command line. */
  private async define(name: string, xml: string, signal?: AbortSignal): Promise<void> {
    const file = join(await this.scratchDir(), `${name}-${randomBytes(4).toString('hex')}.xml`);
    await writeFile(file, xml, { mode: 0o600 });
    try {
      await this.virsh.run(['define', '--file', file], signal);
    } finally {
      await rm(file, { force: true });
    }
  }
}
