import type { VmSpec } from '../../../../core/agent-protocol';
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

  it('fails a start whose template is not in the pool, naming the volume it looked for', async () => {
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
});

describe('libvirt error and state mapping', () => {
  it.each([
    ['failed to connect to the hypervisor', 'ResourceUnavailableError', true],
    ['End of file while reading data: Input/output error', 'ResourceUnavailableError', true],
    ['Timed out during operation: cannot acquire state change lock', 'ResourceUnavailableError', true],
    ['Cannot allocate memory', 'InsufficientCapacityError', false],
    ['No space left on device', 'InsufficientCapacityError', false],
    ["unsupported configuration: domain type 'kvm' is not supported", 'ResourceUnavailableError', false],
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
