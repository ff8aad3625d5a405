import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  disks: [{ volumeId: `${instanceName}-root`, type: 'ROOT', deviceId: 0, path: `${instanceName}-root`, size: 1 }],
});

describe('SimulatorDriver', () => {
  it('describes its host from its configuration', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', cpuNumber: 32, cpuSpeed: 2400, memoryTotal: 131072, ipAddress: '192.0.2.5' });

    // Act
    const facts = await driver.hostFacts();

    // Assess
    expect(facts).toEqual({ hostname: 'sim-a', hypervisor: 'Simulator', cpuNumber: 32, cpuSpeed: 2400, memoryTotal: 131072, ipAddress: '192.0.2.5', agentVersion: 'simulator-1', migrationUri: 'sim://sim-a' });
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

describe('SimulatorDriver live migration', () => {
  it('hands a running domain over without an instant on two hosts: paused here, running there, gone here', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a' });
    const b = new SimulatorDriver({ hostname: 'mig-b' });
    await a.start({ ...spec('i-1'), maxMemory: 2048 });
    await a.reboot('i-1');

    // Act
    await a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });

    // Assess
    const all = [...a.transitions(), ...b.transitions()].sort((x, y) => x.seq - y.seq);
    expect(all.map((t) => [t.hostname, t.from, t.to])).toEqual([
      ['mig-a', 'Undefined', 'PowerOn'],
      ['mig-a', 'PowerOn', 'PowerOff'],
      ['mig-b', 'Undefined', 'PowerOn'],
      ['mig-a', 'PowerOff', 'Undefined'],
    ]);
    expect(findDoubleRuns(all)).toEqual([]);
    expect(await a.domains()).toEqual([]);
    expect(b.domain('i-1')).toEqual({ spec: { ...spec('i-1'), maxMemory: 2048 }, state: 'PowerOn', boots: 2 }); // not a new boot
  });

  it('succeeds on a repeat once the domain runs on the destination, and refuses a domain running nowhere', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a' });
    const b = new SimulatorDriver({ hostname: 'mig-b' });
    await a.start(spec('i-1'));
    await a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });

    // Act
    await a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });
    const nowhere = a.migrate('i-2', 'sim://mig-b', { timeoutMs: 1000 });

    // Assess
    await expect(nowhere).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
    expect(b.transitions()).toHaveLength(1);
    expect(b.domain('i-1')?.state).toBe('PowerOn');
  });

  it('refuses an unknown destination and leaves the domain running here', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a' });
    await a.start(spec('i-1'));

    // Act
    const moved = a.migrate('i-1', 'sim://nowhere', { timeoutMs: 1000 });

    // Assess
    await expect(moved).rejects.toEqual(new DriverError('ResourceUnavailableError', 'No host answers for a migration at sim://nowhere', false));
    await expect(moved).rejects.toMatchObject({ retryable: false });
    expect(a.domain('i-1')?.state).toBe('PowerOn');
  });

  it.each([
    ['the source', { faults: { migrate: { message: 'link down' } } }, {}],
    ['the destination', {}, { faults: { acceptMigration: { message: 'no room' } } }],
  ])('keeps the domain on the source when %s fails the migration', async (_side, source, destination) => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a', ...source });
    const b = new SimulatorDriver({ hostname: 'mig-b', ...destination });
    await a.start(spec('i-1'));

    // Act
    const moved = a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });

    // Assess
    await expect(moved).rejects.toMatchObject({ name: 'ResourceUnavailableError' });
    expect(a.domain('i-1')?.state).toBe('PowerOn');
    expect(b.domain('i-1')).toBeUndefined();
    expect(b.transitions()).toEqual([]);
  });

  it('keeps the domain on the source when aborted during the transfer', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a', latencyMs: { migrate: 60_000 } });
    const b = new SimulatorDriver({ hostname: 'mig-b' });
    await a.start(spec('i-1'));
    const controller = new AbortController();

    // Act
    const moved = a.migrate('i-1', 'sim://mig-b', { timeoutMs: 120_000 }, controller.signal);
    controller.abort();

    // Assess
    await expect(moved).rejects.toMatchObject({ name: 'AbortError' });
    expect(a.domain('i-1')?.state).toBe('PowerOn');
    expect(b.domain('i-1')).toBeUndefined();
  });

  it('gives up a transfer that outlasts its timeout, as a retryable failure, with the domain still here', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a', latencyMs: { migrate: 60_000 } });
    new SimulatorDriver({ hostname: 'mig-b' });
    await a.start(spec('i-1'));

    // Act
    const moved = a.migrate('i-1', 'sim://mig-b', { timeoutMs: 20 });

    // Assess
    await expect(moved).rejects.toEqual(new DriverError('ResourceUnavailableError', 'Migration of i-1 to sim://mig-b did not finish within 20 ms', true));
    expect(a.domain('i-1')?.state).toBe('PowerOn');
  });

  it('replaces a stopped copy on the destination, and refuses one that runs there', async () => {
    // Prepare
    const a = new SimulatorDriver({ hostname: 'mig-a' });
    const b = new SimulatorDriver({ hostname: 'mig-b' });
    await b.start(spec('i-1'));
    await b.stop('i-1', { force: true, timeoutMs: 1 });
    await b.start(spec('i-2'));
    await a.start({ ...spec('i-1'), memory: 1024 });
    await a.start(spec('i-2'));

    // Act
    await a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });
    const second = a.migrate('i-2', 'sim://mig-b', { timeoutMs: 1000 });

    // Assess
    expect(b.domain('i-1')).toMatchObject({ state: 'PowerOn', spec: { memory: 1024 } });
    await expect(second).rejects.toMatchObject({ name: 'ResourceInUseError', retryable: false });
    expect(a.domain('i-2')?.state).toBe('PowerOn');
  });

  it('keeps both hosts\' domains in their state files across the hand-over', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'stratus-sim-'));
    try {
      const a = new SimulatorDriver({ hostname: 'mig-a', stateFile: join(dir, 'a.json') });
      new SimulatorDriver({ hostname: 'mig-b', stateFile: join(dir, 'b.json') });
      await a.start(spec('i-1'));
      await a.start(spec('i-2'));

      // Act
      await a.migrate('i-1', 'sim://mig-b', { timeoutMs: 1000 });
      await a.scale('i-2', { cpuNumber: 1, cpuSpeed: 500, memory: 256 });
      const a2 = new SimulatorDriver({ hostname: 'mig-a', stateFile: join(dir, 'a.json') });
      const b2 = new SimulatorDriver({ hostname: 'mig-b', stateFile: join(dir, 'b.json') });

      // Assess
      expect(await a2.domains()).toEqual([{ name: 'i-2', state: 'PowerOn' }]);
      expect(a2.domain('i-2')?.spec).toMatchObject({ cpuSpeed: 500, memory: 256 });
      expect(await b2.domains()).toEqual([{ name: 'i-1', state: 'PowerOn' }]);
      // the restarted hosts now answer for their URIs
      await a2.migrate('i-2', 'sim://mig-b', { timeoutMs: 1000 });
      expect(b2.domain('i-2')?.state).toBe('PowerOn');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SimulatorDriver scaling', () => {
  it('changes a running domain\'s size within its ceilings', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start({ ...spec('i-1'), maxCpuNumber: 4, maxMemory: 2048 });

    // Act
    await driver.scale('i-1', { cpuNumber: 4, cpuSpeed: 1500, memory: 2048 });

    // Assess
    expect(driver.domain('i-1')).toMatchObject({ state: 'PowerOn', spec: { cpuNumber: 4, cpuSpeed: 1500, memory: 2048, maxCpuNumber: 4, maxMemory: 2048 } });
    expect(driver.transitions()).toHaveLength(1); // scaling is no power transition
  });

  it.each([
    ['above its vCPU ceiling', { maxCpuNumber: 2, maxMemory: 4096 }, { cpuNumber: 3, cpuSpeed: 1000, memory: 512 }],
    ['above its memory ceiling', { maxCpuNumber: 2, maxMemory: 4096 }, { cpuNumber: 1, cpuSpeed: 1000, memory: 4097 }],
    ['above its size when it has no ceilings', {}, { cpuNumber: 2, cpuSpeed: 1000, memory: 512 }],
  ])('refuses to scale a domain %s, changing nothing', async (_case, ceilings, target) => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start({ ...spec('i-1'), ...ceilings });

    // Act
    const scaled = driver.scale('i-1', target);

    // Assess
    await expect(scaled).rejects.toMatchObject({ name: 'InvalidParameterError', retryable: false });
    expect(driver.domain('i-1')?.spec).toEqual({ ...spec('i-1'), ...ceilings });
  });

  it('refuses to scale a domain that is off or missing', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start(spec('i-1'));
    await driver.stop('i-1', { force: true, timeoutMs: 1 });

    // Act / Assess
    await expect(driver.scale('i-1', { cpuNumber: 1, cpuSpeed: 1000, memory: 512 })).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
    await expect(driver.scale('i-2', { cpuNumber: 1, cpuSpeed: 1000, memory: 512 })).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: false });
  });

  it('fails the first scale its configuration says, and the retry succeeds', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a', faults: { scale: { failTimes: 1 } } });
    await driver.start({ ...spec('i-1'), maxMemory: 1024 });

    // Act
    const first = driver.scale('i-1', { cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });
    await expect(first).rejects.toMatchObject({ name: 'ResourceUnavailableError', retryable: true });
    await driver.scale('i-1', { cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });

    // Assess
    expect(driver.domain('i-1')?.spec.memory).toBe(1024);
  });
});

describe('SimulatorDriver resolveIncoming', () => {
  it('answers PowerOn for a domain running here and changes nothing', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    await driver.start(spec('i-1'));

    // Act / Assess
    expect(await driver.resolveIncoming('i-1')).toBe('PowerOn');
    expect(driver.domain('i-1')?.state).toBe('PowerOn');
  });

  it('removes a copy that is defined but off, and answers PowerOff for a missing one without a transition', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim-a' });
    driver.seed([{ spec: spec('i-1'), state: 'PowerOff' }]);

    // Act
    const leftover = await driver.resolveIncoming('i-1');
    const missing = await driver.resolveIncoming('i-2');

    // Assess
    expect([leftover, missing]).toEqual(['PowerOff', 'PowerOff']);
    expect(await driver.domains()).toEqual([]);
    expect(driver.transitions().map((t) => [t.instanceName, t.from, t.to])).toEqual([
      ['i-1', 'Undefined', 'PowerOff'],
      ['i-1', 'PowerOff', 'Undefined'],
    ]);
  });
});
