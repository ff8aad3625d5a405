import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeartbeatRequest, LeasedTask, VmSpec } from '../../../core/agent-protocol';
import { Agent, type AgentLogger } from '../../../agent/agent';
import { GatewayClient } from '../../../agent/client';
import { SimulatorDriver } from '../../../agent/drivers/simulator';

/**
 * The agent's standing orders from heartbeat answers (stop orders, self-fencing), and its bounds on
 * a task's run time (the deadline, a stop mid-task), against an in-memory gateway.
 */

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

interface HeartbeatAnswer {
  haDomains?: string[];
  stop?: string[];
  fenceAfterMs?: number;
}

/**
 * A gateway whose answers a test steers: `connected` false makes every request fail as on a broken
 * network; `answer` is the next heartbeat's standing orders; `queue` is handed out by the next poll.
 */
function fakeGateway() {
  const state = {
    connected: true,
    answer: {} as HeartbeatAnswer | { legacy: true },
    queue: [] as LeasedTask[],
    heartbeats: [] as Array<{ at: number; body: HeartbeatRequest }>,
    results: [] as Array<{ taskId: string; leaseId: string; result: { ok: boolean; error?: { name: string; message: string; retryable: boolean } } }>,
  };
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    if (!state.connected) throw new TypeError('fetch failed');
    const path = new URL(String(input)).pathname;
    const reply = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    if (path === '/agent/register') return reply({ hostId: 'h1', secret: 's' });
    if (path === '/agent/heartbeat') {
      state.heartbeats.push({ at: Date.now(), body: JSON.parse(String(init?.body)) as HeartbeatRequest });
      return reply('legacy' in state.answer ? { received: true } : { received: true, ...state.answer });
    }
    if (path === '/agent/poll') {
      if (state.queue.length > 0) return reply({ tasks: state.queue.splice(0) });
      await new Promise((resolve) => setTimeout(resolve, 5));
      return reply({ tasks: [] });
    }
    state.results.push(JSON.parse(String(init?.body)) as (typeof state.results)[number]);
    return reply({ accepted: true });
  }) as typeof fetch;
  return { ...state, state, fetchFn };
}

