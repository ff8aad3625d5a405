import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AsyncJob, Caller, JobStatus, Vm } from '../../core/entities';
import type { ErrorShape } from '../../core/errors';
import { ConcurrentOperationError } from '../../core/errors';
import { expiryOf } from './indexing';
import { entityKey, pendingJobKey, PENDING_JOBS, strip } from './keys';
import { Repository } from './repository';
import { SettingsRepository } from './settings';
import type { VmsRepository } from './vms';

/**
 * The job of an affinity command: CloudStack runs these as async jobs, so clients poll for their
 * result; here the change and the job's completion are one transaction, so the job is born done.
 */
export function finishedJob(spec: {
  cmd: string;
  eventType: string;
  caller: Caller;
  instanceType: NonNullable<AsyncJob['instanceType']>;
  instanceId: string;
  result: Record<string, unknown>;
  at: Date;
}): AsyncJob {
  const at = spec.at.toISOString();
  return {
    id: randomUUID(),
    cmd: spec.cmd,
    workflow: '', // none: the command itself completes the job
    eventType: spec.eventType,
    accountId: spec.caller.accountId,
    accountName: spec.caller.accountName,
    userId: spec.caller.userId,
    domainId: spec.caller.domainId,
    domainPath: spec.caller.domainPath,
    instanceType: spec.instanceType,
    instanceId: spec.instanceId,
    status: 1,
    resultCode: 0,
    result: spec.result,
    steps: [],
    created: at,
    completed: at,
    version: 1,
  };
}

/** A VM change that settles together with its job. */
export interface VmSettlement {
  vm: Vm;
  set: Partial<Vm>;
  remove?: Array<keyof Vm>;
}

/**
 * Async jobs. A job is written in the same transaction as the VM change that starts it and again
 * with the VM change that settles it, so a job and its VM never disagree. A job completes once:
 * completing a completed job is a no-op (steps are retried by the workflow).
 */
