import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AsyncJob, JobStatus, Vm } from '../../core/entities';
import type { ErrorShape } from '../../core/errors';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey } from './keys';
import { Repository } from './repository';
import type { VmsRepository } from './vms';

/** A VM change that settles together with its job. */
export interface VmSettlement {
  vm: Pick<Vm, 'id' | 'version'>;
  set: Partial<Vm>;
  remove?: Array<keyof Vm>;
}

/**
 * Async jobs. A job is written in the same transaction as the VM change that starts it and again
 * with the VM change that settles it, so a job and its VM never disagree. A job completes once:
 * completing a completed job is a no-op (steps are retried by the workflow).
 */
export class JobsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<AsyncJob>('JOB', id, consistent);
  listAll = () => this.listKind<AsyncJob>('JOB');
  listByAccount = (accountId: string) => this.listScope<AsyncJob>('JOB', 'ACCOUNT', accountId);

  private putOperation(job: AsyncJob) {
    return {
      Put: {
        TableName: this.table,
        Item: this.entityItem('JOB', job, { order: job.created, scope: { name: 'ACCOUNT', id: job.accountId } }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Create the job and a new VM at once (deploy). */
  async createWithNewVm(job: AsyncJob, vm: Vm, vms: VmsRepository): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: [this.putOperation(job), vms.createOperation(vm)] }));
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

  /**
   * Settle the job (succeeded with `result`, or failed with `error`) and its VM in one transaction.
   * Returns false when the job had already completed (a retried step).
   */
  async complete(
    jobId: string,
    outcome: { status: Exclude<JobStatus, 0>; result: Record<string, unknown> | ErrorShape; failedStep?: string; failureReason?: string; publicErrorText?: string; step?: string },
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
    const items = settlement ? [jobUpdate, vms.updateOperation(settlement.vm, settlement.set, settlement.remove)] : [jobUpdate];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return false; // already completed
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw new ConcurrentOperationError(`VM ${settlement?.vm.id} changed while job ${jobId} was settling it`);
      throw err;
    }
  }
}
