import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AgentTask } from '../../core/entities';
import { strip, taskKey, taskMarkKey, taskPartition } from './keys';

/** An agent task as stored: the entity plus its deadline (epoch ms), past which nobody runs it. */
export type StoredAgentTask = AgentTask & { deadline: number };

/** What dispatchAgentTask hands over; status, attempts and creation time are filled in here. */
export type NewAgentTask = Pick<AgentTask, 'id' | 'hostId' | 'jobId' | 'jobStep' | 'command' | 'payload' | 'taskToken'> & { deadline: number };

/** A host's task marker as read: the tasks its partition holds, and how many were ever created there. */
export interface TaskMark {
  pending: number;
  created: number;
}

/** A result reported under a lease that is no longer the task's (it expired and was handed out again). */
export class StaleLeaseError extends Error {
  constructor(taskId: string, leaseId: string) {
    super(`Lease ${leaseId} of task ${taskId} is no longer valid: the task was leased again`);
    this.name = 'StaleLeaseError';
  }
}

const isNew = 'attribute_not_exists(pk)';
// Every lease increments attempts, so "attempts unchanged" means nobody leased it since we read it.
const notLeasedSinceRead = 'attribute_exists(pk) AND attempts = :attempts';
const heldByLease = 'leaseId = :leaseId';

