import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HostFacts } from '../../../core/agent-protocol';
import type { Vm } from '../../../core/entities';
import { GatewayClient } from '../../../agent/client';
import { createAgentGateway } from '../../../functions/agent-gateway/app';
import { HaRepository } from '../../../functions/store/ha';
import { HostAgentRepository } from '../../../functions/store/host-agent';
import { JobsRepository } from '../../../functions/store/jobs';
import { entityKey } from '../../../functions/store/keys';
import { SettingsRepository } from '../../../functions/store/settings';
import { TasksRepository } from '../../../functions/store/tasks';
import { VmsRepository } from '../../../functions/store/vms';
import { createTable, localDocumentClient, startDynamoDbLocal } from '../helpers/dynamodb-local';
import { putHost, serveHandler, startFakeSfn } from './fixtures';

const TABLE = 'stratus-heartbeat-orders';
const facts: HostFacts = { hostname: 'sim-1', hypervisor: 'Simulator', cpuNumber: 16, cpuSpeed: 2000, memoryTotal: 32768, ipAddress: '192.0.2.10', agentVersion: 'simulator-1' };

/**
 * The heartbeat's answer: the agent's standing orders. The HA domains the HA monitor listed on the
 * host and the fence delay, with what was answered recorded for the monitor's proofs; and for a host
 * back from Down, the domains to stop before it is Up again.
 */
