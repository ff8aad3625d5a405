import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, withDeadline } from '../../../functions/store/client';

/**
 * A request past its deadline makes no more DynamoDB calls: the store's client refuses them before
 * anything is sent (here, to an endpoint where nothing listens, which would otherwise be retried).
 */
describe('withDeadline', () => {
  const saved = process.env.DYNAMODB_ENDPOINT;
  beforeAll(() => {
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.DYNAMODB_ENDPOINT;
    else process.env.DYNAMODB_ENDPOINT = saved;
  });

  it('refuses a call once the deadline has passed, without sending it', async () => {
    // Prepare
    const db = documentClient();
    const get = () => db.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));

    // Act
    const started = Date.now();
    const refused = withDeadline(-1, get);

    // Assess
    await expect(refused).rejects.toThrow('The request ran out of time; its remaining reads were not made');
    expect(Date.now() - started).toBeLessThan(500); // no connection attempts, no retries
  });

  it('lets calls through before the deadline (they reach the endpoint)', async () => {
    const db = documentClient();
    await expect(withDeadline(60_000, () => db.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } })))).rejects.not.toThrow('ran out of time');
  }, 30_000);
});
