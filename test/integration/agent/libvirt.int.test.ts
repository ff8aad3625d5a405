import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { VmSpec } from '../../../core/agent-protocol';
import { LibvirtDriver } from '../../../agent/drivers/libvirt';
import { eventually } from './fixtures';

/**
 * The libvirt driver against libvirt's test driver (`test:///<node XML>`, through virsh from
 * libvirt-clients). The test driver keeps its domains and volumes in memory per connection, so each
 * driver here is its own host, and whatever a test sees across calls went through one connection.
 * Its ACPI shutdown is instant; a guest that ignores it is covered by test/unit/agent/drivers/libvirt.test.ts.
 */

const LIBVIRT_TEST_URI = `test://${resolve(__dirname, '../../fixtures/libvirt/node.xml')}`;

const spec = (n: number, overrides: Partial<VmSpec> = {}): VmSpec => ({
  vmId: `0c0ffee0-0000-4000-8000-00000000000${n}`,
  instanceName: `i-2-${n}-VM`,
  displayName: `web ${n}`,
  cpuNumber: 2,
  cpuSpeed: 1000,
  memory: 1024,
  template: { id: 'tpl-1', url: 'http://images.example/debian-12.qcow2', format: 'QCOW2' },
  nics: [{ macAddress: `02:00:00:00:00:0${n}`, networkName: 'guest', ipAddress: `10.1.1.${n}` }],
  // A VM made before storage: its root disk is `<instance>-root` of the default pool.
  disks: [{ volumeId: `vol-${n}`, type: 'ROOT', deviceId: 0, path: `i-2-${n}-VM-root`, size: 1 }],
  ...overrides,
});

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** The running domain's id in its live XML (`<domain type='kvm' id='3'>`): a new boot gets a new one. */
const domainId = (xml: string) => /<domain [^>]*id='(\d+)'/.exec(xml)?.[1];

