import fc from 'fast-check';
import type { VmSpec } from '../../../../core/agent-protocol';
import { DriverError } from '../../../../agent/drivers/driver';
import { cpuShares, domainUuid, domainXml, escapeXml, validMac, validName, type DomainXmlOptions } from '../../../../agent/drivers/libvirt-xml';

const spec = (overrides: Partial<VmSpec> = {}): VmSpec => ({
  vmId: '5d7c2a4e-9b1f-4c3d-8e2a-0f1b2c3d4e5f',
  instanceName: 'i-2-10-VM',
  displayName: 'web 01',
  cpuNumber: 2,
  cpuSpeed: 1000,
  memory: 2048,
  template: { id: 'tpl-1', url: 'http://images.example/debian-12.qcow2', format: 'QCOW2' },
  nics: [{ macAddress: '02:00:00:00:00:05', networkName: 'guest', ipAddress: '10.1.1.5' }],
  disks: [{ volumeId: 'vol-10', type: 'ROOT', deviceId: 0, path: 'i-2-10-VM-root', size: 1 }],
  ...overrides,
});

const options: DomainXmlOptions = {
  uuid: '5d7c2a4e-9b1f-4c3d-8e2a-0f1b2c3d4e5f',
  disks: [{ pool: 'default', volume: 'i-2-10-VM-root', format: 'qcow2', target: 'vda' }],
  nicSource: { type: 'network', name: 'default' },
};

/** Every element tag in order: escaped text cannot add one, so a hostile value leaves this list as it is. */
function tags(xml: string): string[] {
  return [...xml.matchAll(/<\/?[A-Za-z][\w:.-]*/g)].map((m) => m[0]);
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#13;/g, '\r')
    .replace(/&amp;/g, '&');
}

function element(xml: string, name: string): string {
  const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!found) throw new Error(`no <${name}> in ${xml}`);
  return unescapeXml(found[1]);
}

function invalidParameter(run: () => unknown): DriverError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ name: 'InvalidParameterError', retryable: false });
    return err as DriverError;
  }
  throw new Error('expected an InvalidParameterError');
}

