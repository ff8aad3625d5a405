import type { AsyncJob, Host, HostResourceState } from '../../core/entities';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey } from './keys';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Repository } from './repository';

type Reasons = Array<{ Code?: string }> | undefined;

/**
 * A host's maintenance (prepareHostForMaintenance, cancelHostMaintenance): its resource state
 * changes only with the job that drives it, one job per host at a time, conditioned on the state it
 * was read in, so a second request or an administrator's racing update is refused, not lost.
 */
export class MaintenanceRepository extends Repository {
  /** The write that moves the host into PrepareForMaintenance with its job: conditioned on the host as read and on no other job holding it. */
  beginOperation(job: AsyncJob, host: Host) {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('HOST', host.id),
        UpdateExpression: 'SET resourceState = :prepare, activeJobId = :job, version = version + :one REMOVE maintenanceReason',
        ConditionExpression: 'version = :expected AND attribute_not_exists(activeJobId)',
        ExpressionAttributeValues: { ':prepare': 'PrepareForMaintenance', ':job': job.id, ':one': 1, ':expected': host.version },
      },
    };
  }

  /** The answer to a beginOperation that lost: 530 naming what holds the host; anything else as it was. */
  explainBegin(err: unknown, host: Host): never {
    const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
    if (reasons?.[1]?.Code === 'ConditionalCheckFailed' || reasons?.[1]?.Code === 'TransactionConflict')
      throw new ConcurrentOperationError(`Host ${host.name} is being changed by another operation${host.activeJobId ? ` (job ${host.activeJobId})` : ''}; try again when it is done`);
    throw err;
  }

  /** A maintenance whose workflow never started: the host goes back to the state it was in, without the job. */
  abandonOperation(host: Host, jobId: string, to: HostResourceState) {
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('HOST', host.id),
        UpdateExpression: 'SET resourceState = :to, version = version + :one REMOVE activeJobId',
        ConditionExpression: 'activeJobId = :job',
        ExpressionAttributeValues: { ':to': to, ':one': 1, ':job': jobId },
      },
    };
  }

  /**
   * The write that ends the host's maintenance job, with the job's completion: the host as read by
   * the job's last step goes to `to`, or, when cancelHostMaintenance took it out of
   * PrepareForMaintenance meanwhile, keeps its state and only loses the job. Conditioned on that
   * state, so a cancel racing this write fails it and the step reads again.
   */
  finishOperation(host: Host, jobId: string, to: Extract<HostResourceState, 'Maintenance' | 'ErrorInMaintenance'>, reason: string | undefined) {
    const preparing = host.resourceState === 'PrepareForMaintenance';
    const values: Record<string, unknown> = { ':one': 1, ':job': jobId, ':read': host.resourceState };
    let update = 'SET version = version + :one';
    if (preparing) {
      values[':to'] = to;
      update += ', resourceState = :to';
      if (reason) {
        values[':reason'] = reason;
        update += ', maintenanceReason = :reason';
      }
    }
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('HOST', host.id),
        UpdateExpression: `${update} REMOVE activeJobId`,
        ConditionExpression: 'activeJobId = :job AND resourceState = :read',
        ExpressionAttributeValues: values,
      },
    };
  }

  /** cancelHostMaintenance: back to Enabled from any maintenance state, conditioned on the state read. */
  async cancel(host: Host, also: object[]): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: entityKey('HOST', host.id),
                UpdateExpression: 'SET resourceState = :enabled, version = version + :one REMOVE maintenanceReason',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':enabled': 'Enabled', ':one': 1, ':expected': host.version },
              },
            },
            ...also,
          ] as never,
        }),
      );
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed' || reasons?.[0]?.Code === 'TransactionConflict')
        throw new ConcurrentOperationError(`Host ${host.name} was changed by another request while its maintenance was being cancelled; try again`);
      throw err;
    }
  }
}
