import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HostFacts } from '../../../core/agent-protocol';
import { GatewayClient } from '../../../agent/client';
import { createAgentGateway } from '../../../functions/agent-gateway/app';
import { HostAgentRepository } from '../../../functions/store/host-agent';
import { TasksRepository } from '../../../functions/store/tasks';
import { JobsRepository } from '../../../functions/store/jobs';
import { createTable, localDocumentClient, startDynamoDbLocal } from '../helpers/dynamodb-local';
import { putHost, serveHandler, startFakeSfn } from './fixtures';

const TABLE = 'stratus-results';
const facts: HostFacts = { hostname: 'sim-r', hypervisor: 'Simulator', cpuNumber: 8, cpuSpeed: 2000, memoryTotal: 16384, ipAddress: '192.0.2.20', agentVersion: 'simulator-1' };

describe('agent gateway results', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let sfn: Awaited<ReturnType<typeof startFakeSfn>>;
  let front: Awaited<ReturnType<typeof serveHandler>>;
  let db: DynamoDBDocumentClient;
  let tasks: TasksRepository;
  let client: GatewayClient;
  let clock = Date.parse('2026-03-01T12:00:00Z');

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await createTable(dynamo.endpoint, TABLE);
    db = localDocumentClient(dynamo.endpoint);
    const hostAgent = new HostAgentRepository(db, TABLE);
    tasks = new TasksRepository(db, TABLE);
    sfn = await startFakeSfn();
    // The gateway's clock is the test's, but signatures are dated by the real clock: keep them close.
    clock = Date.now();
    front = await serveHandler(createAgentGateway({ hostAgent, jobs: new JobsRepository(db, TABLE), tasks, sfn: sfn.client, now: () => clock, leaseMs: 30_000, pollIntervalMs: 10 }));
    await putHost(db, TABLE, 'h-r');
    client = new GatewayClient({ endpoint: front.endpoint });
    client.credentials = await client.register(await hostAgent.createRegistrationToken('h-r', 3600), facts);
  });

  afterAll(async () => {
    await front?.stop();
    await sfn?.stop();
    db?.destroy();
    await dynamo?.stop();
  });

  async function queueAndLease(id: string) {
    await tasks.create({ id, hostId: 'h-r', command: 'RebootVm', payload: { instanceName: `i-${id}` }, taskToken: `token-${id}`, deadline: clock + 300_000 });
    const { tasks: leased } = await client.poll({ maxTasks: 25, waitMs: 0 });
    const task = leased.find((t) => t.taskId === id);
    if (!task) throw new Error(`task ${id} was not leased`);
    return task;
  }

  it('hands a queued task to the agent as the wire command', async () => {
    // Act
    const task = await queueAndLease('wire');

    // Assess
    expect(task).toMatchObject({ taskId: 'wire', command: 'RebootVm', payload: { instanceName: 'i-wire' }, leaseUntil: clock + 30_000 });
  });

  it('answers the workflow with SendTaskSuccess and the result data, then drops the task', async () => {
    // Prepare
    const task = await queueAndLease('ok');

    // Act
    const answer = await client.result({ taskId: 'ok', leaseId: task.leaseId, result: { ok: true, data: { powerState: 'PowerOn' } } });

    // Assess
    expect(answer).toEqual({ accepted: true });
    expect(sfn.calls).toContainEqual({ operation: 'SendTaskSuccess', input: { taskToken: 'token-ok', output: '{"powerState":"PowerOn"}' } });
    expect(await tasks.get('h-r', 'ok')).toBeUndefined();
  });

  it('answers the workflow with SendTaskFailure carrying the error name and message', async () => {
    // Prepare
    const task = await queueAndLease('fail');

    // Act
    await client.result({ taskId: 'fail', leaseId: task.leaseId, result: { ok: false, error: { name: 'ResourceUnavailableError', message: 'no such domain', retryable: false } } });

    // Assess
    expect(sfn.calls).toContainEqual({ operation: 'SendTaskFailure', input: { taskToken: 'token-fail', error: 'ResourceUnavailableError', cause: 'no such domain' } });
  });

  it('answers a repeated report with accepted:false and calls Step Functions once', async () => {
    // Prepare
    const task = await queueAndLease('twice');
    const report = { taskId: 'twice', leaseId: task.leaseId, result: { ok: true as const, data: {} } };
    await client.result(report);

    // Act
    const repeat = await client.result(report);

    // Assess
    expect(repeat).toEqual({ accepted: false });
    expect(sfn.calls.filter((c) => c.input.taskToken === 'token-twice')).toHaveLength(1);
  });

  it('drops the task and answers accepted:false when the workflow no longer waits for it', async () => {
    // Prepare
    const task = await queueAndLease('gone');
    sfn.goneTokens.add('token-gone');

    // Act
    const answer = await client.result({ taskId: 'gone', leaseId: task.leaseId, result: { ok: true, data: {} } });

    // Assess
    expect(answer).toEqual({ accepted: false });
    expect(await tasks.get('h-r', 'gone')).toBeUndefined();
  });

  it('refuses a result under a lease that expired and was handed out again', async () => {
    // Prepare
    const first = await queueAndLease('stale');
    clock += 30_001;
    const second = await queueAndLease('other').then(async () => (await tasks.get('h-r', 'stale'))!);

    // Act
    const reporting = client.result({ taskId: 'stale', leaseId: first.leaseId, result: { ok: true, data: {} } });

    // Assess
    expect(second.leaseId).not.toBe(first.leaseId);
    await expect(reporting).rejects.toMatchObject({ status: 409 });
    expect(sfn.calls.filter((c) => c.input.taskToken === 'token-stale')).toHaveLength(0);
  });

  it('waits in a long poll and returns nothing when no task arrives', async () => {
    // Act
    const { tasks: none } = await client.poll({ maxTasks: 1, waitMs: 50 });

    // Assess
    expect(none).toEqual([]);
  });

  it('takes a long task\'s progress: its lease extended, its workflow heartbeated, the percent in its job', async () => {
    // Prepare: a job waiting on a leased task
    const jobs = new JobsRepository(db, TABLE);
    await jobs.createWith({ id: 'job-p', cmd: 'createBackup', workflow: 'backup-vm', accountId: 'a', accountName: 'a', userId: 'u', domainId: 'd', domainPath: '/', status: 0, resultCode: 0, steps: [], created: new Date(clock).toISOString(), version: 1 }, []);
    await tasks.create({ id: 'prog', hostId: 'h-r', jobId: 'job-p', jobStep: 'TakeOnHost', command: 'RebootVm', payload: { instanceName: 'i-prog' }, taskToken: 'token-prog', deadline: clock + 300_000 });
    const { tasks: leased } = await client.poll({ maxTasks: 25, waitMs: 0 });
    const task = leased.find((t) => t.taskId === 'prog')!;
    clock += 20_000;

    // Act
    const answer = await client.progress({ taskId: 'prog', leaseId: task.leaseId, percent: 42 });

    // Assess
    expect(answer).toEqual({ accepted: true });
    expect(sfn.calls).toContainEqual({ operation: 'SendTaskHeartbeat', input: { taskToken: 'token-prog' } });
    expect((await tasks.get('h-r', 'prog'))?.leaseUntil).toBe(clock + 30_000);
    expect((await jobs.get('job-p', true))?.progress).toBe(42);
    // A percent that is no percent is a 400 naming the field; nothing recorded.
    await expect(client.progress({ taskId: 'prog', leaseId: task.leaseId, percent: 101 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('percent') });
    expect((await jobs.get('job-p', true))?.progress).toBe(42);
    // Under another lease, or once its workflow gave up: not accepted (the agent aborts it), and the task dropped.
    expect(await client.progress({ taskId: 'prog', leaseId: 'not-mine', percent: 50 })).toMatchObject({ accepted: false });
    sfn.goneTokens.add('token-prog');
    expect(await client.progress({ taskId: 'prog', leaseId: task.leaseId, percent: 50 })).toMatchObject({ accepted: false, reason: expect.stringContaining('TaskDoesNotExist') });
    expect(await tasks.get('h-r', 'prog')).toBeUndefined();
    expect((await jobs.get('job-p', true))?.progress).toBe(42);
  });
});