describe('domainXml', () => {
  it('describes the VM: name, UUID, memory, vCPUs, shares, the root volume, one NIC per MAC and the guest agent channel', () => {
    // Act
    const xml = domainXml(spec({ nics: [...spec().nics, { macAddress: '02:00:00:00:00:06', networkName: 'storage', ipAddress: '10.2.0.9' }] }), options);

    // Assess
    expect(xml.startsWith("<domain type='kvm'>")).toBe(true);
    expect(element(xml, 'name')).toBe('i-2-10-VM');
    expect(element(xml, 'uuid')).toBe(options.uuid);
    expect(xml).toContain("<memory unit='MiB'>2048</memory>");
    expect(xml).toContain("<vcpu placement='static'>2</vcpu>");
    expect(xml).toContain('<shares>2000</shares>');
    expect(xml).toContain("<driver name='qemu' type='qcow2'/>");
    expect(xml).toContain("<source pool='default' volume='i-2-10-VM-root'/>");
    expect([...xml.matchAll(/<mac address='([^']*)'\/>/g)].map((m) => m[1])).toEqual(['02:00:00:00:00:05', '02:00:00:00:00:06']);
    expect(xml.match(/<source network='default'\/>/g)).toHaveLength(2);
    expect(xml).toContain("<stratus:nic mac='02:00:00:00:00:06' network='storage' ip='10.2.0.9'/>");
    // The guest agent's channel, which a quiesced backup freezes the filesystems through.
    expect(xml).toContain("<target type='virtio' name='org.qemu.guest_agent.0'/>");
  });

  it.each([
    ['both ceilings', { maxCpuNumber: 8, maxMemory: 8192 }, "<vcpu placement='static' current='2'>8</vcpu>", "<memory unit='MiB'>8192</memory>"],
    ['a memory ceiling only', { maxMemory: 4096 }, "<vcpu placement='static'>2</vcpu>", "<memory unit='MiB'>4096</memory>"],
    ['no ceilings', {}, "<vcpu placement='static'>2</vcpu>", "<memory unit='MiB'>2048</memory>"],
  ])('boots a VM with %s at its current size below them', (_label, ceilings, vcpu, memory) => {
    // Act
    const xml = domainXml(spec(ceilings), options);

    // Assess
    expect(xml).toContain(vcpu);
    expect(xml).toContain(memory);
    expect(xml).toContain("<currentMemory unit='MiB'>2048</currentMemory>");
  });

  it('attaches NICs to a host bridge when told to', () => {
    // Act
    const xml = domainXml(spec(), { ...options, nicSource: { type: 'bridge', name: 'br0' }, disks: [{ ...options.disks[0], format: 'raw' }] });

    // Assess
    expect(xml).toContain("<interface type='bridge'>");
    expect(xml).toContain("<source bridge='br0'/>");
    expect(xml).toContain("<driver name='qemu' type='raw'/>");
  });

  it.each([
    ['markup', '</name><devices>'],
    ['a closing domain', '</title></domain><domain type="qemu"><name>evil</name>'],
    ['quotes and ampersands', `Tom's "web" & <db> &amp; ]]>`],
    ['a comment and a CDATA end', '<!-- x --> ]]> <![CDATA[ y'],
    ['an entity declaration', '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>&x;'],
  ])('keeps a display name with %s as text: same tags, title and description equal to the raw text', (_label, displayName) => {
    // Act
    const xml = domainXml(spec({ displayName }), options);

    // Assess
    expect(tags(xml)).toEqual(tags(domainXml(spec(), options)));
    expect(xml.match(/<devices>/g)).toHaveLength(1);
    expect(element(xml, 'name')).toBe('i-2-10-VM');
    expect(element(xml, 'title')).toBe(displayName);
    expect(element(xml, 'description')).toBe(displayName);
    expect(element(xml, 'stratus:display-name')).toBe(displayName);
  });

  it('keeps line breaks out of the title (libvirt refuses them) and in the description', () => {
    // Act
    const xml = domainXml(spec({ displayName: 'first\r\nsecond\nthird' }), options);

    // Assess
    expect(element(xml, 'title')).toBe('first second third');
    expect(element(xml, 'description')).toBe('first\r\nsecond\nthird');
  });

  it('escapes every spec value that lands in an attribute: template id, URL, NIC network and address', () => {
    // Prepare
    const hostile = `a' b="c" & <d>`;

    // Act
    const xml = domainXml(
      spec({ vmId: hostile, template: { id: hostile, url: `http://x/?a=1&b='2'`, format: 'QCOW2' }, nics: [{ macAddress: '02:00:00:00:00:05', networkName: hostile, ipAddress: hostile }] }),
      options,
    );

    // Assess
    expect(tags(xml)).toEqual(tags(domainXml(spec(), options)));
    expect(xml).toContain(`<stratus:template id='a&apos; b=&quot;c&quot; &amp; &lt;d&gt;' format='QCOW2' url='http://x/?a=1&amp;b=&apos;2&apos;'/>`);
    expect(element(xml, 'stratus:id')).toBe(hostile);
  });

  it('never lets any display name add, drop or reorder an element (property)', () => {
    const reference = tags(domainXml(spec(), options));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (displayName) => {
        const xml = domainXml(spec({ displayName }), options);
        expect(tags(xml)).toEqual(reference);
        expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/); // characters XML 1.0 cannot carry
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });

  it.each([
    ['markup', '</name><devices>'],
    ['a space', 'i 2 VM'],
    ['a slash', '../etc/passwd'],
    ['a quote', "i-2-'VM"],
    ['a leading dash', '--all'],
    ['nothing', ''],
    ['too many characters', `i-${'x'.repeat(100)}`],
  ])('refuses an instance name with %s', (_label, instanceName) => {
    // Act
    const err = invalidParameter(() => domainXml(spec({ instanceName }), options));

    // Assess
    expect(err.message).toContain('Invalid instance name');
  });

  it('refuses a pool, volume or network name that is not a plain name', () => {
    // Act / Assess
    invalidParameter(() => domainXml(spec(), { ...options, disks: [{ ...options.disks[0], pool: "default'/>" }] }));
    invalidParameter(() => domainXml(spec(), { ...options, disks: [{ ...options.disks[0], target: 'hdc' }] }));
    invalidParameter(() => domainXml(spec(), { ...options, disks: [options.disks[0], { ...options.disks[0], volume: 'other' }] })); // two disks at vda
    invalidParameter(() => domainXml(spec(), { ...options, disks: [] }));
    invalidParameter(() => domainXml(spec(), { ...options, disks: [{ ...options.disks[0], volume: 'a b' }] }));
    invalidParameter(() => domainXml(spec(), { ...options, nicSource: { type: 'bridge', name: 'br0"' } }));
    invalidParameter(() => domainXml(spec(), { ...options, nicSource: { type: 'direct' as 'bridge', name: 'eth0' } }));
    invalidParameter(() => domainXml(spec(), { ...options, uuid: 'not-a-uuid' }));
  });

  it.each([
    ['too short', '02:00:00:00:05'],
    ['markup', "02:00:00:00:00:05'/><disk"],
    ['dashes', '02-00-00-00-00-05'],
    ['not hex', '02:00:00:00:00:zz'],
    ['multicast', '01:00:5e:00:00:01'],
  ])('refuses a MAC address that is %s', (_label, macAddress) => {
    // Act / Assess
    invalidParameter(() => domainXml(spec({ nics: [{ macAddress, networkName: 'guest', ipAddress: '10.1.1.5' }] }), options));
  });

  it('refuses the same MAC on two NICs', () => {
    // Prepare
    const nic = { macAddress: '02:00:00:00:00:05', networkName: 'guest', ipAddress: '10.1.1.5' };

    // Act
    const err = invalidParameter(() => domainXml(spec({ nics: [nic, { ...nic, macAddress: '02:00:00:00:00:05'.toUpperCase() }] }), options));

    // Assess
    expect(err.message).toContain('more than one NIC');
  });
});

describe('libvirt XML helpers', () => {
  it('escapes the five markup characters and replaces what XML cannot hold', () => {
    expect(escapeXml(`<a href="x">Tom's & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom&apos;s &amp; Jerry&apos;s&lt;/a&gt;');
    expect(escapeXml('nul\u0000 bell\u0007 lone\ud800 ok\u{1f600}')).toBe('nul\ufffd bell\ufffd lone\ufffd ok\u{1f600}');
    expect(escapeXml(42)).toBe('42');
  });

  it('lower-cases a valid MAC address', () => {
    expect(validMac('02:AB:cd:00:00:05')).toBe('02:ab:cd:00:00:05');
  });

  it('accepts CloudStack instance names', () => {
    expect(validName('instance name', 'i-2-10-VM')).toBe('i-2-10-VM');
    expect(validName('instance name', 'web_01.example')).toBe('web_01.example');
  });

  it('uses the VM id as the domain UUID when it is one, and a stable UUID derived from it otherwise', () => {
    expect(domainUuid('5D7C2A4E-9B1F-4C3D-8E2A-0F1B2C3D4E5F')).toBe('5d7c2a4e-9b1f-4c3d-8e2a-0f1b2c3d4e5f');
    expect(domainUuid('vm-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(domainUuid('vm-1')).toBe(domainUuid('vm-1'));
    expect(domainUuid('vm-1')).not.toBe(domainUuid('vm-2'));
  });

  it.each([
    [1, 500, 500],
    [2, 1000, 2000],
    [16, 3000, 10000],
  ])('weighs %i vCPUs at %i MHz as %i CPU shares', (cpuNumber, cpuSpeed, shares) => {
    expect(cpuShares({ cpuNumber, cpuSpeed })).toBe(shares);
  });
});
