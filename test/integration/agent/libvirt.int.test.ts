import { resolve } from 'node:path';
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
