import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmSpec } from '../../../../core/agent-protocol';
import { emptyQcow2, startImageServer } from '../../../../local/image-server';
import { DriverError } from '../../../../agent/drivers/driver';
import { LibvirtDriver, powerStateOf, toDriverError } from '../../../../agent/drivers/libvirt';
import { quoteVirshArg, VirshCommandError, type VirshRunner } from '../../../../agent/drivers/virsh-session';

/**
 * What libvirt's test driver cannot show: a guest that ignores the ACPI shutdown (its shutdown is
 * instant), and libvirt failures. A fake VirshRunner answers each command as a scripted host would.
 */
class ScriptedVirsh implements VirshRunner {
  readonly commands: string[] = [];
  constructor(private readonly answer: (command: string) => string) {}
  async run(args: readonly string[]): Promise<string> {
    const command = args.join(' ');
    this.commands.push(command);
    return this.answer(command);
  }
}

const fail = (command: string, ...errors: string[]): never => {
  throw new VirshCommandError(command, errors);
};

const spec: VmSpec = {
  vmId: 'vm-1',
  instanceName: 'i-2-1-VM',
  displayName: 'web',
  cpuNumber: 1,
  cpuSpeed: 1000,
  memory: 512,
  template: { id: 'tpl-1', url: 'http://images.example/t.qcow2', format: 'QCOW2' },
  nics: [],
  disks: [{ volumeId: 'vol-1', type: 'ROOT', deviceId: 0, path: 'i-2-1-VM-root', size: 1 }],
};

