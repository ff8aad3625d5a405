import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildAgentCommand, taskIdFor, type AgentCommandOptions } from '../../../core/agent-commands';
import type { AgentCommandName } from '../../../core/agent-protocol';
import type { Template, Vm } from '../../../core/entities';
import { Agent } from '../../../agent/agent';
import type { HypervisorDriver } from '../../../agent/drivers/driver';
import { LibvirtDriver } from '../../../agent/drivers/libvirt';
import { SimulatorDriver } from '../../../agent/drivers/simulator';
import { createAgentGateway } from '../../../functions/agent-gateway/app';
import { HostAgentRepository } from '../../../functions/store/host-agent';
import { entityKey } from '../../../functions/store/keys';
import { TasksRepository } from '../../../functions/store/tasks';
import { JobsRepository } from '../../../functions/store/jobs';
import { createTable, localDocumentClient, startDynamoDbLocal } from '../helpers/dynamodb-local';
import { eventually, putHost, serveHandler, silentLogger, startFakeSfn } from './fixtures';

const TABLE = 'stratus-agent-e2e';

const template: Template = {
  id: 'tpl-1',
  name: 'debian-12',
  displayText: 'Debian 12',
  format: 'QCOW2',
  hypervisor: 'Simulator',
  osTypeId: 'os-1',
  osTypeName: 'Debian GNU/Linux 12 (64-bit)',
  url: 'http://images.example/debian-12.qcow2',
  size: 2147483648,
  isPublic: true,
  isFeatured: true,
  passwordEnabled: false,
  isDynamicallyScalable: false,
  accountId: 'acc-1',
  domainId: 'dom-1',
  created: '2026-01-01T00:00:00.000Z',
};

function vm(id: string, hostId: string): Vm {
  return {
    id,
    name: `web-${id}`,
    displayName: `Web ${id}`,
    instanceName: `i-2-${id}-VM`,
    accountId: 'acc-1',
    userId: 'user-1',
    domainId: 'dom-1',
    zoneId: 'zone-1',
    serviceOfferingId: 'off-1',
    templateId: template.id,
    cpuNumber: 2,
    cpuSpeed: 1000,
    memory: 2048,
    state: 'Starting',
    hostId,
    nics: [{ id: 'nic-1', networkId: 'net-1', networkName: 'guest', ipAddress: '10.1.1.5', netmask: '255.255.255.0', gateway: '10.1.1.1', macAddress: '02:00:00:00:00:05', isDefault: true, type: 'Isolated' }],
    haEnable: false,
    domainPath: 'ROOT',
    osTypeId: 'os-1',
    details: {},
    affinityGroupIds: [],
    created: '2026-01-01T00:00:00.000Z',
    lastUpdated: '2026-01-01T00:00:00.000Z',
    version: 3,
  };
}