describe('LibvirtDriver on test:///', () => {
  const drivers: LibvirtDriver[] = [];
  const driver = (options: Partial<ConstructorParameters<typeof LibvirtDriver>[0]> = {}) => {
    const d = new LibvirtDriver({ uri: LIBVIRT_TEST_URI, shutdownPollMs: 10, ...options });
    drivers.push(d);
    return d;
  };

  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  it('describes the host from its node info', async () => {
    // Act
    const facts = await driver({ ipAddress: '192.0.2.10' }).hostFacts();

    // Assess
    expect(facts).toEqual({
      hostname: expect.any(String),
      hypervisor: 'KVM',
      cpuNumber: 16,
      cpuSpeed: 2600,
      memoryTotal: 32768, // 33554432 KiB
      ipAddress: '192.0.2.10',
      agentVersion: 'stratus-libvirt-1',
      migrationUri: 'qemu+tcp://192.0.2.10/system', // libvirt's TCP listener unless told otherwise
    });
    expect(facts.hostname.length).toBeGreaterThan(0);
  });

  it('runs a VM through its life: start, reboot, graceful stop, start again, undefine with its disk', async () => {
    // Prepare
    const host = driver();
    const vm = spec(1);

    // Act / Assess: define + start, on a copy-on-write overlay of the template
    expect(await host.hasVolume('i-2-1-VM-root')).toBe(false);
    await host.start(vm);
    expect(await host.domains()).toEqual([{ name: 'i-2-1-VM', state: 'PowerOn' }]);
    expect(await host.hasVolume('i-2-1-VM-root')).toBe(true);
    const booted = await host.dumpXml('i-2-1-VM');
    expect(booted).toContain("<source pool='default' volume='i-2-1-VM-root'/>");
    expect(booted).toContain("<driver name='qemu' type='qcow2'/>");
    expect(booted).toContain("<mac address='02:00:00:00:00:01'/>");
    expect(booted).toContain(`<uuid>${vm.vmId}</uuid>`);
    expect(booted).toMatch(/<memory unit='KiB'>1048576<\/memory>/);

    // start while running: nothing happens (same boot)
    await host.start(vm);
    expect(domainId(await host.dumpXml('i-2-1-VM'))).toBe(domainId(booted));

    // reboot keeps it on
    await host.reboot('i-2-1-VM');
    expect(await host.domains()).toEqual([{ name: 'i-2-1-VM', state: 'PowerOn' }]);

    // graceful stop, twice: the second finds it off
    await host.stop('i-2-1-VM', { force: false, timeoutMs: 5_000 });
    expect(await host.domains()).toEqual([{ name: 'i-2-1-VM', state: 'PowerOff' }]);
    await host.stop('i-2-1-VM', { force: false, timeoutMs: 5_000 });
    await expect(host.reboot('i-2-1-VM')).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });

    // start again: a new boot on the same disk, then again, which is a no-op
    await host.start({ ...vm, memory: 2048 });
    const rebooted = await host.dumpXml('i-2-1-VM');
    expect(domainId(rebooted)).not.toBe(domainId(booted));
    expect(rebooted).toMatch(/<memory unit='KiB'>2097152<\/memory>/); // redefined: the new offering applies
    await host.start({ ...vm, memory: 2048 });
    expect(domainId(await host.dumpXml('i-2-1-VM'))).toBe(domainId(rebooted));
    expect(await host.domains()).toEqual([{ name: 'i-2-1-VM', state: 'PowerOn' }]);

    // undefine a running domain with its disk: powered off, forgotten, volume gone
    await host.undefine('i-2-1-VM', { removeDisks: true });
    expect(await host.domains()).toEqual([]);
    expect(await host.hasVolume('i-2-1-VM-root')).toBe(false);
    expect(await host.hasVolume('template-tpl-1.qcow2')).toBe(true);

    // and everything again on a missing domain succeeds
    await host.undefine('i-2-1-VM', { removeDisks: true });
    await host.stop('i-2-1-VM', { force: true, timeoutMs: 1 });
    await expect(host.reboot('i-2-1-VM')).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
  });

  it('keeps its volumes on primary storage: defines the pool, makes ROOT over the template and a data disk, measures, removes', async () => {
    // Prepare: a pool of its own directory, and one on the directory libvirt's `default` already uses
    const host = driver();
    const pool = { id: '7a1f0c7e-5b44-4c55-9d1e-2f0d1d6c0a01', type: 'SharedMountPoint' as const, host: 'localhost', path: '/srv/stratus/primary1' };
    const shared = { id: '7a1f0c7e-5b44-4c55-9d1e-2f0d1d6c0a02', type: 'SharedMountPoint' as const, host: 'localhost', path: '/var/lib/libvirt/images' };
    const GiB = 1024 ** 3;
    const root = { volumeId: 'r5', type: 'ROOT' as const, deviceId: 0, path: 'vol-root-5', size: 10 * GiB, pool };
    const data = { volumeId: 'd5', type: 'DATADISK' as const, deviceId: 1, path: 'vol-data-5', size: 3 * GiB, pool };
    const hot = { volumeId: 'h5', type: 'DATADISK' as const, deviceId: 2, path: 'vol-hot-5', size: 1 * GiB, pool: shared };

    // Act / Assess: the start defines and starts the pool, then makes both files
    await host.start(spec(5, { disks: [root, data] }));
    expect(await host.volumeSize('vol-root-5', pool.id)).toBe(10 * GiB); // the template's 2 GiB, grown to the volume's size
    expect(await host.volumeSize('vol-data-5', pool.id)).toBe(3 * GiB);
    const xml = await host.dumpXml('i-2-5-VM');
    expect(xml).toContain(`<source pool='${pool.id}' volume='vol-root-5'/>`);
    expect(xml).toContain("<target dev='vda' bus='virtio'/>");
    expect(xml).toContain(`<source pool='${pool.id}' volume='vol-data-5'/>`);
    expect(xml).toContain("<target dev='vdb' bus='virtio'/>");

    // a hot-plug makes its file first, on the pool that adopts `default` (the test driver itself
    // cannot hot-plug: the scripted unit test covers attach-device and detach-device)
    await expect(host.attachVolume('i-2-5-VM', hot)).rejects.toMatchObject({ message: expect.stringContaining('virDomainAttachDeviceFlags') });
    expect(await host.volumeSize('vol-hot-5')).toBe(1 * GiB); // made in `default`, the pool on that directory
    await host.detachVolume('i-2-5-VM', hot); // not attached: nothing to do

    // measured for the heartbeat
    const measured = await host.poolStats(pool);
    expect(measured.capacityBytes).toBeGreaterThan(0);
    expect(measured.usedBytes).toBeGreaterThanOrEqual(0);

    // a volume file not in use goes; the expunge takes the ROOT volume with the domain and keeps the data disk
    await host.deleteVolume(hot);
    await host.deleteVolume(hot);
    expect(await host.hasVolume('vol-hot-5')).toBe(false);
    await host.undefine('i-2-5-VM', { removeDisks: true, disks: [root] });
    expect(await host.hasVolume('vol-root-5', pool.id)).toBe(false);
    expect(await host.hasVolume('vol-data-5', pool.id)).toBe(true);
  });

  it('takes, reverts and deletes internal VM snapshots: memory while running, disks while stopped, and defines on another host those it lacks', async () => {
    // Prepare: a VM on primary storage, running
    const host = driver();
    const pool = { id: '7a1f0c7e-5b44-4c55-9d1e-2f0d1d6c0a09', type: 'SharedMountPoint' as const, host: 'localhost', path: '/srv/stratus/primary9' };
    const vm = spec(8, { disks: [{ volumeId: 'r8', type: 'ROOT', deviceId: 0, path: 'vol-root-8', size: 2 * 1024 ** 3, pool }] });
    await host.start(vm);
    const withMemory = { name: 'i-2-8-VM_VS_20261204070000', description: 'before upgrade', memory: true, created: 1796367600 };
    const diskOnly = { name: 'i-2-8-VM_VS_20261204080000', memory: false, created: 1796371200, parent: withMemory.name };

    // Act / Assess: a running domain's snapshot holds its memory; a repeat finds it made
    await host.createSnapshot('i-2-8-VM', withMemory, { chain: [] });
    await host.createSnapshot('i-2-8-VM', withMemory, { chain: [] });
    // a disk-only one of a running domain is refused by the host too, nothing made
    await expect(host.createSnapshot('i-2-8-VM', diskOnly, { chain: [withMemory] })).rejects.toMatchObject({ name: 'InvalidParameterError' });

    // stopped, the domain defined from its spec: a disk-only snapshot
    await host.stop('i-2-8-VM', { force: true, timeoutMs: 1000 });
    await host.createSnapshot('i-2-8-VM', diskOnly, { chain: [withMemory], spec: vm });
    await host.revertSnapshot('i-2-8-VM', diskOnly, { chain: [withMemory], spec: vm });
    expect(await host.domains()).toEqual([{ name: 'i-2-8-VM', state: 'PowerOff' }]); // a disk-only revert keeps it off

    // another host (the VM moved): the snapshots are defined there from the chain before the revert
    const other = driver();
    await other.start(vm);
    await other.revertSnapshot('i-2-8-VM', withMemory, { chain: [diskOnly] });
    expect(await other.domains()).toEqual([{ name: 'i-2-8-VM', state: 'PowerOn' }]);
    const redefined = await other.dumpXml('i-2-8-VM');
    expect(redefined).toContain('i-2-8-VM');

    // a delete on the first host: the one asked goes; one the control plane no longer has goes too
    await host.deleteSnapshot('i-2-8-VM', diskOnly, { chain: [], spec: vm });
    await host.deleteSnapshot('i-2-8-VM', diskOnly, { chain: [], spec: vm }); // gone already: success
    await host.createSnapshot('i-2-8-VM', { ...diskOnly, name: 'i-2-8-VM_VS_20261204090000' }, { chain: [], spec: vm });
    await host.undefine('i-2-8-VM', { removeDisks: true, disks: vm.disks });
    await other.undefine('i-2-8-VM', { removeDisks: true, disks: vm.disks });
  });

  it('forces a stop, and keeps the disk when undefining without removeDisks', async () => {
    // Prepare
    const host = driver();
    await host.start(spec(2, { template: { id: 'tpl-raw', url: 'http://images.example/t.raw', format: 'RAW' } }));

    // Act
    await host.stop('i-2-2-VM', { force: true, timeoutMs: 1 });
    const stopped = await host.domains();
    await host.undefine('i-2-2-VM', { removeDisks: false });

    // Assess
    expect(stopped).toEqual([{ name: 'i-2-2-VM', state: 'PowerOff' }]);
    expect(await host.domains()).toEqual([]);
    expect(await host.hasVolume('i-2-2-VM-root')).toBe(true); // a clone of the RAW template
  });

  it('lists every domain with its power state', async () => {
    // Prepare
    const host = driver();
    await host.start(spec(3));
    await host.start(spec(4));
    await host.start(spec(5));

    // Act
    await host.stop('i-2-4-VM', { force: false, timeoutMs: 5_000 });
    const domains = await host.domains();

    // Assess
    expect(domains.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'i-2-3-VM', state: 'PowerOn' },
      { name: 'i-2-4-VM', state: 'PowerOff' },
      { name: 'i-2-5-VM', state: 'PowerOn' },
    ]);
  });

  it('keeps a hostile display name as text: one <devices>, the title equal to the raw text', async () => {
    // Prepare
    const host = driver();
    const displayName = `</name><devices><disk type='file'><source file='/etc/shadow'/></disk></devices></domain> & "q" 'x'`;

    // Act
    await host.start(spec(6, { displayName }));
    const xml = await host.dumpXml('i-2-6-VM');

    // Assess
    expect(xml.match(/<devices>/g)).toHaveLength(1);
    expect(xml.match(/<\/devices>/g)).toHaveLength(1);
    expect(xml).not.toContain('/etc/shadow\'/>');
    expect(/<name>([^<]*)<\/name>/.exec(xml)?.[1]).toBe('i-2-6-VM');
    expect(unescapeXml(/<title>([^<]*)<\/title>/.exec(xml)?.[1] ?? '')).toBe(displayName);
    expect(unescapeXml(/<description>([^<]*)<\/description>/.exec(xml)?.[1] ?? '')).toBe(displayName);
    expect(await host.domains()).toEqual([{ name: 'i-2-6-VM', state: 'PowerOn' }]);
  });

  it('refuses an invalid spec before anything reaches libvirt', async () => {
    // Prepare
    const host = driver();

    // Act / Assess
    await expect(host.start(spec(7, { instanceName: "i-7'/><x" }))).rejects.toMatchObject({ name: 'InvalidParameterError', retryable: false });
    await expect(host.start(spec(7, { nics: [{ macAddress: 'ff:ff:ff:ff:ff:ff', networkName: 'guest', ipAddress: '10.1.1.7' }] }))).rejects.toMatchObject({ name: 'InvalidParameterError' });
    expect(await host.domains()).toEqual([]);
    expect(await host.hasVolume('i-2-7-VM-root')).toBe(false);
  });

  it('uses one virsh child for every call, and a fresh one after that child is killed', async () => {
    // Prepare
    const host = driver();
    await host.start(spec(8));
    const first = host.connection?.pid;

    // Act: many calls, one child
    for (let i = 0; i < 5; i += 1) await host.domains();
    await host.hostFacts();

    // Assess
    expect(first).toEqual(expect.any(Number));
    expect(host.connection).toEqual({ pid: first, starts: 1 });
    expect(await host.domains()).toEqual([{ name: 'i-2-8-VM', state: 'PowerOn' }]); // state lives in that one connection

    // Act: kill it between calls
    process.kill(first!, 'SIGKILL');
    await eventually(() => host.connection?.pid === undefined || undefined);
    const facts = await host.hostFacts();

    // Assess: the next call ran on a new child (a new test:/// connection starts from the node XML again)
    expect(facts.cpuNumber).toBe(16);
    expect(host.connection?.starts).toBe(2);
    expect(host.connection?.pid).not.toBe(first);
    expect(await host.domains()).toEqual([]);
    await host.start(spec(8));
    expect(await host.domains()).toEqual([{ name: 'i-2-8-VM', state: 'PowerOn' }]);
  });

  it('retries a call once on a fresh child when the child died before reading it', async () => {
    // Prepare
    const host = driver();
    await host.hostFacts();
    const first = host.connection!.pid!;

    // Act: kill and call at once, before the session has seen the exit
    process.kill(first, 'SIGKILL');
    const domains = await host.domains();

    // Assess
    expect(domains).toEqual([]);
    expect(host.connection?.pid).not.toBe(first);
    expect(host.connection?.starts).toBe(2);
  });

  it('boots a dynamically scalable VM with its ceilings and hot-scales it within them, live and persistently', async () => {
    // Prepare
    const host = driver();
    await host.start(spec(9, { cpuNumber: 1, memory: 512, maxCpuNumber: 4, maxMemory: 2048 }));
    const booted = await host.dumpXml('i-2-9-VM');

    // Act
    await host.scale('i-2-9-VM', { cpuNumber: 3, cpuSpeed: 1500, memory: 1536 });
    const scaled = await host.dumpXml('i-2-9-VM');
    const above = host.scale('i-2-9-VM', { cpuNumber: 5, cpuSpeed: 1500, memory: 1536 });

    // Assess
    expect(booted).toContain("<vcpu placement='static' current='1'>4</vcpu>");
    expect(booted).toContain("<memory unit='KiB'>2097152</memory>");
    expect(booted).toContain("<currentMemory unit='KiB'>524288</currentMemory>");
    expect(scaled).toContain("<vcpu placement='static' current='3'>4</vcpu>");
    expect(scaled).toContain("<currentMemory unit='KiB'>1572864</currentMemory>");
    expect(domainId(scaled)).toBe(domainId(booted)); // the same boot: scaled while it ran
    await expect(above).rejects.toMatchObject({ name: 'InvalidParameterError', retryable: false });
    expect(await host.dumpXml('i-2-9-VM')).toBe(scaled);

    // the persistent definition changed too: a cold boot keeps the new size
    await host.stop('i-2-9-VM', { force: true, timeoutMs: 1 });
    expect(await host.dumpXml('i-2-9-VM')).toContain("<vcpu placement='static' current='3'>4</vcpu>");
    await expect(host.scale('i-2-9-VM', { cpuNumber: 2, cpuSpeed: 1500, memory: 1024 })).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
  });

  it('answers resolveIncoming: PowerOn for a running domain, and undefines a stopped copy keeping its disk', async () => {
    // Prepare
    const host = driver();
    await host.start(spec(1));
    await host.start(spec(2));
    await host.stop('i-2-2-VM', { force: true, timeoutMs: 1 });

    // Act
    const running = await host.resolveIncoming('i-2-1-VM');
    const stopped = await host.resolveIncoming('i-2-2-VM');
    const missing = await host.resolveIncoming('i-2-3-VM');

    // Assess
    expect([running, stopped, missing]).toEqual(['PowerOn', 'PowerOff', 'PowerOff']);
    expect(await host.domains()).toEqual([{ name: 'i-2-1-VM', state: 'PowerOn' }]);
    expect(await host.hasVolume('i-2-2-VM-root')).toBe(true);
  });

  it('leaves a domain running here when its migration fails, and finds a repeat done when it runs at the destination', async () => {
    // Prepare: a destination host whose libvirt already runs i-2-4-VM (as after a migration whose report was lost)
    const dir = await mkdtemp(join(tmpdir(), 'stratus-libvirt-dest-'));
    const destinationXml = join(dir, 'node.xml');
    const node = await readFile(resolve(__dirname, '../../fixtures/libvirt/node.xml'), 'utf8');
    await writeFile(destinationXml, node.replace('</node>', "<domain type='test'><name>i-2-4-VM</name><memory>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n</node>"));
    try {
      const host = driver();
      await host.start(spec(3));

      // Act
      const failed = host.migrate('i-2-3-VM', `test://${destinationXml}`, { timeoutMs: 10_000 });
      await expect(failed).rejects.toMatchObject({ name: 'ResourceUnavailableError' });
      const repeat = host.migrate('i-2-4-VM', `test://${destinationXml}`, { timeoutMs: 10_000 });
      const nowhere = host.migrate('i-2-5-VM', `test://${destinationXml}`, { timeoutMs: 10_000 });

      // Assess
      await expect(repeat).resolves.toBeUndefined();
      await expect(nowhere).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
      expect(await host.domains()).toEqual([{ name: 'i-2-3-VM', state: 'PowerOn' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('handles nas backups as far as the test driver allows: a repository measured, a restore onto a running domain refused, a backup deleted, a push-mode backup it cannot run leaving nothing behind', async () => {
    // Prepare: a running domain, and a repository that is a local directory
    const host = driver();
    const dir = await mkdtemp(join(tmpdir(), 'stratus-repo-'));
    const repository = { id: 'repo-1', type: 'nfs' as const, address: dir, mountOptions: '' };
    const vm = spec(7);
    try {
      await host.start(vm);

      // Act / Assess: the repository's filesystem measured
      const stats = await host.measureBackupRepository(repository);
      expect(stats.capacityBytes).toBeGreaterThan(0);
      expect(stats.usedBytes).toBeLessThanOrEqual(stats.capacityBytes);

      // A restore onto a domain that runs here is refused before anything is written.
      await mkdir(join(dir, 'i-2-7-VM/b-1'), { recursive: true });
      await writeFile(join(dir, 'i-2-7-VM/b-1/domain-config.xml'), '<domain/>');
      await expect(host.restoreBackup('i-2-7-VM', { repository, path: 'i-2-7-VM/b-1', volumes: [{ file: 'root.vol-7.qcow2', disk: vm.disks[0] }] }, () => undefined)).rejects.toMatchObject({ name: 'OperationRefusedError' });
      // Deleted, with the domain named: no job to abort and no guest agent to thaw are fine.
      await host.deleteBackup({ repository, path: 'i-2-7-VM/b-1', instanceName: 'i-2-7-VM' });
      await expect(readFile(join(dir, 'i-2-7-VM/b-1/domain-config.xml'))).rejects.toMatchObject({ code: 'ENOENT' });
      // The test driver has no backup jobs: backup-begin fails, and the half-made directory goes.
      await expect(host.takeBackup('i-2-7-VM', { repository, path: 'i-2-7-VM/b-2', running: true, quiesce: false, disks: vm.disks }, () => undefined)).rejects.toMatchObject({ name: 'ResourceUnavailableError' });
      await expect(readFile(join(dir, 'i-2-7-VM/b-2/domain-config.xml'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await host.domains()).toEqual([{ name: 'i-2-7-VM', state: 'PowerOn' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a connection that cannot be opened as retryable', async () => {
    // Prepare
    const host = driver({ uri: 'test:///nonexistent/stratus-node.xml' });

    // Act
    const facts = host.hostFacts();

    // Assess
    await expect(facts).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: true });
    await expect(facts).rejects.toThrow(/failed to connect to the hypervisor/);
  });
});

describe('LibvirtDriver with guests it did not create (test:/// node-with-guests.xml)', () => {
  const GUESTS_URI = `test://${resolve(__dirname, '../../fixtures/libvirt/node-with-guests.xml')}`;
  const drivers: LibvirtDriver[] = [];
  const driver = () => {
    const d = new LibvirtDriver({ uri: GUESTS_URI, shutdownPollMs: 10 });
    drivers.push(d);
    return d;
  };
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  it('describes them as listUnmanagedInstances shows them: vCPUs, cores, shares per vCPU, memory, disks but not the CD-ROM, NICs with their VLAN', async () => {
    // Act
    const host = driver();
    const web = await host.describe('legacy-web');
    const batch = await host.describe('legacy-batch');

    // Assess
    expect(web).toEqual({
      name: 'legacy-web',
      powerState: 'PowerOn',
      cpuNumber: 4,
      cpuCoresPerSocket: 2,
      cpuSpeed: 1000, // 4000 shares over 4 vCPUs, as CloudStack's agent reads it
      memory: 3072,
      persistent: true,
      disks: [
        { label: 'vda', capacity: expect.any(Number), imagePath: '/var/lib/libvirt/images/legacy-web.qcow2', controller: 'virtio', controllerUnit: 0, position: 0, datastorePath: '/var/lib/libvirt/images', datastoreType: 'file', format: 'qcow2' },
        { label: 'sdb', capacity: expect.any(Number), imagePath: '/srv/data/legacy-web-data.img', controller: 'scsi', controllerUnit: 1, position: 1, datastorePath: '/srv/data', datastoreType: 'file', format: 'raw' },
      ],
      // The test driver answers domifaddr with a lease of its own making for a running domain's NIC.
      nics: [{ networkName: 'br-guest', macAddress: '52:54:00:12:34:56', adapterType: 'e1000', vlanId: 120, ipAddresses: ['192.168.0.1'] }],
    });
    expect(web!.disks[0].capacity).toBeGreaterThan(0);
    expect(batch).toMatchObject({ name: 'legacy-batch', powerState: 'PowerOff', cpuNumber: 1, cpuCoresPerSocket: 1, memory: 1024, nics: [{ networkName: 'default', macAddress: '52:54:00:12:34:57', adapterType: 'virtio', ipAddresses: [] }] });
    expect(await host.describe('no-such-domain')).toBeUndefined();
  });

  it('unmanages a running Stratus domain: it keeps running, persistent, without Stratus metadata; a second time changes nothing', async () => {
    // Prepare
    const host = driver();
    const vm = spec(7, { instanceName: "i-2-31-VM", vmId: "0c0ffee0-0000-4000-8000-000000000031" });
    await host.start(vm);
    expect((await host.describe(vm.instanceName))!.stratusVmId).toBe(vm.vmId);

    // Act
    const left = await host.unmanage(vm.instanceName, { running: true });
    const again = await host.unmanage(vm.instanceName, { running: true });

    // Assess
    expect(left).toMatchObject({ name: vm.instanceName, powerState: 'PowerOn', persistent: true, cpuNumber: 2, memory: 1024 });
    expect(left.stratusVmId).toBeUndefined();
    expect(again).toEqual(left);
    expect(await host.dumpXml(vm.instanceName)).not.toContain('urn:stratus');
    expect(await host.domains()).toEqual(expect.arrayContaining([{ name: vm.instanceName, state: 'PowerOn' }]));
  });

  it('refuses to unmanage a running VM the host does not run, and defines a stopped one it lacks from its spec', async () => {
    // Prepare
    const host = driver();
    const vm = spec(8, { instanceName: "i-2-32-VM", vmId: "0c0ffee0-0000-4000-8000-000000000032", disks: [{ volumeId: "vol-32", type: "ROOT", deviceId: 0, path: "i-2-32-VM-root", size: 1 }] });

    // Act / Assess: running, but not here
    await expect(host.unmanage(vm.instanceName, { running: true })).rejects.toMatchObject({ name: 'OperationRefusedError', message: expect.stringContaining(`VM ${vm.instanceName} is not found in the hypervisor`) });
    // Stopped and never defined here: defined from its spec, left off, unmarked
    const left = await host.unmanage(vm.instanceName, { running: false, spec: vm });
    expect(left).toMatchObject({ name: vm.instanceName, powerState: 'PowerOff', persistent: true });
    expect(left.stratusVmId).toBeUndefined();
    expect(await host.dumpXml(vm.instanceName)).not.toContain('urn:stratus');
  });

  it('adopts a guest for an import: refused when it changed since described, then marked with the VM id, live and in its definition', async () => {
    // Prepare
    const host = driver();
    const vmId = '0c0ffee0-0000-4000-8000-0000000000aa';

    // Act / Assess: described off but running now, or with other MACs: refused, nothing written
    await expect(host.adopt('legacy-web', { vmId, running: false, macs: ['52:54:00:12:34:56'] })).rejects.toMatchObject({ name: 'OperationRefusedError', message: expect.stringContaining('legacy-web changed since its host described it (it is PowerOn, it was PowerOff)') });
    await expect(host.adopt('legacy-web', { vmId, running: true, macs: ['52:54:00:00:00:99'] })).rejects.toMatchObject({ message: expect.stringContaining('its MACs are 52:54:00:12:34:56, they were 52:54:00:00:00:99') });
    expect((await host.describe('legacy-web'))!.stratusVmId).toBeUndefined();
    const adopted = await host.adopt('legacy-web', { vmId, running: true, macs: ['52:54:00:12:34:56'] });
    expect(adopted).toMatchObject({ name: 'legacy-web', powerState: 'PowerOn', stratusVmId: vmId });
    expect(await host.dumpXml('legacy-web')).toContain(vmId);
    await expect(host.adopt('no-such-domain', { vmId, running: true, macs: [] })).rejects.toMatchObject({ name: 'OperationRefusedError' });
  });
});
