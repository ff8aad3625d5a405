import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Store } from '../../../functions/store';
import { documentClient, tableName } from '../../../functions/store/client';
import { taskMarkKey } from '../../../functions/store/keys';
import { TasksRepository } from '../../../functions/store/tasks';
import { startStore } from '../helpers/dynamodb-local';

/**
 * The marker an idle agent's poll reads instead of its task partition: it counts the tasks in the
 * same transactions that create and end them, and an empty partition corrects a count that tasks
 * deleted by TTL left behind.
 */
describe('the task marker', () => {
  let store: Store;
  let local: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    local = await startStore('taskmark');
    store = local.store;
  });
  afterAll(() => local.stop());

  const task = (hostId: string, id: string) => ({ id, hostId, command: 'StartVm', payload: {}, taskToken: `token-${id}`, deadline: Date.now() + 60_000 });

  it('counts what is created, completed and removed, once each', async () => {
    // Act and assess, step by step
    expect(await store.tasks.mark('h-1')).toEqual({ pending: 0, created: 0 });
    expect(await store.tasks.create(task('h-1', 'a'))).toBe(true);
    expect(await store.tasks.create(task('h-1', 'a'))).toBe(false); // the same task again
    expect(await store.tasks.create(task('h-1', 'b'))).toBe(true);
    expect(await store.tasks.mark('h-1')).toEqual({ pending: 2, created: 2 });
    const [leased] = await store.tasks.lease('h-1', 1, 30_000);
    expect(await store.tasks.complete('h-1', leased.id, leased.leaseId!)).toBe(true);
    expect(await store.tasks.complete('h-1', leased.id, leased.leaseId!)).toBe(false); // repeated report
    await store.tasks.remove('h-1', 'b');
    await store.tasks.remove('h-1', 'b'); // already gone
    expect(await store.tasks.mark('h-1')).toEqual({ pending: 0, created: 2 });
    expect(await store.tasks.listForHost('h-1')).toEqual([]);
  });

  it('zeroes a count whose tasks are gone, but not one a new task moved meanwhile', async () => {
    // Prepare: the marker says 2, the partition is empty (tasks TTL deleted never decremented it)
    const db = documentClient();
    await db.send(new UpdateCommand({ TableName: tableName(), Key: taskMarkKey('h-2'), UpdateExpression: 'SET pending = :n', ExpressionAttributeValues: { ':n': 2 } }));

    // Act: a lease that read a stale count changes nothing; one that read the current count resets it
    expect(await store.tasks.lease('h-2', 4, 30_000, Date.now(), { pending: 1, created: 0 })).toEqual([]);
    const afterStale = await store.tasks.mark('h-2');
    expect(await store.tasks.lease('h-2', 4, 30_000, Date.now(), await store.tasks.mark('h-2'))).toEqual([]);

    // Assess
    expect(afterStale.pending).toBe(2);
    expect((await store.tasks.mark('h-2')).pending).toBe(0);
  });

  it('never zeroes the count of a task created after its look found the partition empty', async () => {
    // Prepare: the poller reads the marker while task a is there; a ends before its Query, and task b
    // is created between that Query (empty) and the reset, leaving the count as it was read.
    expect(await store.tasks.create(task('h-3', 'a'))).toBe(true);
    const seen = await store.tasks.mark('h-3');
    const [a] = await store.tasks.lease('h-3', 1, 30_000);
    await store.tasks.complete('h-3', a.id, a.leaseId!);
    const db = documentClient();
    // The poller's client: task b is created right after its Query answers.
    const racingDb = {
      send: async (command: QueryCommand | UpdateCommand) => {
        const out = await db.send(command as QueryCommand);
        if (command instanceof QueryCommand) await store.tasks.create(task('h-3', 'b'));
        return out;
      },
    } as unknown as DynamoDBDocumentClient;

    // Act
    const racing = await new TasksRepository(racingDb, tableName()).lease('h-3', 4, 30_000, Date.now(), seen);

    // Assess: that poll saw nothing, and the next one is still told to look, and gets b
    expect(racing).toEqual([]);
    const after = await store.tasks.mark('h-3');
    expect(after).toEqual({ pending: 1, created: 2 });
    expect((await store.tasks.lease('h-3', 4, 30_000, Date.now(), after)).map((t) => t.id)).toEqual(['b']);
  });
});