describe('an agent with the simulator or libvirt driver, through the gateway', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let sfn: Awaited<ReturnType<typeof startFakeSfn>>;
  let front: Awaited<ReturnType<typeof serveHandler>>;
  let db: DynamoDBDocumentClient;
  let hostAgent: HostAgentRepository;
  let tasks: TasksRepository;
  const agents: Agent[] = [];
  const libvirtDrivers: LibvirtDriver[] = [];

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await createTable(dynamo.endpoint, TABLE);
    db = localDocumentClient(dynamo.endpoint);
    hostAgent = new HostAgentRepository(db, TABLE);
    tasks = new TasksRepository(db, TABLE);
    sfn = await startFakeSfn();
    front = await serveHandler(createAgentGateway({ hostAgent, jobs: new JobsRepository(db, TABLE), tasks, sfn: sfn.client, pollIntervalMs: 20 }));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(libvirtDrivers.map((d) => d.close()));
    await front?.stop();
    await sfn?.stop();
    db?.destroy();
    await dynamo?.stop();
  });

  async function startAgent(hostId: string, driver: HypervisorDriver, extra: Partial<ConstructorParameters<typeof Agent>[0]> = {}) {
    const agent = new Agent({
      endpoint: front.endpoint,
      driver,
      token: await hostAgent.createRegistrationToken(hostId, 3600),
      heartbeatIntervalMs: 50,
      pollWaitMs: 200,
      logger: silentLogger,
      ...extra,
    });
    agents.push(agent);
    await agent.start();
    return agent;
  }

  async function dispatchStart(hostId: string, vmId: string, taskToken: string) {
    const command = buildAgentCommand('StartVm', vm(vmId, hostId), template);
    await tasks.create({ id: taskIdFor(taskToken), hostId, jobId: `job-${vmId}`, command: command.command, payload: command.payload, taskToken, deadline: Date.now() + 300_000 });
  }

  it('registers, runs a StartVm task, answers its token and reports the VM running in its heartbeat', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-e2e');
    const driver = new SimulatorDriver({ hostname: 'sim-e2e', cpuNumber: 24, memoryTotal: 65536 });
    const agent = await startAgent('h-e2e', driver);

    // Act
    await dispatchStart('h-e2e', 'vm-1', 'token-e2e-1');

    // Assess
    const call = await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-e2e-1'));
    expect(call).toEqual({ operation: 'SendTaskSuccess', input: { taskToken: 'token-e2e-1', output: JSON.stringify({ instanceName: 'i-2-vm-1-VM', powerState: 'PowerOn' }) } });
    expect(agent.hostId).toBe('h-e2e');
    expect(driver.domain('i-2-vm-1-VM')).toMatchObject({ state: 'PowerOn', spec: { memory: 2048, template: { url: template.url } } });
    await eventually(async () => (await tasks.get('h-e2e', taskIdFor('token-e2e-1'))) === undefined);
    const host = await eventually(async () => {
      const item = (await db.send(new GetCommand({ TableName: TABLE, Key: entityKey('HOST', 'h-e2e'), ConsistentRead: true }))).Item;
      return item?.powerStates?.['i-2-vm-1-VM'] === 'PowerOn' ? item : undefined;
    });
    expect(host).toMatchObject({ state: 'Up', cpuNumber: 24, memoryTotal: 65536, hypervisor: 'Simulator' });
  });

  async function dispatch(hostId: string, vmId: string, taskToken: string, name: AgentCommandName, options: AgentCommandOptions = {}) {
    const command = buildAgentCommand(name, vm(vmId, hostId), template, options);
    await tasks.create({ id: taskIdFor(taskToken), hostId, jobId: `job-${vmId}`, command: command.command, payload: command.payload, taskToken, deadline: Date.now() + 300_000 });
  }

  it('runs start, stop and undefine tasks on a KVM host with the libvirt driver (libvirt test:/// driver)', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-kvm', { hypervisor: 'KVM' });
    const driver = new LibvirtDriver({ uri: `test://${resolve(__dirname, '../../fixtures/libvirt/node.xml')}`, shutdownPollMs: 10 });
    libvirtDrivers.push(driver);
    await startAgent('h-kvm', driver);
    const hostItem = () => db.send(new GetCommand({ TableName: TABLE, Key: entityKey('HOST', 'h-kvm'), ConsistentRead: true })).then((r) => r.Item);

    // Act: start
    await dispatch('h-kvm', 'vm-kvm', 'token-kvm-start', 'StartVm');

    // Assess
    const started = await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-kvm-start'));
    expect(started).toEqual({ operation: 'SendTaskSuccess', input: { taskToken: 'token-kvm-start', output: JSON.stringify({ instanceName: 'i-2-vm-kvm-VM', powerState: 'PowerOn' }) } });
    expect(await driver.domains()).toEqual([{ name: 'i-2-vm-kvm-VM', state: 'PowerOn' }]);
    expect(await driver.dumpXml('i-2-vm-kvm-VM')).toContain('<title>Web vm-kvm</title>');
    const host = await eventually(async () => {
      const item = await hostItem();
      return item?.powerStates?.['i-2-vm-kvm-VM'] === 'PowerOn' ? item : undefined;
    });
    expect(host).toMatchObject({ state: 'Up', hypervisor: 'KVM', cpuNumber: 16, cpuSpeed: 2600, memoryTotal: 32768, agentVersion: 'stratus-libvirt-1' });

    // Act: graceful stop, then undefine with the disk
    await dispatch('h-kvm', 'vm-kvm', 'token-kvm-stop', 'StopVm', { stopTimeoutMs: 5_000 });
    await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-kvm-stop'));
    await eventually(async () => (await hostItem())?.powerStates?.['i-2-vm-kvm-VM'] === 'PowerOff' || undefined);
    await dispatch('h-kvm', 'vm-kvm', 'token-kvm-undefine', 'UndefineVm', { removeDisks: true });
    const undefinedCall = await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-kvm-undefine'));

    // Assess
    expect(sfn.calls.find((c) => c.input.taskToken === 'token-kvm-stop')?.operation).toBe('SendTaskSuccess');
    expect(undefinedCall.operation).toBe('SendTaskSuccess');
    expect(await driver.domains()).toEqual([]);
    expect(await driver.hasVolume('i-2-vm-kvm-VM-root')).toBe(false);
    await eventually(async () => (await hostItem())?.powerStates?.['i-2-vm-kvm-VM'] === undefined || undefined);
    expect(driver.connection?.starts).toBe(1);
  });

  it('reports a driver failure injected by configuration as SendTaskFailure with its error name', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-fault');
    const driver = new SimulatorDriver({ hostname: 'sim-fault', faults: { start: { error: 'InsufficientCapacityError', message: 'no room for the domain', retryable: false } } });
    await startAgent('h-fault', driver);

    // Act
    await dispatchStart('h-fault', 'vm-2', 'token-fault');

    // Assess
    const call = await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-fault'));
    expect(call).toEqual({ operation: 'SendTaskFailure', input: { taskToken: 'token-fault', error: 'InsufficientCapacityError', cause: 'no room for the domain' } });
    expect(driver.domain('i-2-vm-2-VM')).toBeUndefined();
  });

  it('saves its credentials and starts again from them without a token', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-file');
    const dir = await mkdtemp(join(tmpdir(), 'stratus-agent-'));
    const credentialsFile = join(dir, 'agent', 'credentials.json');
    const driver = new SimulatorDriver({ hostname: 'sim-file' });
    const first = await startAgent('h-file', driver, { credentialsFile });
    await first.stop();

    // Act
    const again = new Agent({ endpoint: front.endpoint, driver, credentialsFile, heartbeatIntervalMs: 50, pollWaitMs: 200, logger: silentLogger });
    agents.push(again);
    await again.start();
    await dispatchStart('h-file', 'vm-3', 'token-file');

    // Assess
    expect(JSON.parse(await readFile(credentialsFile, 'utf8'))).toMatchObject({ hostId: 'h-file' });
    expect(again.hostId).toBe('h-file');
    await eventually(() => sfn.calls.find((c) => c.input.taskToken === 'token-file'));
    await again.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops promptly in the middle of a long poll', async () => {
    // Prepare
    await putHost(db, TABLE, 'h-stop');
    const agent = await startAgent('h-stop', new SimulatorDriver({ hostname: 'sim-stop' }), { pollWaitMs: 2_000 });

    // Act
    const stopped = agent.stop();

    // Assess
    await expect(stopped).resolves.toBeUndefined();
  });
});
