import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from './table';

/**
 * API throttling's counts (api.throttling.*): one item per account and fixed interval, counted up
 * by a conditional ADD, so every API front (every Lambda instance) shares one count and a request
 * past the limit is refused however the fronts interleave. The item expires with its interval.
 */
export class ThrottleRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Count one request of the account in the interval starting at `windowStart` (epoch ms); false when `max` were counted already. */
  async take(accountId: string, windowStart: number, max: number, expiresAt: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `THROTTLE#${accountId}`, sk: String(windowStart) },
          UpdateExpression: 'ADD n :one SET #ttl = if_not_exists(#ttl, :expires)',
          ConditionExpression: 'attribute_not_exists(n) OR n < :max',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':max': max, ':expires': expiresAt },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