/** A logger that keeps the warnings, so a test can see what the agent told its operator. */
function recordingLogger(): AgentLogger & { warnings: Array<[string, Record<string, unknown> | undefined]> } {
  const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
  return { warnings, info: () => undefined, warn: (m, d) => void warnings.push([m, d]), error: () => undefined };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const giveUpAt = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Agent standing orders and task bounds', () => {
  const agents: Agent[] = [];
  const dirs: string[] = [];
  const agentWith = (options: Partial<ConstructorParameters<typeof Agent>[0]> & Pick<ConstructorParameters<typeof Agent>[0], 'driver' | 'fetch'>) => {
    const agent = new Agent({ endpoint: 'http://gateway.test', credentials: { hostId: 'h1', secret: 's' }, heartbeatIntervalMs: 20, pollWaitMs: 10, errorBackoffMs: 5, reportBackoffMs: 5, logger: recordingLogger(), ...options });
    agents.push(agent);
    return agent;
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-agent-'));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('aborts a task at its deadline and reports why, leaving the domain where it was', async () => {
    // Prepare: a migration that would take a minute, due in 100 ms
    const gateway = fakeGateway();
    const source = new SimulatorDriver({ hostname: 'dl-a', latencyMs: { migrate: 60_000 } });
    const destination = new SimulatorDriver({ hostname: 'dl-b' });
    await source.start(spec('i-1'));
    gateway.state.queue.push({
      taskId: 't1', leaseId: 'l1', leaseUntil: Date.now() + 100, deadline: Date.now() + 100,
      command: 'MigrateVm', payload: { instanceName: 'i-1', destinationUri: 'sim://dl-b', timeoutMs: 120_000 },
    });
    const agent = agentWith({ driver: source, fetch: gateway.fetchFn });

    // Act
    const started = Date.now();
    await agent.start();
    await until(() => gateway.state.results.length === 1);

    // Assess
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gateway.state.results[0]).toMatchObject({ taskId: 't1', leaseId: 'l1', result: { ok: false, error: { name: 'ResourceUnavailableError', retryable: false } } });
    expect(gateway.state.results[0].result.error?.message).toMatch(/^MigrateVm on i-1 did not finish before its deadline/);
    expect(source.domain('i-1')?.state).toBe('PowerOn');
    expect(destination.domain('i-1')).toBeUndefined();
  });

  it('reports a task that finished before its deadline as it finished', async () => {
    // Prepare
    const gateway = fakeGateway();
    const driver = new SimulatorDriver({ hostname: 'dl-c' });
    gateway.state.queue.push({ taskId: 't1', leaseId: 'l1', leaseUntil: Date.now() + 60_000, deadline: Date.now() + 60_000, command: 'StartVm', payload: { spec: spec('i-1') } });
    const agent = agentWith({ driver, fetch: gateway.fetchFn });

    // Act
    await agent.start();
    await until(() => gateway.state.results.length === 1);

    // Assess
    expect(gateway.state.results[0]).toMatchObject({ result: { ok: true } });
  });

  it('leaves a migration cut short by a stop on the source, and migrates when restarted and handed the task again', async () => {
    // Prepare
    const gateway = fakeGateway();
    const source = new SimulatorDriver({ hostname: 'kill-a', latencyMs: { migrate: 200 } });
    const destination = new SimulatorDriver({ hostname: 'kill-b' });
    await source.start(spec('i-1'));
    const task: LeasedTask = { taskId: 't1', leaseId: 'l1', leaseUntil: 0, command: 'MigrateVm', payload: { instanceName: 'i-1', destinationUri: 'sim://kill-b', timeoutMs: 10_000 } };
    gateway.state.queue.push(task);
    const agent = agentWith({ driver: source, fetch: gateway.fetchFn });
    await agent.start();
    await until(() => gateway.state.queue.length === 0);

    // Act: killed mid-transfer
    await sleep(20);
    await agent.stop();

    // Assess: nothing moved, nothing reported
    expect(source.domain('i-1')?.state).toBe('PowerOn');
    expect(destination.domain('i-1')).toBeUndefined();
    expect(gateway.state.results).toEqual([]);

    // Act: the same agent restarted (no token needed), the lease expired, the task handed out again
    gateway.state.queue.push({ ...task, leaseId: 'l2' });
    await agent.start();
    await until(() => gateway.state.results.length === 1);

    // Assess
    expect(gateway.state.results[0]).toMatchObject({ taskId: 't1', leaseId: 'l2', result: { ok: true } });
    expect(source.domain('i-1')).toBeUndefined();
    expect(destination.domain('i-1')?.state).toBe('PowerOn');
  });

  it('powers off the domains a heartbeat answer orders stopped, after the task already running on them, then heartbeats at once', async () => {
    // Prepare: a slow start of i-1 is running when the order to stop it arrives
    const gateway = fakeGateway();
    const driver = new SimulatorDriver({ hostname: 'stop-a', latencyMs: { start: 150 } });
    driver.seed([{ spec: spec('i-2'), state: 'PowerOn' }]);
    gateway.state.queue.push({ taskId: 't1', leaseId: 'l1', leaseUntil: 0, command: 'StartVm', payload: { spec: spec('i-1') } });
    const agent = agentWith({ driver, fetch: gateway.fetchFn, heartbeatIntervalMs: 40 });
    await agent.start();
    await until(() => gateway.state.queue.length === 0);

    // Act
    gateway.state.answer = { stop: ['i-1', 'i-2', 'i-missing'] };
    await until(() => gateway.state.heartbeats.length >= 2);
    gateway.state.answer = {};
    await until(() => driver.domain('i-1')?.state === 'PowerOff');

    // Assess: the stop came after the start, never before it
    expect(driver.transitions().filter((t) => t.instanceName === 'i-1').map((t) => t.to)).toEqual(['PowerOn', 'PowerOff']);
    expect(driver.domain('i-2')?.state).toBe('PowerOff');
    expect(gateway.state.results).toEqual([expect.objectContaining({ taskId: 't1', result: expect.objectContaining({ ok: true }) })]);
  });

  it('sends the heartbeat after obeying stop orders without waiting a full interval', async () => {
    // Prepare: heartbeats every minute, so only the prompt one can come soon
    const gateway = fakeGateway();
    const driver = new SimulatorDriver({ hostname: 'stop-b' });
    driver.seed([{ spec: spec('i-1'), state: 'PowerOn' }]);
    gateway.state.answer = { stop: ['i-1'] };
    const agent = agentWith({ driver, fetch: gateway.fetchFn, heartbeatIntervalMs: 60_000 });

    // Act
    await agent.start();
    gateway.state.answer = {};
    await until(() => gateway.state.heartbeats.length === 2);

    // Assess: the second heartbeat already shows it off
    expect(gateway.state.heartbeats[1].body.domains).toEqual([{ name: 'i-1', state: 'PowerOff' }]);
    expect(gateway.state.heartbeats[1].at - gateway.state.heartbeats[0].at).toBeLessThan(5_000);
  });

  it('fences its HA domains once cut off for fenceAfterMs, keeps them off, and restarts nothing when contact returns', async () => {
    // Prepare
    const gateway = fakeGateway();
    const logger = recordingLogger();
    const driver = new SimulatorDriver({ hostname: 'fence-a' });
    driver.seed([
      { spec: spec('i-ha'), state: 'PowerOn' },
      { spec: spec('i-plain'), state: 'PowerOn' },
      { spec: spec('i-ha-off'), state: 'PowerOff' },
    ]);
    gateway.state.answer = { haDomains: ['i-ha', 'i-ha-off', 'i-elsewhere'], fenceAfterMs: 150 };
    const agent = agentWith({ driver, fetch: gateway.fetchFn, logger });
    await agent.start();
    await sleep(200); // in contact: nothing happens however long
    expect(driver.domain('i-ha')?.state).toBe('PowerOn');

    // Act: cut off
    const cut = Date.now();
    gateway.state.connected = false;
    await until(() => driver.domain('i-ha')?.state === 'PowerOff');
    const fencedAfter = Date.now() - cut;

    // Assess: only the HA domain that ran, not before the interval
    expect(fencedAfter).toBeGreaterThanOrEqual(100);
    expect(driver.domain('i-plain')?.state).toBe('PowerOn');
    expect(agent.standingOrders.fenced).toBe(true);
    expect(logger.warnings.filter(([m]) => m.startsWith('self-fenced')).map(([, d]) => d?.domain)).toEqual(['i-ha']);

    // Act: something starts it again while still cut off
    await driver.start(spec('i-ha'));
    await until(() => driver.domain('i-ha')?.state === 'PowerOff');

    // Act: contact restored
    gateway.state.connected = true;
    await until(() => !agent.standingOrders.fenced);
    await sleep(100);

    // Assess: it stays off until the control plane says otherwise; the off one was never touched
    expect(driver.domain('i-ha')?.state).toBe('PowerOff');
    expect(driver.transitions().filter((t) => t.instanceName === 'i-ha-off')).toHaveLength(1);
    expect(driver.transitions().filter((t) => t.instanceName === 'i-plain')).toHaveLength(1);
  });

  it('fences nothing for a gateway that sends no orders (an old `{received: true}` answer)', async () => {
    // Prepare
    const gateway = fakeGateway();
    gateway.state.answer = { legacy: true };
    const driver = new SimulatorDriver({ hostname: 'fence-b' });
    driver.seed([{ spec: spec('i-1'), state: 'PowerOn' }]);
    const agent = agentWith({ driver, fetch: gateway.fetchFn });
    await agent.start();

    // Act
    gateway.state.connected = false;
    await sleep(200);

    // Assess
    expect(agent.standingOrders).toMatchObject({ haDomains: [], fenceAfterMs: undefined, fenced: false });
    expect(driver.domain('i-1')?.state).toBe('PowerOn');
  });

  it('aborts the tasks on a domain it fences, running or waiting, so none brings it back', async () => {
    // Prepare: a long migration of an HA VM is running, and a start of it waits behind, when contact is lost
    const gateway = fakeGateway();
    const source = new SimulatorDriver({ hostname: 'fence-c', latencyMs: { migrate: 60_000 } });
    const destination = new SimulatorDriver({ hostname: 'fence-d' });
    source.seed([{ spec: spec('i-ha'), state: 'PowerOn' }]);
    gateway.state.answer = { haDomains: ['i-ha'], fenceAfterMs: 60 };
    gateway.state.queue.push(
      { taskId: 't1', leaseId: 'l1', leaseUntil: 0, command: 'MigrateVm', payload: { instanceName: 'i-ha', destinationUri: 'sim://fence-d', timeoutMs: 120_000 } },
      { taskId: 't2', leaseId: 'l2', leaseUntil: 0, command: 'StartVm', payload: { spec: spec('i-ha') } },
    );
    const agent = agentWith({ driver: source, fetch: gateway.fetchFn });
    await agent.start();
    await until(() => gateway.state.queue.length === 0);

    // Act
    gateway.state.connected = false;
    await until(() => source.domain('i-ha')?.state === 'PowerOff');
    await until(() => (agent as unknown as { running: Map<string, unknown> }).running.size === 0, 2_000); // both tasks ended

    // Assess: fenced here, never moved, never started again
    expect(destination.domain('i-ha')).toBeUndefined();
    expect(source.transitions().map((t) => t.to)).toEqual(['PowerOn', 'PowerOff']);
  });

  it('keeps its standing orders beside the credentials file, so a restart while cut off still fences', async () => {
    // Prepare: the first run learns the orders and saves them
    const dir = tempDir();
    const credentialsFile = join(dir, 'agent.json');
    const gateway = fakeGateway();
    gateway.state.answer = { haDomains: ['i-ha'], fenceAfterMs: 120 };
    const driver = new SimulatorDriver({ hostname: 'persist-a' });
    driver.seed([{ spec: spec('i-ha'), state: 'PowerOn' }]);
    const first = agentWith({ driver, fetch: gateway.fetchFn, credentials: undefined, credentialsFile, token: 'x'.repeat(32) });
    await first.start();
    await first.stop();
    const saved = JSON.parse(readFileSync(`${credentialsFile}.fencing.json`, 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({ haDomains: ['i-ha'], fenceAfterMs: 120, lastContactAt: expect.any(Number) });

    // Act: a new process, started with the network down
    gateway.state.connected = false;
    const restarted = agentWith({ driver, fetch: gateway.fetchFn, credentials: undefined, credentialsFile });
    await restarted.start();
    await until(() => driver.domain('i-ha')?.state === 'PowerOff');

    // Assess
    expect(restarted.hostId).toBe('h1');
    expect(restarted.standingOrders).toMatchObject({ haDomains: ['i-ha'], fenceAfterMs: 120, fenced: true });
  });
});

describe('GatewayClient heartbeat', () => {
  it.each([
    [{ received: true }, { received: true, haDomains: [], stop: [], pools: [] }],
    [{ received: true, haDomains: ['i-1'], stop: ['i-2'], fenceAfterMs: 90_000 }, { received: true, haDomains: ['i-1'], stop: ['i-2'], fenceAfterMs: 90_000, pools: [] }],
  ])('reads the answer %j as standing orders', async (body, orders) => {
    // Prepare
    const client = new GatewayClient({ endpoint: 'http://gateway.test', fetch: (async () => new Response(JSON.stringify(body), { status: 200 })) as typeof fetch });
    client.credentials = { hostId: 'h1', secret: 's' };

    // Act
    const answer = await client.heartbeat({ facts: { hostname: 'h', hypervisor: 'Simulator', cpuNumber: 1, cpuSpeed: 1, memoryTotal: 1, ipAddress: '127.0.0.1', agentVersion: 'x' }, domains: [] });

    // Assess
    expect(answer).toEqual(orders);
  });
});
