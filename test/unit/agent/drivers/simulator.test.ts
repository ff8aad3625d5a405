import type { VmSpec } from '../../../../core/agent-protocol';
import { DriverError } from '../../../../agent/drivers/driver';
import { findDoubleRuns, SimulatorDriver, type PowerTransition } from '../../../../agent/drivers/simulator';

const spec = (instanceName: string): VmSpec => ({
  vmId: instanceName,
  instanceName,
  displayName: instanceName,
  cpuNumber: 1,
  cpuSpeed: 1000,
  memory: 512,
  template: { id: 't', url: 'http://images.example/t.qcow2', format: 'QCOW2' },
  nics: [],
});

describe('SimulatorDriver', () => {
  it('describes its host from its configuration', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', cpuNumber: 32, cpuSpeed: 2400, memoryTotal: 131072, ipAddress: '192.0.2.5' });

    // Act
    const facts = await driver.hostFacts();

    // Assess
    expect(facts).toEqual({ hostname: 'sim-a', hypervisor: 'Simulator', cpuNumber: 32, cpuSpeed: 2400, memoryTotal: 131072, ipAddress: '192.0.2.5', agentVersion: 'simulator-1' });
  });

  it('starts a domain once: starting it again while it runs succeeds without a second boot', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });

    // Act
    await driver.start(spec('i-1'));
    await driver.start(spec('i-1'));

    // Assess
    expect(await driver.domains()).toEqual([{ name: 'i-1', state: 'PowerOn' }]);
    expect(driver.domain('i-1')?.boots).toBe(1);
    expect(driver.transitions().map((t) => [t.from, t.to])).toEqual([['Undefined', 'PowerOn']]);
  });

  it('stops a running domain, and stopping it again (or a missing one) succeeds', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start(spec('i-1'));

    // Act
    await driver.stop('i-1', { force: false, timeoutMs: 1000 });
    await driver.stop('i-1', { force: false, timeoutMs: 1000 });
    await driver.stop('i-missing', { force: true, timeoutMs: 1000 });

    // Assess
    expect(await driver.domains()).toEqual([{ name: 'i-1', state: 'PowerOff' }]);
    expect(driver.transitions().map((t) => t.to)).toEqual(['PowerOn', 'PowerOff']);
  });

  it('fails a graceful stop the guest does not finish in time, but powers off when forced', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', gracefulShutdownMs: 5000 });
    await driver.start(spec('i-1'));

    // Act
    const graceful = driver.stop('i-1', { force: false, timeoutMs: 1000 });

    // Assess
    await expect(graceful).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: true });
    await driver.stop('i-1', { force: true, timeoutMs: 1000 });
    expect(driver.domain('i-1')?.state).toBe('PowerOff');
  });

  it('reboots a running domain and refuses to reboot one that is not defined', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start(spec('i-1'));

    // Act
    await driver.reboot('i-1');
    const missing = driver.reboot('i-2');

    // Assess
    expect(driver.domain('i-1')).toMatchObject({ state: 'PowerOn', boots: 2 });
    await expect(missing).rejects.toBeInstanceOf(DriverError);
  });

  it('undefines a running domain by powering it off first, and undefining it again succeeds', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start(spec('i-1'));

    // Act
    await driver.undefine('i-1', { removeDisks: true });
    await driver.undefine('i-1', { removeDisks: true });

    // Assess
    expect(await driver.domains()).toEqual([]);
    expect(driver.transitions().map((t) => t.to)).toEqual(['PowerOn', 'PowerOff', 'Undefined']);
  });

  it('fails the first calls its configuration says, then succeeds', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', faults: { start: { failTimes: 2, error: 'InsufficientCapacityError', retryable: false } } });

    // Act
    const outcomes = await Promise.allSettled([driver.start(spec('i-1')), driver.start(spec('i-1')), driver.start(spec('i-1'))]);

    // Assess
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'InsufficientCapacityError', retryable: false });
  });

  it('takes faults from a function of the operation and the domain', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', faults: (op, target) => (op === 'start' && target === 'i-bad' ? new DriverError('ResourceUnavailableError', 'disk gone', false) : undefined) });

    // Act
    await driver.start(spec('i-good'));
    const bad = driver.start(spec('i-bad'));

    // Assess
    await expect(bad).rejects.toThrow('disk gone');
    expect(driver.domain('i-good')?.state).toBe('PowerOn');
  });

  it('gives up an operation still in its latency when aborted', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', latencyMs: { start: 60_000 } });
    const controller = new AbortController();

    // Act
    const starting = driver.start(spec('i-1'), controller.signal);
    controller.abort();

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'AbortError' });
    expect(driver.domain('i-1')).toBeUndefined();
  });

  it('stamps transitions with its clock and reports each to the configured observer', async () => {
    // Prepare
    const seen: PowerTransition[] = [];
    const driver = new SimulatorDriver({ hostname: 'sim-a', clock: () => 1_000, onTransition: (t) => seen.push(t) });

    // Act
    await driver.start(spec('i-1'));

    // Assess
    expect(seen).toEqual([expect.objectContaining({ at: 1_000, hostname: 'sim-a', instanceName: 'i-1', from: 'Undefined', to: 'PowerOn' })]);
  });
});

describe('findDoubleRuns', () => {
  it('finds nothing when a VM is stopped on one host before it starts on another', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'sim-a' });
    const b = new SimulatorDriver({ hostname: 'sim-b' });
    await a.start(spec('i-1'));
    await a.stop('i-1', { force: true, timeoutMs: 1 });
    await b.start(spec('i-1'));

    // Act
    const found = findDoubleRuns([...b.transitions(), ...a.transitions()]);

    // Assess
    expect(found).toEqual([]);
  });

  it('finds a VM running on two hosts at once', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'sim-a' });
    const b = new SimulatorDriver({ hostname: 'sim-b' });
    await a.start(spec('i-1'));
    await b.start(spec('i-1'));

    // Act
    const found = findDoubleRuns([...a.transitions(), ...b.transitions()]);

    // Assess
    expect(found).toEqual([expect.objectContaining({ instanceName: 'i-1', hostnames: ['sim-a', 'sim-b'] })]);
  });
});