/** A transaction whose first write's condition failed (the task is there already, or gone). */
const cancelledOnFirst = (err: unknown) =>
  (err as Error).name === 'TransactionCanceledException' && (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';

/**
 * Agent tasks live in their host's partition (`TASK#<hostId>`), so a poll is one consistent Query.
 * A lease is a conditional update: two pollers never get the same lease, and an expired lease makes
 * the task available again. DynamoDB's TTL removes tasks after their deadline; reads skip them too,
 * since TTL is lazy and DynamoDB Local never applies it.
 */
export class TasksRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Create the task queued; creating the same task id again is a no-op (false). */
  async create(task: NewAgentTask, now = new Date()): Promise<boolean> {
    const item: StoredAgentTask = {
      id: task.id,
      hostId: task.hostId,
      ...(task.jobId ? { jobId: task.jobId } : {}),
      ...(task.jobStep ? { jobStep: task.jobStep } : {}),
      command: task.command,
      payload: task.payload,
      taskToken: task.taskToken,
      status: 'queued',
      attempts: 0,
      created: now.toISOString(),
      deadline: task.deadline,
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: { ...taskKey(task.hostId, task.id), ...item, expiresAt: Math.ceil(task.deadline / 1000) }, ConditionExpression: isNew } },
            this.markOperation(task.hostId, 1),
          ],
        }),
      );
      return true;
    } catch (err) {
      if (cancelledOnFirst(err)) return false;
      throw err;
    }
  }

  /**
   * Whether the host may have work: its marker counts the tasks in its partition (moved in the same
   * transaction as each task), read eventually consistently, half a read unit. An idle agent's poll
   * costs this instead of a consistent Query; a task written a moment ago is seen by the next look.
   */
  async mark(hostId: string): Promise<TaskMark> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: taskMarkKey(hostId) }));
    return { pending: Number(out.Item?.pending ?? 0), created: Number(out.Item?.created ?? 0) };
  }

  /**
   * Zero the marker of a host whose partition was found empty although the marker counted
   * `seen.pending` (tasks DynamoDB's TTL deleted never moved it): only if no task was created since
   * it was read. The count alone cannot tell: a task completed and another created between the read
   * and the reset leave it as it was, and zeroing it would hide the new task from every later poll.
   */
  private async resetMark(hostId: string, seen: TaskMark): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: taskMarkKey(hostId),
          UpdateExpression: 'SET pending = :zero',
          // A marker written before `created` was kept (ops/migrate-data) has none until its next task, read as 0.
          ConditionExpression: 'pending = :seen AND (attribute_not_exists(created) OR created = :created)',
          ExpressionAttributeValues: { ':zero': 0, ':seen': seen.pending, ':created': seen.created },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  /** The marker's share of a task's write: its count moved, and for a new task its creations counted too. */
  private markOperation(hostId: string, delta: 1 | -1) {
    const update = delta > 0 ? 'ADD pending :d, created :d' : 'ADD pending :d';
    return { Update: { TableName: this.table, Key: taskMarkKey(hostId), UpdateExpression: update, ExpressionAttributeValues: { ':d': delta } } };
  }

  async get(hostId: string, taskId: string): Promise<StoredAgentTask | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: taskKey(hostId, taskId), ConsistentRead: true }));
    return out.Item ? strip<StoredAgentTask>(out.Item) : undefined;
  }

  /**
   * Lease up to `max` tasks of the host: queued ones and those whose lease expired. Tasks past their
   * deadline are deleted, never handed out (their workflow has already timed out). `markerSaid`: the
   * marker as read before this lease, which an empty partition corrects.
   */
  async lease(hostId: string, max: number, leaseMs: number, now = Date.now(), markerSaid?: TaskMark, holding?: readonly string[]): Promise<StoredAgentTask[]> {
    const held = holding ? new Set(holding) : undefined;
    const leased: StoredAgentTask[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': taskPartition(hostId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      const tasks = (out.Items ?? []).filter((raw) => raw.sk !== taskMarkKey(hostId).sk).map((raw) => strip<StoredAgentTask>(raw));
      if (tasks.length === 0 && !out.LastEvaluatedKey && !start && markerSaid?.pending) await this.resetMark(hostId, markerSaid);
      const expired = tasks.filter((t) => t.deadline <= now);
      const available = tasks
        // Queued, or leased but expired, or leased to this host's agent that says it does not hold it (its poll's answer was lost).
        .filter((t) => t.deadline > now && (t.status === 'queued' || (t.leaseUntil ?? 0) <= now || (held !== undefined && !held.has(t.id))))
        .slice(0, max - leased.length);
      // The writes of one page go out together, not one round trip after another.
      const [, got] = await Promise.all([
        Promise.all(expired.map((t) => this.remove(hostId, t.id))),
        Promise.all(available.map((t) => this.tryLease(t, leaseMs, now))),
      ]);
      for (const task of got) if (task) leased.push(task);
      start = leased.length < max ? out.LastEvaluatedKey : undefined;
    } while (start);
    return leased;
  }

  /**
   * Delete the task its lease holder finished. True when deleted now, false when it was already
   * gone (a repeated report); a different current lease is a StaleLeaseError.
   */
  async complete(hostId: string, taskId: string, leaseId: string): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: taskKey(hostId, taskId), ConditionExpression: heldByLease, ExpressionAttributeValues: { ':leaseId': leaseId } } },
            this.markOperation(hostId, -1),
          ],
        }),
      );
      return true;
    } catch (err) {
      if (!cancelledOnFirst(err)) throw err;
      const current = await this.get(hostId, taskId);
      if (!current) return false;
      throw new StaleLeaseError(taskId, leaseId);
    }
  }

  /**
   * Extend a task's lease while its holder reports progress: answers the task, or undefined when it
   * is gone (done, or past its deadline and dropped) or leased again to another attempt.
   */
  async renewLease(hostId: string, taskId: string, leaseId: string, leaseMs: number, now = Date.now()): Promise<StoredAgentTask | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: taskKey(hostId, taskId),
          ConditionExpression: `attribute_exists(pk) AND ${heldByLease} AND deadline > :now`,
          UpdateExpression: 'SET leaseUntil = :until',
          ExpressionAttributeValues: { ':leaseId': leaseId, ':now': now, ':until': now + leaseMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<StoredAgentTask>(out.Attributes ?? {});
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  /** Every task queued for or leased by a host (the reconciler's view). */
  async listForHost(hostId: string): Promise<StoredAgentTask[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :task)',
        ExpressionAttributeValues: { ':pk': taskPartition(hostId), ':task': 'TASK#' },
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((raw) => strip<StoredAgentTask>(raw));
  }

  /** Delete the task whatever its lease (its workflow no longer waits for it); one already gone is left so. */
  async remove(hostId: string, taskId: string): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Delete: { TableName: this.table, Key: taskKey(hostId, taskId), ConditionExpression: 'attribute_exists(pk)' } }, this.markOperation(hostId, -1)],
        }),
      );
    } catch (err) {
      if (!cancelledOnFirst(err)) throw err;
    }
  }

  private async tryLease(task: StoredAgentTask, leaseMs: number, now: number): Promise<StoredAgentTask | undefined> {
    const leaseId = randomUUID();
    const leaseUntil = Math.min(now + leaseMs, task.deadline);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: taskKey(task.hostId, task.id),
          ConditionExpression: notLeasedSinceRead,
          UpdateExpression: 'SET #status = :leased, leaseId = :leaseId, leaseUntil = :leaseUntil, attempts = attempts + :one',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':leased': 'leased', ':leaseId': leaseId, ':leaseUntil': leaseUntil, ':one': 1, ':attempts': task.attempts },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<StoredAgentTask>(out.Attributes ?? {});
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return undefined; // another poller won it
      throw err;
    }
  }
}
