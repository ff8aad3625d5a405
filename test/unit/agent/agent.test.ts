import type { LeasedTask } from '../../../core/agent-protocol';
import { Agent } from '../../../agent/agent';
import { SimulatorDriver } from '../../../agent/drivers/simulator';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const task: LeasedTask = { taskId: 't1', leaseId: 'l1', leaseUntil: 0, command: 'RebootVm', payload: { instanceName: 'i-1' } };

/** An in-memory gateway: hands out `tasks` once, answers results with the statuses given in turn. */
function fakeGateway(resultStatuses: number[], tasks: LeasedTask[] = [task]) {
  const results: unknown[] = [];
  let handedOut = false;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    const reply = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/agent/register') return reply(200, { hostId: 'h1', secret: 's' });
    if (path === '/agent/heartbeat') return reply(200, { received: true });
    if (path === '/agent/poll') {
      if (!handedOut) {
        handedOut = true;
        return reply(200, { tasks });
      }
      await new Promise<void>((resolve) => init?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    }
    results.push(JSON.parse(String(init?.body)));
    const status = resultStatuses.shift() ?? 200;
    return reply(status, status === 200 ? { accepted: true } : { message: `status ${status}` });
  }) as typeof fetch;
  return { fetchFn, results };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('Agent', () => {
  it('runs tasks on one domain in lease order: a clean-up never overtakes the start it undoes', async () => {
    // Prepare: a slow start and the undefine that undoes it, leased together.
    const spec = { vmId: 'v', instanceName: 'i-2-9-VM', displayName: 'v', cpuNumber: 1, cpuSpeed: 1, memory: 1, template: { id: 't', url: 'u', format: 'QCOW2' }, nics: [], disks: [{ volumeId: 'v', type: 'ROOT' as const, deviceId: 0, path: 'i-2-9-VM-root', size: 1 }] };
    const start: LeasedTask = { taskId: 'start', leaseId: 'l1', leaseUntil: 0, command: 'StartVm', payload: { spec } };
    const undo: LeasedTask = { taskId: 'undo', leaseId: 'l2', leaseUntil: 0, command: 'UndefineVm', payload: { instanceName: 'i-2-9-VM', removeDisks: false, disks: [] } };
    const gateway = fakeGateway([], [start, undo]);
    const driver = new SimulatorDriver({ hostname: 'sim', latencyMs: { start: 50, undefine: 0 } });
    const agent = new Agent({ endpoint: 'http://gateway.test', credentials: { hostId: 'h1', secret: 's' }, driver, fetch: gateway.fetchFn, logger: silent });

    // Act
    await agent.start();
    await until(() => gateway.results.length === 2);
    await agent.stop();

    // Assess: the start finished first, and the domain is gone at the end.
    expect(gateway.results.map((r) => (r as { taskId: string }).taskId)).toEqual(['start', 'undo']);
    expect(driver.transitions().map((t) => t.to)).toEqual(['PowerOn', 'PowerOff', 'Undefined']);
    expect(await driver.domains()).toEqual([]);
  });

  it('retries a report the gateway failed to take, under the same lease, until it is taken', async () => {
    // Prepare
    const gateway = fakeGateway([503, 500, 200]);
    const driver = new SimulatorDriver({ hostname: 'sim' });
    await driver.start({ vmId: 'v', instanceName: 'i-1', displayName: 'v', cpuNumber: 1, cpuSpeed: 1, memory: 1, template: { id: 't', url: 'u', format: 'QCOW2' }, nics: [], disks: [{ volumeId: 'v', type: 'ROOT' as const, deviceId: 0, path: 'i-1-root', size: 1 }] });
    const agent = new Agent({ endpoint: 'http://gateway.test', token: 'x'.repeat(32), driver, fetch: gateway.fetchFn, reportBackoffMs: 1, logger: silent });

    // Act
    await agent.start();
    await until(() => gateway.results.length === 3);
    await agent.stop();

    // Assess
    expect(gateway.results).toEqual(Array(3).fill({ taskId: 't1', leaseId: 'l1', result: { ok: true, data: { instanceName: 'i-1', powerState: 'PowerOn' } } }));
  });

  it('does not retry a report the gateway refused (a stale lease)', async () => {
    // Prepare
    const gateway = fakeGateway([409]);
    const agent = new Agent({ endpoint: 'http://gateway.test', credentials: { hostId: 'h1', secret: 's' }, driver: new SimulatorDriver({ hostname: 'sim' }), fetch: gateway.fetchFn, reportBackoffMs: 1, logger: silent });

    // Act
    await agent.start();
    await until(() => gateway.results.length === 1);
    await agent.stop();

    // Assess
    expect(gateway.results).toHaveLength(1);
    expect(gateway.results[0]).toMatchObject({ result: { ok: false, error: { name: 'ResourceUnavailableError' } } });
  });

  it('drops a report after its last attempt', async () => {
    // Prepare
    const gateway = fakeGateway([500, 500, 500, 500, 500]);
    const agent = new Agent({ endpoint: 'http://gateway.test', credentials: { hostId: 'h1', secret: 's' }, driver: new SimulatorDriver({ hostname: 'sim' }), fetch: gateway.fetchFn, reportAttempts: 3, reportBackoffMs: 1, logger: silent });

    // Act
    await agent.start();
    await until(() => gateway.results.length === 3);
    await agent.stop();

    // Assess
    expect(gateway.results).toHaveLength(3);
  });

  it('refuses to start with neither saved credentials nor a token', async () => {
    // Prepare
    const agent = new Agent({ endpoint: 'http://gateway.test', driver: new SimulatorDriver({ hostname: 'sim' }), fetch: fakeGateway([]).fetchFn, logger: silent });

    // Act / Assess
    await expect(agent.start()).rejects.toThrow('no saved credentials and no registration token');
  });

  it('describes domains in heartbeats only when they appear or change, names those that go, and all at a rescan', async () => {
    // Prepare: a gateway that keeps every heartbeat body; a host with one domain it did not make.
    const beats: Array<{ described: Array<{ name: string; powerState: string }>; vanished: string[]; complete: boolean }> = [];
    const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
      const path = new URL(String(input)).pathname;
      const reply = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      if (path === '/agent/heartbeat') {
        beats.push(JSON.parse(String(init?.body)));
        return reply({ received: true });
      }
      await new Promise<void>((resolve) => init?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    }) as typeof fetch;
    const driver = new SimulatorDriver({ hostname: 'sim' });
    const spec = { vmId: '', instanceName: 'legacy', displayName: 'legacy', cpuNumber: 2, cpuSpeed: 1000, memory: 2048, template: { id: '', url: '', format: 'QCOW2' }, nics: [], disks: [{ volumeId: 'd', type: 'ROOT' as const, deviceId: 0, path: 'legacy.qcow2', size: 1 }] };
    driver.seed([{ spec, state: 'PowerOn', unmanaged: true }]);
    const agent = new Agent({ endpoint: 'http://gateway.test', credentials: { hostId: 'h1', secret: 's' }, driver, fetch: fetchFn, logger: silent, heartbeatIntervalMs: 20, describeIntervalMs: 60_000 });

    // Act
    await agent.start();
    await until(() => beats.length >= 3);
    await driver.stop('legacy', { force: true, timeoutMs: 1 });
    await until(() => beats.some((b) => b.described.some((d) => d.powerState === 'PowerOff')));
    await driver.undefine('legacy', { removeDisks: false });
    await until(() => beats.some((b) => b.vanished.includes('legacy')));
    await agent.stop();

    // Assess: described on the first beat (a rescan: complete), then silent until the power state changed, then gone.
    expect(beats[0]).toMatchObject({ described: [{ name: 'legacy', powerState: 'PowerOn' }], complete: true });
    expect(beats[1]).toMatchObject({ described: [], vanished: [], complete: false });
    const off = beats.findIndex((b) => b.described.length > 0 && b.described[0].powerState === 'PowerOff');
    expect(beats.slice(1, off).every((b) => b.described.length === 0)).toBe(true);
    expect(beats.filter((b) => b.vanished.includes('legacy'))).toHaveLength(1);
  });
});
