import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DomainPowerState, HostFacts, VmSpec } from '../../core/agent-protocol';
import type { PowerState } from '../../core/entities';
import { DriverError, type HypervisorDriver } from './driver';
import { domainUuid, domainXml, validName, type NicSource } from './libvirt-xml';
import { VirshCommandError, VirshSession, type VirshRunner } from './virsh-session';

/**
 * The driver for KVM hosts, through libvirt. It talks to libvirt with one long-lived virsh session
 * (virsh-session.ts), so CI runs it unchanged against libvirt's test:/// driver.
 *
 * Disks: each VM gets one root volume `<instance name>-root` in the storage pool. A QCOW2 template
 * gives a copy-on-write overlay backed by the template's volume; a RAW template is cloned. The
 * template must already be a volume of that pool named `template-<template id>.qcow2` (or `.raw`):
 * the agent does not download template images.
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
}

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
const TRANSIENT = /failed to connect|no valid connection|end of file while reading|cannot recv data|cannot write data|client socket is closed|connection (reset|refused|closed)|broken pipe|timed out during operation|cannot acquire state change lock/i;
const NO_ROOM = /cannot allocate memory|out of memory|insufficient (free )?memory|no space left on device/i;

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
    return new DriverError('ResourceUnavailableError', message, false);
  }
  return new DriverError('ResourceUnavailableError', err instanceof Error ? err.message : String(err), true);
}

function templateDisk(spec: VmSpec): { format: 'qcow2' | 'raw'; volume: string } {
  const format = spec.template.format.toLowerCase();
  if (format !== 'qcow2' && format !== 'raw') {
    throw new DriverError('InvalidParameterError', `The libvirt driver boots QCOW2 and RAW templates, not ${spec.template.format}`, false);
  }
  return { format, volume: validName('template volume', `template-${spec.template.id}.${format}`) };
}

function rootVolume(instanceName: string): string {
  return `${instanceName}-root`;
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
      if (!(cpuNumber > 0 && cpuSpeed > 0 && memoryKiB > 0)) {
        throw new DriverError('ResourceUnavailableError', `libvirt's node info lacks CPU count, speed or memory: ${info.trim()}`, false);
      }
      return {
        hostname,
        hypervisor: 'KVM',
        cpuNumber,
        cpuSpeed,
        memoryTotal: Math.floor(memoryKiB / 1024),
        ipAddress: this.options.ipAddress ?? firstIpv4(),
        agentVersion: LIBVIRT_DRIVER_VERSION,
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
      // Built first: a spec that cannot become a domain fails before anything changes on the host.
      const xml = domainXml(spec, {
        uuid: domainUuid(spec.vmId),
        pool: this.pool,
        volume: rootVolume(name),
        diskFormat: template.format,
        nicSource: this.nicSource,
      });
      const state = await this.stateOf(name, signal);
      if (state !== undefined && powerStateOf(state) === 'PowerOn') return;
      await this.ensureRootVolume(name, template, spec, signal);
      await this.define(name, xml, signal); // redefined each start: a changed offering takes effect
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

  async undefine(name: string, o: { removeDisks: boolean }, signal?: AbortSignal): Promise<void> {
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
      // Also when the domain is already gone: a retry after a failed delete still removes the disk.
      if (o.removeDisks) {
        try {
          await this.virsh.run(['vol-delete', '--pool', this.pool, '--vol', rootVolume(name)], signal);
        } catch (err) {
          if (!said(err, VOLUME_MISSING)) throw err;
        }
      }
    });
  }

  /** The domain's XML as libvirt holds it, read through the driver's own connection. */
  async dumpXml(name: string): Promise<string> {
    return this.guard(() => this.virsh.run(['dumpxml', '--domain', validName('instance name', name)]));
  }

  /** Whether a volume is in the driver's storage pool. */
  async hasVolume(volume: string): Promise<boolean> {
    return this.guard(async () => (await this.volumeBytes(validName('volume name', volume))) !== undefined);
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

  /** virsh's state word for a domain, or undefined when libvirt does not know it. */
  private async stateOf(name: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return (await this.virsh.run(['domstate', '--domain', name], signal)).trim();
    } catch (err) {
      if (said(err, DOMAIN_MISSING)) return undefined;
      throw err;
    }
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

  private async volumeBytes(volume: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const info = await this.virsh.run(['vol-info', '--pool', this.pool, '--vol', volume, '--bytes'], signal);
      const capacity = /^Capacity:\s+(\d+)\s*bytes/m.exec(info);
      if (!capacity) throw new DriverError('ResourceUnavailableError', `virsh vol-info ${volume}: no capacity in ${JSON.stringify(info.trim())}`, false);
      return Number(capacity[1]);
    } catch (err) {
      if (said(err, VOLUME_MISSING)) return undefined;
      throw err;
    }
  }

  private async ensureRootVolume(name: string, template: { format: 'qcow2' | 'raw'; volume: string }, spec: VmSpec, signal?: AbortSignal): Promise<void> {
    const root = rootVolume(name);
    if ((await this.volumeBytes(root, signal)) !== undefined) return; // a restart keeps its disk
    const capacity = await this.volumeBytes(template.volume, signal);
    if (capacity === undefined) {
      throw new DriverError(
        'ResourceUnavailableError',
        `Template ${spec.template.id} is not in storage pool ${this.pool}: expected volume ${template.volume} (from ${spec.template.url})`,
        false,
      );
    }
    if (template.format === 'qcow2') {
      await this.virsh.run(
        ['vol-create-as', '--pool', this.pool, '--name', root, '--capacity', String(capacity), '--format', 'qcow2', '--backing-vol', template.volume, '--backing-vol-format', 'qcow2'],
        signal,
      );
    } else {
      await this.virsh.run(['vol-clone', '--pool', this.pool, '--vol', template.volume, '--newname', root], signal);
    }
  }

  /** `virsh define` reads a file: the XML goes through a private scratch file, never the command line. */
  private async define(name: string, xml: string, signal?: AbortSignal): Promise<void> {
    this.scratch ??= mkdtemp(join(tmpdir(), 'stratus-libvirt-')).catch((err: unknown) => {
      this.scratch = undefined;
      throw err;
    });
    const file = join(await this.scratch, `${name}-${randomBytes(4).toString('hex')}.xml`);
    await writeFile(file, xml, { mode: 0o600 });
    try {
      await this.virsh.run(['define', '--file', file], signal);
    } finally {
      await rm(file, { force: true });
    }
  }
}
