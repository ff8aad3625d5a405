import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scheduleKey } from './keys';

/**
 * Background jobs run on a fixed tick (EventBridge Scheduler every minute on AWS, a timer locally)
 * and decide here whether their own interval (a setting, changeable at runtime) has passed. Claiming
 * a run is one conditional write, so two ticks never run the same job at once.
 */
export class SchedulesRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** True when `name` last ran at least `intervalSeconds` ago (or never) and this call claimed the run. */
  async claim(name: string, intervalSeconds: number, now = new Date()): Promise<boolean> {
    const due = new Date(now.getTime() - intervalSeconds * 1000).toISOString();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: scheduleKey(name),
          UpdateExpression: 'SET lastRun = :now',
          ConditionExpression: 'attribute_not_exists(lastRun) OR lastRun <= :due',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':due': due },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