describe('LibvirtDriver with a scripted virsh', () => {
  const drivers: LibvirtDriver[] = [];
  const driverWith = (options: ConstructorParameters<typeof LibvirtDriver>[0]) => {
    const d = new LibvirtDriver(options);
    drivers.push(d);
    return d;
  };

  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close())); // removes the scratch XML directory
  });

  it('hot-plugs a volume live and persistently after making its file, and unplugs it; each once', async () => {
    // Prepare: a running domain whose definition gains the disk after the attach
    let attached = false;
    const pool = { id: 'p-1', type: 'NetworkFilesystem' as const, host: 'nfs1', path: '/export/p1' };
    const disk = { volumeId: 'v-1', type: 'DATADISK' as const, deviceId: 2, path: 'vol-1', size: 1024 };
    const virsh: ScriptedVirsh = new ScriptedVirsh((c): string => {
      if (c.startsWith('domstate')) return 'running\n';
      if (c.startsWith('pool-info')) return c.includes('--pool p-1') && !virsh.commands.some((x) => x.startsWith('pool-define-as')) ? fail(c, 'error: failed to get pool') : 'State:          running\n';
      if (c.startsWith('vol-info')) return virsh.commands.some((x) => x.startsWith('vol-create-as')) ? 'Capacity:       1024 bytes\n' : fail(c, 'error: Storage volume not found: no storage vol with matching path');
      if (c.startsWith('dumpxml')) return attached ? "<disk><source pool='p-1' volume='vol-1'/></disk>" : '<domain/>';
      if (c.startsWith('attach-device')) attached = true;
      if (c.startsWith('detach-device')) attached = false;
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act
    await driver.attachVolume('i-2-1-VM', { ...disk, pool });
    await driver.attachVolume('i-2-1-VM', { ...disk, pool });
    await driver.detachVolume('i-2-1-VM', { ...disk, pool });
    await driver.detachVolume('i-2-1-VM', { ...disk, pool });

    // Assess: an NFS pool mounted by libvirt under /mnt/<id>, the file made once, one attach and one detach
    const said = (prefix: string) => virsh.commands.filter((c) => c.startsWith(prefix));
    expect(said('pool-define-as')).toEqual(['pool-define-as --name p-1 --type netfs --source-host nfs1 --source-path /export/p1 --target /mnt/p-1']);
    expect(said('vol-create-as')).toEqual(['vol-create-as --pool p-1 --name vol-1 --capacity 1024 --format qcow2']);
    expect(said('attach-device').map((c) => c.replace(/--file \S+/, '--file F'))).toEqual(['attach-device --domain i-2-1-VM --file F --live --config']);
    expect(said('detach-device').map((c) => c.replace(/--file \S+/, '--file F'))).toEqual(['detach-device --domain i-2-1-VM --file F --live --config']);
  });

  it('checks a disk image to import: its virtual size; refused when missing, raw, an overlay, a domain here has it, a QEMU holds its lock, or its data is elsewhere', async () => {
    // Prepare: a pool with four files and one domain whose definition names one of them
    const pool = { id: 'p-2', type: 'SharedMountPoint' as const, host: 'localhost', path: '/srv/p2' };
    const volumeXml = (name: string, format: string, backing = '') =>
      `<volume type='file'><name>${name}</name><capacity unit='bytes'>5368709120</capacity><target><path>/srv/p2/${name}</path><format type='${format}'/></target>${backing ? `<backingStore><path>${backing}</path><format type='qcow2'/></backingStore>` : ''}</volume>`;
    const files: Record<string, string> = {
      'old.qcow2': volumeXml('old.qcow2', 'qcow2'),
      'raw.img': volumeXml('raw.img', 'raw'),
      'overlay.qcow2': volumeXml('overlay.qcow2', 'qcow2', '/srv/p2/base.qcow2'),
      'taken.qcow2': volumeXml('taken.qcow2', 'qcow2'),
      'running.qcow2': volumeXml('running.qcow2', 'qcow2'),
      'external.qcow2': volumeXml('external.qcow2', 'qcow2'),
    };
    // qemu-img: a running QEMU elsewhere holds one image's lock; another keeps its data in a host file.
    const qemuImg = async (args: readonly string[]) => {
      const file = args.at(-1)!;
      if (file.endsWith('running.qcow2')) throw Object.assign(new Error('exit 1'), { stderr: `qemu-img: Could not open '${file}': Failed to get shared "write" lock\nIs another process using the image [${file}]?\n` });
      if (file.endsWith('external.qcow2')) return JSON.stringify({ format: 'qcow2', 'virtual-size': 5368709120, 'format-specific': { type: 'qcow2', data: { compat: '1.1', 'data-file': '/var/lib/libvirt/images/other-vm.raw' } } });
      return JSON.stringify({ format: 'qcow2', 'virtual-size': 5368709120, 'format-specific': { type: 'qcow2', data: { compat: '1.1' } } });
    };
    const virsh: ScriptedVirsh = new ScriptedVirsh((c): string => {
      if (c.startsWith('pool-info')) return 'State:          running\n';
      if (c.startsWith('vol-dumpxml')) return files[c.split(' ').at(-1)!] ?? fail(c, 'error: Storage volume not found: no storage vol with matching path');
      if (c.startsWith('list --all --name --state-shutoff')) return 'legacy-web\n';
      if (c.startsWith('dumpxml --domain legacy-web')) return "<domain><name>legacy-web</name><devices><disk type='file' device='disk'><source file='/srv/p2/taken.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>";
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh, qemuImg });

    // Act and assess
    await expect(driver.checkVolume(pool, 'old.qcow2')).resolves.toEqual({ size: 5368709120, format: 'qcow2' });
    await expect(driver.checkVolume(pool, 'gone.qcow2')).rejects.toMatchObject({ name: 'InvalidParameterError', message: 'Disk image gone.qcow2 is not found in storage pool /srv/p2 at test:///fake', retryable: false });
    await expect(driver.checkVolume(pool, 'raw.img')).rejects.toMatchObject({ name: 'InvalidParameterError', message: expect.stringContaining('is raw, not QCOW2') });
    await expect(driver.checkVolume(pool, 'overlay.qcow2')).rejects.toMatchObject({ name: 'InvalidParameterError', message: expect.stringContaining('has a backing file (/srv/p2/base.qcow2)') });
    await expect(driver.checkVolume(pool, 'taken.qcow2')).rejects.toMatchObject({ name: 'InvalidParameterError', message: 'Disk image is already in use: domain legacy-web at test:///fake has it' });
    await expect(driver.checkVolume(pool, 'running.qcow2')).rejects.toMatchObject({ name: 'InvalidParameterError', message: `Disk image is already in use: qemu-img: Could not open '/srv/p2/running.qcow2': Failed to get shared "write" lock` });
    await expect(driver.checkVolume(pool, 'external.qcow2')).rejects.toMatchObject({ name: 'InvalidParameterError', message: 'Disk image external.qcow2 keeps its data in an external file (/var/lib/libvirt/images/other-vm.raw): only self-contained QCOW2 images are imported' });
    await expect(driver.checkVolume(pool, '../etc/passwd')).rejects.toMatchObject({ name: 'InvalidParameterError' });
    // Files copied in by hand are seen: the pool is refreshed before each look.
    expect(virsh.commands.filter((c) => c.startsWith('pool-refresh'))).toHaveLength(7);
  });

  it('grows a disk in use with blockresize, refuses to shrink it, and resizes a file not in use with vol-resize', async () => {
    // Prepare
    const disk = { volumeId: 'v-1', type: 'DATADISK' as const, deviceId: 1, path: 'vol-1', size: 2048, pool: { id: 'p-1', type: 'SharedMountPoint' as const, host: 'localhost', path: '/srv/p1' } };
    const running = new Set(['i-2-1-VM']);
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return running.has(c.split(' ')[2]) ? 'running\n' : fail(c, 'error: failed to get domain');
      if (c.startsWith('pool-info')) return 'State:          running\n';
      if (c.startsWith('vol-info')) return 'Capacity:       1024 bytes\n';
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act
    await driver.resizeVolume(disk, { shrink: false, instanceName: 'i-2-1-VM' });
    const shrinkLive = driver.resizeVolume({ ...disk, size: 512 }, { shrink: true, instanceName: 'i-2-1-VM' });
    const shrinkUnasked = driver.resizeVolume({ ...disk, size: 512 }, { shrink: false });
    await expect(shrinkLive).rejects.toMatchObject({ name: 'InvalidParameterError' });
    await expect(shrinkUnasked).rejects.toMatchObject({ name: 'InvalidParameterError' });
    await driver.resizeVolume({ ...disk, size: 512 }, { shrink: true });

    // Assess
    expect(virsh.commands.filter((c) => c.startsWith('blockresize'))).toEqual(['blockresize --domain i-2-1-VM --path vdb --size 2048B']);
    expect(virsh.commands.filter((c) => c.startsWith('vol-resize'))).toEqual(['vol-resize --pool p-1 --vol vol-1 --capacity 512 --shrink']);
  });

  it('fails a graceful stop the guest ignores, after the timeout, as the simulator does', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => (c.startsWith('domstate') ? 'running\n' : ''));
    const driver = driverWith({ uri: 'test:///fake', runner: virsh, shutdownPollMs: 10 });

    // Act
    const stopped = driver.stop('i-2-1-VM', { force: false, timeoutMs: 60 }, undefined);

    // Assess
    await expect(stopped).rejects.toEqual(new DriverError('ResourceUnavailableError', 'Domain i-2-1-VM did not shut down within 60 ms', true));
    await expect(stopped).rejects.toMatchObject({ retryable: true });
    expect(virsh.commands.filter((c) => c.startsWith('shutdown'))).toEqual(['shutdown --domain i-2-1-VM']);
    expect(virsh.commands).not.toContain('destroy --domain i-2-1-VM');
    expect(virsh.commands.filter((c) => c.startsWith('domstate')).length).toBeGreaterThan(2);
  });

  it('waits through `in shutdown` until the guest is off', async () => {
    // Prepare
    const states = ['running', 'in shutdown', 'in shutdown', 'shut off'];
    const virsh = new ScriptedVirsh((c) => (c.startsWith('domstate') ? `${states.shift() ?? 'shut off'}\n` : ''));
    const driver = driverWith({ uri: 'test:///fake', runner: virsh, shutdownPollMs: 5 });

    // Act
    await driver.stop('i-2-1-VM', { force: false, timeoutMs: 5_000 });

    // Assess
    expect(states).toEqual([]);
    expect(virsh.commands).toEqual(['domstate --domain i-2-1-VM', 'shutdown --domain i-2-1-VM', 'domstate --domain i-2-1-VM', 'domstate --domain i-2-1-VM', 'domstate --domain i-2-1-VM']);
  });

  it('powers off at once when forced', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => (c.startsWith('domstate') ? 'running\n' : ''));
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act
    await driver.stop('i-2-1-VM', { force: true, timeoutMs: 1 });

    // Assess
    expect(virsh.commands).toEqual(['domstate --domain i-2-1-VM', 'destroy --domain i-2-1-VM']);
  });

  it('counts a power-off that lost the race to the guest as done', async () => {
    // Prepare
    const states = ['running', 'shut off'];
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return `${states.shift()}\n`;
      return fail('destroy', "Failed to destroy domain 'i-2-1-VM'", 'Requested operation is not valid: domain is not running');
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act / Assess
    await expect(driver.stop('i-2-1-VM', { force: true, timeoutMs: 1 })).resolves.toBeUndefined();
  });

  it('reports a start that runs out of host memory as InsufficientCapacityError', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return fail('domstate', "failed to get domain 'i-2-1-VM'");
      if (c.startsWith('vol-info')) return 'Name: x\nCapacity:       1073741824 bytes\n';
      if (c.startsWith('start')) return fail('start', "Failed to start domain 'i-2-1-VM'", 'internal error: process exited while connecting to monitor: cannot set up guest memory: Cannot allocate memory');
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act / Assess
    await expect(driver.start(spec)).rejects.toMatchObject({ name: 'InsufficientCapacityError', retryable: false });
  });

  it('fails a start whose template is neither in the pool nor fetchable, naming the volume it looked for', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return fail('domstate', "failed to get domain 'i-2-1-VM'");
      if (c.startsWith('vol-info')) return fail('vol-info', "failed to get vol 'x'", 'Storage volume not found: no storage vol with matching path');
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh, storagePool: 'images' });

    // Act
    const started = driver.start(spec);

    // Assess
    await expect(started).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
    await expect(started).rejects.toThrow('Template tpl-1 is not in storage pool images: expected volume template-tpl-1.qcow2');
    expect(virsh.commands.some((c) => c.startsWith('define') || c.startsWith('vol-create'))).toBe(false);
  });

  it('refuses an ISO template and a hostile instance name before it runs anything', async () => {
    // Prepare
    const virsh = new ScriptedVirsh(() => '');
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });

    // Act / Assess
    await expect(driver.start({ ...spec, template: { ...spec.template, format: 'ISO' } })).rejects.toMatchObject({ name: 'InvalidParameterError', retryable: false });
    await expect(driver.start({ ...spec, instanceName: 'x; destroy --domain other' })).rejects.toMatchObject({ name: 'InvalidParameterError' });
    await expect(driver.stop('--all', { force: true, timeoutMs: 1 })).rejects.toMatchObject({ name: 'InvalidParameterError' });
    expect(virsh.commands).toEqual([]);
  });

  it('refuses a storage pool name that is not a plain name', () => {
    expect(() => new LibvirtDriver({ uri: 'test:///fake', runner: new ScriptedVirsh(() => ''), storagePool: 'a b' })).toThrow(DriverError);
  });

  it('fetches the template of a start from its URL when the host lacks it, then backs the ROOT overlay with it', async () => {
    // Prepare: the template is in no pool yet; the domain is not defined
    const dir = mkdtempSync(join(tmpdir(), 'stratus-pool-'));
    const server = await startImageServer({ images: { 't.qcow2': emptyQcow2(2 ** 30) } });
    const virsh: ScriptedVirsh = new ScriptedVirsh((c): string => {
      if (c.startsWith('domstate')) return virsh.commands.some((x) => x.startsWith('start')) ? 'running\n' : fail(c, "failed to get domain 'i-2-1-VM'");
      if (c.startsWith('vol-info --pool default --vol template-tpl-1.qcow2')) return virsh.commands.some((x) => x.startsWith('pool-refresh')) ? 'Capacity:       1073741824 bytes\n' : fail(c, 'error: Storage volume not found: no storage vol with matching path');
      if (c.startsWith('vol-info')) return virsh.commands.some((x) => x.startsWith('vol-create-as')) ? 'Capacity:       1073741824 bytes\n' : fail(c, 'error: Storage volume not found: no storage vol with matching path');
      if (c.startsWith('pool-dumpxml')) return `<pool><target><path>${dir}</path></target></pool>`;
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });
    try {
      // Act
      await driver.start({ ...spec, template: { ...spec.template, url: server.url('t.qcow2') } });
      // Assert: fetched into the pool's directory before the overlay was made on it
      expect(readdirSync(dir)).toEqual(['template-tpl-1.qcow2']);
      const refresh = virsh.commands.findIndex((c) => c.startsWith('pool-refresh'));
      const overlay = virsh.commands.findIndex((c) => c.startsWith('vol-create-as') && c.includes('--backing-vol template-tpl-1.qcow2'));
      expect(refresh).toBeGreaterThanOrEqual(0);
      expect(overlay).toBeGreaterThan(refresh);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('downloads a registered image into the default pool\'s directory under its volume name, once', async () => {
    // Prepare: a pool whose target is a scratch directory, and an image served over HTTP
    const dir = mkdtempSync(join(tmpdir(), 'stratus-pool-'));
    const server = await startImageServer({ images: { 'd.qcow2': emptyQcow2(2 ** 30) } });
    const virsh: ScriptedVirsh = new ScriptedVirsh((c): string => {
      if (c.startsWith('vol-info')) return virsh.commands.some((x) => x.startsWith('pool-refresh')) ? 'Capacity:       1073741824 bytes\n' : fail(c, 'error: Storage volume not found: no storage vol with matching path');
      if (c.startsWith('pool-dumpxml')) return `<pool type='dir'><name>default</name><target>\n<path>${dir}</path></target></pool>`;
      return '';
    });
    const driver = driverWith({ uri: 'test:///fake', runner: virsh });
    const image = { id: 'tpl-9', url: server.url('d.qcow2'), format: 'QCOW2' as const };
    try {
      // Act
      const first = await driver.downloadImage(image, () => undefined);
      const again = await driver.downloadImage(image, () => undefined);
      // Assert: fetched into <pool dir>/template-<id>.qcow2, the pool refreshed; a repeat fetches nothing
      expect(first).toMatchObject({ size: 2 ** 30, physicalSize: 4 * 65536, checksum: expect.stringMatching(/^{SHA-256}[0-9a-f]{64}$/) });
      expect(again.size).toBe(2 ** 30);
      expect(readdirSync(dir)).toEqual(['template-tpl-9.qcow2']);
      expect(virsh.commands.filter((c) => c.startsWith('pool-dumpxml') || c.startsWith('pool-refresh'))).toEqual(['pool-dumpxml --pool default', 'pool-refresh --pool default']);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('libvirt error and state mapping', () => {
  it.each([
    ['failed to connect to the hypervisor', 'ResourceUnavailableError', true],
    ['End of file while reading data: Input/output error', 'ResourceUnavailableError', true],
    ['Timed out during operation: cannot acquire state change lock', 'ResourceUnavailableError', true],
    ['Cannot allocate memory', 'InsufficientCapacityError', false],
    ['No space left on device', 'InsufficientCapacityError', false],
    ["unsupported configuration: domain type 'kvm' is not supported", 'ResourceUnavailableError', false],
    ['invalid argument: requested cpu amount exceeds maximum (9 > 8)', 'InvalidParameterError', false],
    ['invalid argument: cannot set memory higher than max memory', 'InvalidParameterError', false],
  ])('maps "%s" to %s (retryable %s)', (text, name, retryable) => {
    expect(toDriverError(new VirshCommandError('start', [text]))).toMatchObject({ name, retryable, message: `virsh start: ${text}` });
  });

  it('passes DriverErrors and aborts through as they are', () => {
    const driverError = new DriverError('InvalidParameterError', 'x', false);
    const abort = new DOMException('stopped', 'AbortError');
    expect(toDriverError(driverError)).toBe(driverError);
    expect(toDriverError(abort)).toBe(abort);
  });

  it.each([
    ['running', 'PowerOn'],
    ['idle', 'PowerOn'],
    ['paused', 'PowerOn'],
    ['in shutdown', 'PowerOn'],
    ['pmsuspended', 'PowerOn'],
    ['shut off', 'PowerOff'],
    ['crashed', 'PowerOff'],
    ['no state', 'Unknown'],
  ])('reports a %s domain as %s', (state, power) => {
    expect(powerStateOf(state)).toBe(power);
  });

  it('quotes virsh arguments it can and refuses those it cannot', () => {
    expect(quoteVirshArg('i-2-1-VM')).toBe('i-2-1-VM');
    expect(quoteVirshArg('/tmp/a b/x.xml')).toBe("'/tmp/a b/x.xml'");
    expect(quoteVirshArg('a;b')).toBe("'a;b'");
    expect(() => quoteVirshArg("it's")).toThrow();
    expect(() => quoteVirshArg('a\nb')).toThrow();
    expect(() => quoteVirshArg('')).toThrow();
  });
});

describe('LibvirtDriver migration and scaling with a scripted virsh', () => {
  const drivers: LibvirtDriver[] = [];
  const driverWith = (options: ConstructorParameters<typeof LibvirtDriver>[0]) => {
    const d = new LibvirtDriver(options);
    drivers.push(d);
    return d;
  };

  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  /** A second scripted connection per URI the driver opens (the migration's own, the destination's). */
  const connections = (answers: Record<string, (command: string) => string>) => {
    const opened: Array<{ uri: string; virsh: ScriptedVirsh; closed: boolean }> = [];
    const connect = (uri: string) => {
      const entry = { uri, virsh: new ScriptedVirsh(answers[uri] ?? (() => '')), closed: false };
      opened.push(entry);
      return { run: (args: readonly string[]) => entry.virsh.run(args), close: async () => void (entry.closed = true) };
    };
    return { opened, connect };
  };

  it('migrates peer to peer on a connection of its own, which it closes after', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => (c.startsWith('domstate') ? 'running\n' : c.startsWith('snapshot-list') ? 'i-2-1-VM_VS_20261204070000\n' : ''));
    const { opened, connect } = connections({});
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh, connect });

    // Act
    await driver.migrate('i-2-1-VM', 'qemu+tcp://10.0.0.2/system', { timeoutMs: 60_000 });

    // Assess: its snapshots' metadata dropped first (libvirt migrates no domain with snapshots; the data stays in the shared files)
    expect(virsh.commands).toEqual([
      'domstate --domain i-2-1-VM',
      'snapshot-list --domain i-2-1-VM --name',
      'snapshot-delete --domain i-2-1-VM --snapshotname i-2-1-VM_VS_20261204070000 --metadata',
    ]);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ uri: 'qemu:///system', closed: true });
    expect(opened[0].virsh.commands).toEqual(['migrate --live --p2p --persistent --undefinesource --domain i-2-1-VM --desturi qemu+tcp://10.0.0.2/system']);
  });

  it.each([
    ['runs on the destination', 'running\n', undefined],
    ['runs nowhere', undefined, 'not running here (not defined) nor at qemu+tcp://10.0.0.2/system'],
  ])('answers a repeat for a domain gone from here that %s by asking the destination', async (_case, there, failure) => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => fail(c, "failed to get domain 'i-2-1-VM'"));
    const { opened, connect } = connections({
      'qemu+tcp://10.0.0.2/system': (c) => (there === undefined ? fail(c, "failed to get domain 'i-2-1-VM'") : there),
    });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh, connect });

    // Act
    const moved = driver.migrate('i-2-1-VM', 'qemu+tcp://10.0.0.2/system', { timeoutMs: 60_000 });

    // Assess
    if (failure) await expect(moved).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false, message: expect.stringContaining(failure) });
    else await expect(moved).resolves.toBeUndefined();
    expect(opened.map((o) => [o.uri, o.virsh.commands, o.closed])).toEqual([['qemu+tcp://10.0.0.2/system', ['domstate --domain i-2-1-VM'], true]]);
  });

  it('cancels a migration that outlasts its timeout with domjobabort and fails it as retryable', async () => {
    // Prepare: the migration runs until libvirt is told to abort it
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domjobabort')) cancel();
      return c.startsWith('domstate') ? 'running\n' : '';
    });
    const connect = () => ({
      run: async () => {
        await cancelled;
        return fail('migrate', 'operation aborted: migration out job: canceled by client');
      },
    });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh, connect });

    // Act
    const moved = driver.migrate('i-2-1-VM', 'qemu+tcp://10.0.0.2/system', { timeoutMs: 30 });

    // Assess
    await expect(moved).rejects.toEqual(new DriverError('ResourceUnavailableError', 'Migration of i-2-1-VM to qemu+tcp://10.0.0.2/system did not finish within 30 ms; aborted', true));
    expect(virsh.commands).toContain('domjobabort --domain i-2-1-VM');
  });

  it('cancels a migration when its signal aborts, and passes the abort on', async () => {
    // Prepare
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domjobabort')) cancel();
      return c.startsWith('domstate') ? 'running\n' : '';
    });
    const connect = () => ({ run: async () => cancelled.then(() => fail('migrate', 'operation aborted: canceled by client')) });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh, connect });
    const controller = new AbortController();

    // Act
    const moved = driver.migrate('i-2-1-VM', 'qemu+tcp://10.0.0.2/system', { timeoutMs: 60_000 }, controller.signal);
    setTimeout(() => controller.abort(), 10);

    // Assess
    await expect(moved).rejects.toMatchObject({ name: 'AbortError' });
    expect(virsh.commands).toContain('domjobabort --domain i-2-1-VM');
  });

  it('refuses a destination that is not a libvirt URI before it runs anything', async () => {
    // Prepare
    const virsh = new ScriptedVirsh(() => '');
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh });

    // Act / Assess
    await expect(driver.migrate('i-2-1-VM', "qemu+tcp://x/system' --all", { timeoutMs: 1 })).rejects.toMatchObject({ name: 'InvalidParameterError' });
    await expect(driver.migrate('i-2-1-VM', '--desturi=x', { timeoutMs: 1 })).rejects.toMatchObject({ name: 'InvalidParameterError' });
    expect(virsh.commands).toEqual([]);
  });

  it('scales vCPUs, memory and CPU weight, live and in the persistent definition', async () => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return 'running\n';
      if (c.startsWith('vcpucount')) return '8\n';
      if (c.startsWith('dominfo')) return 'State:          running\nMax memory:     8388608 KiB\nUsed memory:    2097152 KiB\n';
      return '';
    });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh });

    // Act
    await driver.scale('i-2-1-VM', { cpuNumber: 4, cpuSpeed: 2000, memory: 4096 });

    // Assess
    expect(virsh.commands).toEqual([
      'domstate --domain i-2-1-VM',
      'vcpucount --domain i-2-1-VM --maximum --live',
      'dominfo --domain i-2-1-VM',
      'vcpucount --domain i-2-1-VM --current --live',
      'setvcpus --domain i-2-1-VM --count 4 --live',
      'setmem --domain i-2-1-VM --size 4194304KiB --live',
      'setvcpus --domain i-2-1-VM --count 4 --config',
      'setmem --domain i-2-1-VM --size 4194304KiB --config',
      'schedinfo --domain i-2-1-VM --live --set cpu_shares=8000',
      'schedinfo --domain i-2-1-VM --config --set cpu_shares=8000',
    ]);
  });

  it('puts the vCPUs back when the memory change fails, so a failed scale leaves the domain as it was', async () => {
    // Prepare: 2 vCPUs now, 8 at most; the balloon refuses.
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return 'running\n';
      if (c.includes('--maximum')) return '8\n';
      if (c.startsWith('vcpucount')) return '2\n';
      if (c.startsWith('dominfo')) return 'Max memory:     8388608 KiB\n';
      if (c.startsWith('setmem')) return fail(c, 'error: Requested operation is not valid: the balloon driver did not answer');
      return '';
    });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh });

    // Act
    await expect(driver.scale('i-2-1-VM', { cpuNumber: 4, cpuSpeed: 2000, memory: 4096 })).rejects.toThrow(/balloon/);

    // Assess
    expect(virsh.commands.slice(-3)).toEqual([
      'setvcpus --domain i-2-1-VM --count 4 --live',
      'setmem --domain i-2-1-VM --size 4194304KiB --live',
      'setvcpus --domain i-2-1-VM --count 2 --live',
    ]);
  });

  it.each([
    ['more vCPUs than its maximum', { cpuNumber: 9, cpuSpeed: 1000, memory: 1024 }],
    ['more memory than its maximum', { cpuNumber: 2, cpuSpeed: 1000, memory: 8193 }],
  ])('refuses to scale to %s, changing nothing', async (_case, target) => {
    // Prepare
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return 'running\n';
      if (c.startsWith('vcpucount')) return '8\n';
      if (c.startsWith('dominfo')) return 'Max memory:     8388608 KiB\n';
      return '';
    });
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh });

    // Act / Assess
    await expect(driver.scale('i-2-1-VM', target)).rejects.toMatchObject({ name: 'InvalidParameterError', retryable: false });
    expect(virsh.commands.some((c) => c.startsWith('set') || c.startsWith('schedinfo'))).toBe(false);
  });

  it('reports an incoming migration still in progress as retryable, and removes a copy that is off', async () => {
    // Prepare
    const states = ['paused (migration)\n', 'shut off (destroyed)\n', 'running (migrated)\n'];
    const virsh = new ScriptedVirsh((c) => (c.startsWith('domstate') ? states.shift()! : ''));
    const driver = driverWith({ uri: 'qemu:///system', runner: virsh });

    // Act
    const inProgress = driver.resolveIncoming('i-2-1-VM');
    await expect(inProgress).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: true });
    const leftover = await driver.resolveIncoming('i-2-1-VM');
    const arrived = await driver.resolveIncoming('i-2-1-VM');

    // Assess
    expect([leftover, arrived]).toEqual(['PowerOff', 'PowerOn']);
    expect(virsh.commands.filter((c) => !c.startsWith('domstate'))).toEqual(['undefine --domain i-2-1-VM --managed-save --snapshots-metadata']);
  });
});