describe('heartbeat standing orders', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let sfn: Awaited<ReturnType<typeof startFakeSfn>>;
  let front: Awaited<ReturnType<typeof serveHandler>>;
  let db: DynamoDBDocumentClient;
  let hostAgent: HostAgentRepository;
  let settings: SettingsRepository;
  let vms: VmsRepository;
  let ha: HaRepository;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await createTable(dynamo.endpoint, TABLE);
    db = localDocumentClient(dynamo.endpoint);
    settings = new SettingsRepository(db, TABLE);
    vms = new VmsRepository(db, TABLE);
    ha = new HaRepository(db, TABLE);
    hostAgent = new HostAgentRepository(db, TABLE, settings, vms);
    sfn = await startFakeSfn();
    front = await serveHandler(createAgentGateway({ hostAgent, jobs: new JobsRepository(db, TABLE), tasks: new TasksRepository(db, TABLE), sfn: sfn.client, pollIntervalMs: 10 }));
  });

  afterAll(async () => {
    await front?.stop();
    await sfn?.stop();
    db?.destroy();
    await dynamo?.stop();
  });

  const hostItem = async (id: string) => (await db.send(new GetCommand({ TableName: TABLE, Key: entityKey('HOST', id), ConsistentRead: true }))).Item ?? {};
  const agentFor = async (hostId: string, overrides: Parameters<typeof putHost>[3] = {}) => {
    await putHost(db, TABLE, hostId, { cpuUsed: 0, memoryUsed: 0, ...overrides });
    const client = new GatewayClient({ endpoint: front.endpoint });
    client.credentials = await client.register(await hostAgent.createRegistrationToken(hostId, 3600), facts);
    return client;
  };
  const setHost = (id: string, fields: Record<string, unknown>) =>
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: entityKey('HOST', id),
        UpdateExpression: `SET ${Object.keys(fields).map((k, i) => `#k${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(Object.keys(fields).map((k, i) => [`#k${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(Object.values(fields).map((v, i) => [`:v${i}`, v])),
      }),
    );
  let seq = 0;
  const putVm = async (over: Partial<Vm>): Promise<Vm> => {
    const n = ++seq;
    const vm: Vm = {
      id: `vm-${n}`, name: `vm${n}`, displayName: `vm${n}`, instanceName: `i-2-${n}-VM`, accountId: 'acct', userId: 'user', domainId: 'dom', domainPath: 'ROOT',
      zoneId: 'zone-1', serviceOfferingId: 'off', templateId: 'tpl', osTypeId: 'os', cpuNumber: 1, cpuSpeed: 500, memory: 512, state: 'Running',
      nics: [], haEnable: false, details: {}, affinityGroupIds: [], created: new Date().toISOString(), lastUpdated: new Date().toISOString(), version: 1, ...over,
    };
    await db.send(new TransactWriteCommand({ TransactItems: vms.createOperations(vm) as never }));
    return vm;
  };

  it('answers the HA domains the HA monitor listed and the fence delay, and records what it answered', async () => {
    // Prepare: the monitor's list on the host; defaults agent.fence.interval 120 s, host.down.timeout 180 s
    const client = await agentFor('h-fence');
    await ha.setHaDomains('h-fence', ['i-2-100-VM', 'i-2-101-VM']);

    // Act
    const first = await client.heartbeat({ facts, domains: [{ name: 'i-2-100-VM', state: 'PowerOn' }] });
    const afterFirst = await hostItem('h-fence');
    const second = await client.heartbeat({ facts, domains: [{ name: 'i-2-100-VM', state: 'PowerOn' }] });
    const afterSecond = await hostItem('h-fence');

    // Assess: the answer is the list; the host keeps this answer's list and the one before, and the heartbeat before this one
    expect(first).toEqual({ received: true, haDomains: ['i-2-100-VM', 'i-2-101-VM'], stop: [], fenceAfterMs: 120_000, pools: [] });
    expect(second).toEqual(first);
    expect(afterFirst).toMatchObject({ state: 'Up', fenceDomains: ['i-2-100-VM', 'i-2-101-VM'], priorFenceDomains: [], fenceAfterMs: 120_000 });
    expect(afterSecond).toMatchObject({ fenceDomains: ['i-2-100-VM', 'i-2-101-VM'], priorFenceDomains: ['i-2-100-VM', 'i-2-101-VM'], previousHeartbeat: afterFirst.lastHeartbeat });
  });

  it('fences at two thirds of host.down.timeout when agent.fence.interval is longer', async () => {
    // Prepare
    const client = await agentFor('h-margin');
    await settings.put('host.down.timeout', '30');
    await settings.put('agent.fence.interval', '60');

    // Act
    const answer = await client.heartbeat({ facts, domains: [] });

    // Assess
    expect(answer.fenceAfterMs).toBe(20_000);
    await settings.put('host.down.timeout', '180');
    await settings.put('agent.fence.interval', '120');
  });

  it('keeps a host back from Down out of service until it has stopped what runs elsewhere, then makes it Up', async () => {
    // Prepare: a Down host that still runs a VM restarted elsewhere, a VM the inventory stopped, one still its own, and a stranger
    const client = await agentFor('h-back', { vmCount: 1 });
    const moved = await putVm({ haEnable: true, hostId: 'h-other', lastHostId: 'h-back' });
    const stopped = await putVm({ state: 'Stopped', lastHostId: 'h-back' });
    const kept = await putVm({ hostId: 'h-back' });
    await setHost('h-back', { state: 'Down', downSince: new Date().toISOString() });
    const running = [moved, stopped, kept].map((v) => ({ name: v.instanceName, state: 'PowerOn' as const }));

    // Act: it heartbeats with everything still running
    const first = await client.heartbeat({ facts, domains: [...running, { name: 'i-9-9-stranger', state: 'PowerOn' }] });
    const whileStopping = await hostItem('h-back');
    // ... then with the two ordered off
    const second = await client.heartbeat({
      facts,
      domains: [
        { name: moved.instanceName, state: 'PowerOff' },
        { name: stopped.instanceName, state: 'PowerOff' },
        { name: kept.instanceName, state: 'PowerOn' },
      ],
    });
    const back = await hostItem('h-back');

    // Assess: stop orders for the two, the stranger and its own VM left alone; Up only once they are off
    expect(first.stop).toEqual([moved.instanceName, stopped.instanceName].sort());
    expect(whileStopping).toMatchObject({ state: 'Down', pendingStops: [moved.instanceName, stopped.instanceName].sort() });
    expect(second.stop).toEqual([]);
    expect(back.state).toBe('Up');
    expect(back.pendingStops).toBeUndefined();
    expect(back.downSince).toBeDefined(); // the HA monitor clears it with its "host is back" alert
  });

  it('leaves a Down host Down when its VMs changed while the heartbeat judged them (the monitor released one)', async () => {
    // Prepare: nothing to stop, but the host's guest count moves between the read and the write
    const client = await agentFor('h-race', { vmCount: 2 });
    await setHost('h-race', { state: 'Down' });
    const original = vms.byInstanceNames.bind(vms);
    const spy = jest.spyOn(vms, 'byInstanceNames').mockImplementation(async (names) => {
      await setHost('h-race', { vmCount: 1 });
      return original(names);
    });

    // Act
    try {
      const answer = await client.heartbeat({ facts, domains: [] });
      // Assess: judged again at the next heartbeat
      expect(answer.stop).toEqual([]);
      expect(await hostItem('h-race')).toMatchObject({ state: 'Down' });
    } finally {
      spy.mockRestore();
    }
    await client.heartbeat({ facts, domains: [] });
    expect(await hostItem('h-race')).toMatchObject({ state: 'Up' });
  });
});