export class JobsRepository extends Repository {
  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly settings = new SettingsRepository(db, table),
  ) {
    super(db, table);
  }

  /** A job, unless it expired (job.expire.minutes after it completed; DynamoDB's TTL deletes it lazily). */
  async get(id: string, consistent = false, now = new Date()): Promise<AsyncJob | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: entityKey('JOB', id), ConsistentRead: consistent }));
    if (!out.Item || (typeof out.Item.expiresAt === 'number' && out.Item.expiresAt <= now.getTime() / 1000)) return undefined;
    return strip<AsyncJob>(out.Item);
  }

  /** When a job completed at `completed` expires (job.expire.minutes), epoch seconds. */
  private async expiryAfter(completed: string): Promise<number | undefined> {
    return expiryOf(completed, (await this.settings.getNumber('job.expire.minutes')) * 60);
  }

  private putOperation(job: AsyncJob) {
    return {
      Put: {
        TableName: this.table,
        Item: this.listedItem('JOB', job),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** The reconciler's marker of a pending job, written with the job and deleted when it completes. */
  private pendingMarker(job: Pick<AsyncJob, 'id' | 'created'>) {
    return { Put: { TableName: this.table, Item: { ...pendingJobKey(job.created, job.id), jobId: job.id, created: job.created } } };
  }

  /** The reconciler found the job's execution gone: the time it did, on the job (phase one of settling it). */
  async markOrphaned(jobId: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: entityKey('JOB', jobId),
        UpdateExpression: 'SET orphanedAt = if_not_exists(orphanedAt, :at)',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':at': at, ':pending': 0 },
      }),
    );
  }

  /** Drop a pending marker whose job has completed (or never was written). */
  async dropPendingMarker(created: string, jobId: string): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: [{ Delete: { TableName: this.table, Key: pendingJobKey(created, jobId) } }] }));
  }

  /** Jobs still pending that were created before `before` (ISO time), oldest first. */
  listPendingBefore(before: string): Promise<Array<{ jobId: string; created: string }>> {
    return this.queryAll({ KeyConditionExpression: 'pk = :p AND sk < :before', ExpressionAttributeValues: { ':p': PENDING_JOBS, ':before': before } });
  }

  /**
   * The Put (and counters) of a job that finished when it was submitted (an async command whose work needed no
   * workflow, such as disableAccount), for the transaction that does that work: no pending marker.
   */
  async completedOperations(job: AsyncJob) {
    if (job.status === 0) throw new Error(`Job ${job.id} is pending: start it with a workflow`);
    const expires = await this.expiryAfter(job.completed ?? job.created);
    const put = this.putOperation(job);
    if (expires !== undefined) Object.assign(put.Put.Item, { expiresAt: expires });
    return [put, ...this.counterOperations('JOB', undefined, job, { after: expires })];
  }

  /**
   * Create a pending job together with the writes that start its operation (a host's move into
   * maintenance), in one transaction. A write whose condition fails cancels all: the error's
   * CancellationReasons index the writes from 1 (0 is the job).
   */
  async createWith(job: AsyncJob, operations: object[]): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: [this.putOperation(job), ...operations, this.pendingMarker(job), ...this.counterOperations('JOB', undefined, job)] as never }));
  }

  /** Create the job and a new VM at once (deploy). */
  async createWithNewVm(job: AsyncJob, vm: Vm, vms: VmsRepository, also: object[] = [], o: { claimInstanceName?: boolean } = {}): Promise<void> {
    const [put, ...rest] = vms.createOperations(vm, o);
    await this.db.send(new TransactWriteCommand({ TransactItems: [this.putOperation(job), put, this.pendingMarker(job), ...rest, ...also, ...this.counterOperations('JOB', undefined, job)] as never }));
  }

  /**
   * Create the job and move an existing VM into its operation at once: the VM update is conditioned
   * on the version read and on no other job holding it, so two operations racing for one VM cannot
   * both start. A VM that is busy or changed is answered with the job that holds it.
   */
  async createWithVmChange(job: AsyncJob, vm: Vm, set: Partial<Vm>, vms: VmsRepository, remove: Array<keyof Vm> = [], also: object[] = []): Promise<void> {
    const update = vms.updateOperation(vm, { ...set, activeJobId: job.id }, remove);
    update.Update.ConditionExpression = `${update.Update.ConditionExpression} AND attribute_not_exists(#activeJobId)`;
    update.Update.ExpressionAttributeNames['#activeJobId'] = 'activeJobId';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [this.putOperation(job), update, this.pendingMarker(job), ...also, ...vms.changeCounterOperations(vm, set, remove), ...this.counterOperations('JOB', undefined, job)] as never,
        }),
      );
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      // One of `also` lost its condition (a volume attached meanwhile): the caller explains it.
      const alsoLost = also.findIndex((_, i) => reasons?.[3 + i]?.Code === 'ConditionalCheckFailed' || reasons?.[3 + i]?.Code === 'TransactionConflict');
      if (alsoLost >= 0 && reasons?.[1]?.Code !== 'ConditionalCheckFailed') throw new AlsoLostError(alsoLost);
      // A condition that failed, or (on DynamoDB proper) a transaction racing ours on the VM item.
      if (reasons?.[1]?.Code !== 'ConditionalCheckFailed' && reasons?.[1]?.Code !== 'TransactionConflict') throw err;
      const now = await vms.get(vm.id, true);
      throw busyError(vm, now?.activeJobId);
    }
  }

  /** Append the ASL state that just completed to the job's steps. */
  async recordStep(jobId: string, state: string, at = new Date()): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: entityKey('JOB', jobId),
        UpdateExpression: 'SET #steps = list_append(if_not_exists(#steps, :none), :step)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#steps': 'steps' },
        ExpressionAttributeValues: { ':none': [], ':step': [{ name: state, at: at.toISOString() }] },
      }),
    );
  }

  /** How far the job's agent task has come (jobprocstatus), while it is pending; a settled job is left so. */
  async recordProgress(jobId: string, percent: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('JOB', jobId),
          UpdateExpression: 'SET progress = :p',
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':p': percent, ':pending': 0 },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  /**
   * Settle the job (succeeded with `result`, or failed with `error`) and its VM in one transaction.
   * Returns false when the job had already completed (a retried step).
   */
  async complete(
    jobId: string,
    outcome: {
      status: Exclude<JobStatus, 0>;
      result: Record<string, unknown> | ErrorShape;
      failedStep?: string;
      failureReason?: string;
      publicErrorText?: string;
      step?: string;
      created?: string; // the job's creation time: its pending marker is deleted with it
      also?: object[]; // more writes that belong to the settlement (the expunge queue)
    },
    settlement: VmSettlement | undefined,
    vms: VmsRepository,
    now = new Date(),
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#result': 'result', '#code': 'resultCode', '#completed': 'completed', '#version': 'version', '#steps': 'steps' };
    const values: Record<string, unknown> = {
      ':pending': 0,
      ':status': outcome.status,
      ':result': outcome.result,
      ':code': outcome.status === 2 ? (outcome.result as ErrorShape).errorcode : 0,
      ':completed': now.toISOString(),
      ':one': 1,
      ':none': [],
      ':step': outcome.step ? [{ name: outcome.step, at: now.toISOString() }] : [],
    };
    const sets = ['#status = :status', '#result = :result', '#code = :code', '#completed = :completed', '#version = #version + :one', '#steps = list_append(if_not_exists(#steps, :none), :step)'];
    // From now on it is kept job.expire.minutes; its counters move to the bucket of that hour.
    const job = await this.get(jobId, true, now);
    const expires = await this.expiryAfter(now.toISOString());
    if (expires !== undefined) {
      names['#expiresAt'] = 'expiresAt';
      values[':expiresAt'] = expires;
      sets.push('#expiresAt = :expiresAt');
    }
    for (const field of ['failedStep', 'failureReason', 'publicErrorText'] as const) {
      if (!outcome[field]) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = outcome[field];
      sets.push(`#${field} = :${field}`);
    }
    const jobUpdate = {
      Update: {
        TableName: this.table,
        Key: entityKey('JOB', jobId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
    const items: object[] = settlement ? [jobUpdate, vms.updateOperation(settlement.vm, settlement.set, settlement.remove)] : [jobUpdate];
    if (outcome.created) items.push({ Delete: { TableName: this.table, Key: pendingJobKey(outcome.created, jobId) } });
    items.push(...(outcome.also ?? []));
    if (settlement) items.push(...vms.changeCounterOperations(settlement.vm, settlement.set, settlement.remove));
    if (job?.status === 0) items.push(...this.counterOperations('JOB', job, job, { after: expires }));
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
      return true;
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return false; // already completed
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw new ConcurrentOperationError(`VM ${settlement?.vm.id} changed while job ${jobId} was settling it`);
      throw err;
    }
  }
}

/** A write that rode with a job's start lost its condition (its index among `also`): nothing was written. */
export class AlsoLostError extends Error {
  constructor(readonly index: number) {
    super(`write ${index} of the operation's start lost its condition`);
    this.name = 'AlsoLostError';
  }
}

/** The refusal of a second operation on a VM (CloudStack's ConcurrentOperationException, 530). */
export function busyError(vm: Pick<Vm, 'id' | 'name'>, activeJobId: string | undefined): ConcurrentOperationError {
  return new ConcurrentOperationError(
    activeJobId
      ? `VM ${vm.name} (${vm.id}) is busy: job ${activeJobId} is still operating on it; retry when that job has finished`
      : `VM ${vm.name} (${vm.id}) changed while the operation was being started; retry the operation`,
  );
}
