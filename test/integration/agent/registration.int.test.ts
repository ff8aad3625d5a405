import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HostFacts } from '../../../core/agent-protocol';
import { AGENT_HEADERS, AGENT_PATHS } from '../../../core/agent-protocol';
import { GatewayClient, GatewayError } from '../../../agent/client';
import { createAgentGateway } from '../../../functions/agent-gateway/app';
import { HostAgentRepository, RegistrationTokenError } from '../../../functions/store/host-agent';
import { entityKey, registrationTokenKey } from '../../../functions/store/keys';
import { TasksRepository } from '../../../functions/store/tasks';
import { JobsRepository } from '../../../functions/store/jobs';
import { createTable, localDocumentClient, startDynamoDbLocal } from '../helpers/dynamodb-local';
import { putHost, serveHandler, startFakeSfn } from './fixtures';

const TABLE = 'stratus-registration';
const facts: HostFacts = {
  hostname: 'sim-1',
  hypervisor: 'Simulator',
  cpuNumber: 16,
  cpuSpeed: 2000,
  memoryTotal: 32768,
  ipAddress: '192.0.2.10',
  agentVersion: 'simulator-1',
};

describe('agent registration and heartbeat', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let sfn: Awaited<ReturnType<typeof startFakeSfn>>;
  let front: Awaited<ReturnType<typeof serveHandler>>;
  let db: DynamoDBDocumentClient;
  let hostAgent: HostAgentRepository;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await createTable(dynamo.endpoint, TABLE);
    db = localDocumentClient(dynamo.endpoint);
    hostAgent = new HostAgentRepository(db, TABLE);
    sfn = await startFakeSfn();
    const gateway = createAgentGateway({ hostAgent, jobs: new JobsRepository(db, TABLE), tasks: new TasksRepository(db, TABLE), sfn: sfn.client, pollIntervalMs: 10 });
    front = await serveHandler(gateway);
  });

  afterAll(async () => {
    await front?.stop();
    await sfn?.stop();
    db?.destroy();
    await dynamo?.stop();
  });

  const hostItem = async (id: string) => (await db.send(new GetCommand({ TableName: TABLE, Key: entityKey('HOST', id), ConsistentRead: true }))).Item;

  it('registers a host with a one-time token and refuses the same token a second time', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-reg');
    const token = await hostAgent.createRegistrationToken('h-reg', 3600);
    const client = new GatewayClient({ endpoint: front.endpoint });

    // Act
    const first = await client.register(token, facts);
    const second = client.register(token, facts);

    // Assess
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(first.hostId).toBe('h-reg');
    expect(await hostAgent.secretFor('h-reg')).toBe(first.secret);
    await expect(second).rejects.toMatchObject({ status: 401 });
    const host = await hostItem('h-reg');
    expect(host).toMatchObject({ state: 'Up', cpuNumber: 16, memoryTotal: 32768, ipAddress: '192.0.2.10', agentVersion: 'simulator-1' });
  });

  it('lets only one of two concurrent registrations with the same token succeed', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-race');
    const token = await hostAgent.createRegistrationToken('h-race', 3600);

    // Act
    const outcomes = await Promise.allSettled([hostAgent.register(token, facts), hostAgent.register(token, facts)]);

    // Assess
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
  });

  it('refuses an expired token even though DynamoDB Local never deletes it', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-exp');
    const token = await hostAgent.createRegistrationToken('h-exp', 60, new Date('2026-01-01T00:00:00Z'));

    // Act
    const registering = hostAgent.register(token, facts, new Date('2026-01-01T00:01:01Z'));

    // Assess
    await expect(registering).rejects.toBeInstanceOf(RegistrationTokenError);
    const stored = await db.send(new GetCommand({ TableName: TABLE, Key: registrationTokenKey(token) }));
    expect(stored.Item).toBeDefined();
  });

  it('records a signed heartbeat on the host without touching its reserved capacity', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-hb', { cpuUsed: 4000, memoryUsed: 2048, version: 7 });
    const client = new GatewayClient({ endpoint: front.endpoint });
    client.credentials = await client.register(await hostAgent.createRegistrationToken('h-hb', 3600), facts);
    await db.send(
      new UpdateCommand({ TableName: TABLE, Key: entityKey('HOST', 'h-hb'), UpdateExpression: 'SET #s = :down', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':down': 'Alert' } }),
    );

    // Act
    await client.heartbeat({
      facts: { ...facts, memoryTotal: 65536 },
      domains: [
        { name: 'i-2-10-VM', state: 'PowerOn' },
        { name: 'i-2-11-VM', state: 'PowerOff' },
      ],
    });

    // Assess
    const host = await hostItem('h-hb');
    expect(host).toMatchObject({
      state: 'Up',
      memoryTotal: 65536,
      cpuUsed: 4000,
      memoryUsed: 2048,
      version: 7,
      powerStates: { 'i-2-10-VM': 'PowerOn', 'i-2-11-VM': 'PowerOff' },
    });
    expect(Date.parse(String(host?.lastHeartbeat))).not.toBeNaN();
  });

  it('answers 401 to a heartbeat with a bad signature', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-bad');
    await hostAgent.register(await hostAgent.createRegistrationToken('h-bad', 3600), facts);
    const impostor = new GatewayClient({ endpoint: front.endpoint });
    impostor.credentials = { hostId: 'h-bad', secret: 'not-the-secret' };

    // Act
    const beating = impostor.heartbeat({ facts, domains: [] });

    // Assess
    await expect(beating).rejects.toBeInstanceOf(GatewayError);
    await expect(beating).rejects.toMatchObject({ status: 401 });
  });

  it('answers 401 to a request without signature headers and for an unknown host', async () => {
    // Prepare
    const stranger = new GatewayClient({ endpoint: front.endpoint });
    stranger.credentials = { hostId: 'nobody', secret: 'whatever' };

    // Act
    const unsigned = await fetch(`${front.endpoint}${AGENT_PATHS.poll}`, { method: 'POST', body: '{}' });
    const unknown = stranger.poll({ maxTasks: 1, waitMs: 0 });

    // Assess
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ message: 'Missing or invalid agent signature' });
    await expect(unknown).rejects.toMatchObject({ status: 401 });
  });

  it('answers 400 with a clear message to a body that is not JSON or not the schema, and 404 to an unknown path', async () => {
    // Act
    const notJson = await fetch(`${front.endpoint}${AGENT_PATHS.register}`, { method: 'POST', body: '{oops' });
    const badSchema = await fetch(`${front.endpoint}${AGENT_PATHS.register}`, { method: 'POST', body: JSON.stringify({ token: 'short' }) });
    const unknown = await fetch(`${front.endpoint}/agent/teleport`, { method: 'POST', body: '{}', headers: { [AGENT_HEADERS.hostId]: 'x' } });

    // Assess
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ message: 'Request body is not valid JSON' });
    expect(badSchema.status).toBe(400);
    expect(((await badSchema.json()) as { message: string }).message).toMatch(/^Invalid request: .*token/s);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toMatch(/at .*\.ts/);
  });
});
