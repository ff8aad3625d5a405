import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { taskKey } from '../../../functions/store/keys';
import { StaleLeaseError, TasksRepository, type NewAgentTask } from '../../../functions/store/tasks';
import { createTable, localDocumentClient, startDynamoDbLocal } from '../helpers/dynamodb-local';

const TABLE = 'stratus-tasks';
const T0 = Date.parse('2026-03-01T12:00:00Z');

function stopTask(hostId: string, id: string, deadline = T0 + 300_000): NewAgentTask {
  return {
    id,
    hostId,
    jobId: 'job-1',
    command: 'StopVm',
    payload: { instanceName: `i-2-${id}-VM`, force: false, timeoutMs: 60_000 },
    taskToken: `token-${id}`,
    deadline,
  };
}

describe('TasksRepository', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let db: DynamoDBDocumentClient;
  let tasks: TasksRepository;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    await createTable(dynamo.endpoint, TABLE);
    db = localDocumentClient(dynamo.endpoint);
    tasks = new TasksRepository(db, TABLE);
  });

  afterAll(async () => {
    db?.destroy();
    await dynamo?.stop();
  });

  it('creates a task once: a second create with the same id changes nothing', async () => {
    // Prepare
    await tasks.create(stopTask('h-idem', 't1'));

    // Act
    const again = await tasks.create({ ...stopTask('h-idem', 't1'), taskToken: 'another-token' });

    // Assess
    expect(again).toBe(false);
    expect(await tasks.get('h-idem', 't1')).toMatchObject({ status: 'queued', attempts: 0, taskToken: 'token-t1', deadline: T0 + 300_000 });
    const raw = await db.send(new GetCommand({ TableName: TABLE, Key: taskKey('h-idem', 't1') }));
    expect(raw.Item?.expiresAt).toBe(Math.ceil((T0 + 300_000) / 1000));
  });

  it('hands a task to one of two concurrent pollers only', async () => {
    // Prepare
    await tasks.create(stopTask('h-race', 't1'));
    const otherPoller = new TasksRepository(localDocumentClient(dynamo.endpoint), TABLE);

    // Act
    const [a, b] = await Promise.all([tasks.lease('h-race', 5, 30_000, T0), otherPoller.lease('h-race', 5, 30_000, T0)]);

    // Assess
    expect(a.length + b.length).toBe(1);
    const [leased] = [...a, ...b];
    expect(leased).toMatchObject({ id: 't1', status: 'leased', attempts: 1, leaseUntil: T0 + 30_000 });
    expect(leased.leaseId).toEqual(expect.any(String));
  });

  it('does not hand out a task whose lease is still running', async () => {
    // Prepare
    await tasks.create(stopTask('h-held', 't1'));
    await tasks.lease('h-held', 5, 30_000, T0);

    // Act
    const second = await tasks.lease('h-held', 5, 30_000, T0 + 29_999);

    // Assess
    expect(second).toEqual([]);
  });

  it('hands a leased task out again at once when its host\'s agent says it does not hold it (the poll\'s answer was lost), and not while it does', async () => {
    // Prepare
    await tasks.create(stopTask('h-lost', 't1'));
    const [first] = await tasks.lease('h-lost', 5, 30_000, T0);

    // Act: the agent holds it; then a poll from an agent that does not (it never got the answer)
    const whileHeld = await tasks.lease('h-lost', 5, 30_000, T0 + 1000, undefined, ['t1']);
    const [again] = await tasks.lease('h-lost', 5, 30_000, T0 + 2000, undefined, []);

    // Assess
    expect(whileHeld).toEqual([]);
    expect(again).toMatchObject({ id: 't1', attempts: 2 });
    expect(again.leaseId).not.toBe(first.leaseId);
  });

  it('hands a task out again once its lease expired, under a new lease', async () => {
    // Prepare
    await tasks.create(stopTask('h-exp', 't1'));
    const [first] = await tasks.lease('h-exp', 5, 30_000, T0);

    // Act
    const [second] = await tasks.lease('h-exp', 5, 30_000, T0 + 30_001);

    // Assess
    expect(second).toMatchObject({ id: 't1', attempts: 2 });
    expect(second.leaseId).not.toBe(first.leaseId);
    await expect(tasks.complete('h-exp', 't1', first.leaseId!)).rejects.toBeInstanceOf(StaleLeaseError);
  });

  it('never hands out a task past its deadline, and deletes it', async () => {
    // Prepare
    await tasks.create(stopTask('h-late', 'late', T0 + 1000));
    await tasks.create(stopTask('h-late', 'fine', T0 + 60_000));

    // Act
    const leased = await tasks.lease('h-late', 5, 30_000, T0 + 1000);

    // Assess
    expect(leased.map((t) => t.id)).toEqual(['fine']);
    expect(await tasks.get('h-late', 'late')).toBeUndefined();
  });

  it('leases at most the number asked for, leaving the rest queued', async () => {
    // Prepare
    for (const id of ['a', 'b', 'c']) await tasks.create(stopTask('h-max', id));

    // Act
    const leased = await tasks.lease('h-max', 2, 30_000, T0);
    const rest = await tasks.lease('h-max', 5, 30_000, T0);

    // Assess
    expect(leased).toHaveLength(2);
    expect(rest).toHaveLength(1);
  });

  it('completes a task under its lease once; a repeat finds nothing to do', async () => {
    // Prepare
    await tasks.create(stopTask('h-done', 't1'));
    const [leased] = await tasks.lease('h-done', 1, 30_000, T0);

    // Act
    const first = await tasks.complete('h-done', 't1', leased.leaseId!);
    const repeat = await tasks.complete('h-done', 't1', leased.leaseId!);

    // Assess
    expect(first).toBe(true);
    expect(repeat).toBe(false);
    expect(await tasks.get('h-done', 't1')).toBeUndefined();
  });
});
