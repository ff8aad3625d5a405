import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { historyOf, startHarness, statesEntered, stopHarness, waitForEnd, type Harness } from './helpers';

class HostBusy extends Error {
  override name = 'HostBusy';
}
class StartError extends Error {
  override name = 'StartError';
}

describe('local Step Functions: Retry and Catch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => h.lambdas.reset());

  it('retries a lambda:invoke task on its error name, then succeeds with the wrapped payload', async () => {
    // Prepare
    let attempts = 0;
    h.lambdas.on('AllocateHost', () => {
      attempts += 1;
      if (attempts === 1) throw new HostBusy('host h1 is busy');
      return { hostId: 'h2' };
    });

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('retry-then-success'), input: JSON.stringify({ vmId: 'v1' }) }),
    );
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ vmId: 'v1', placement: { hostId: 'h2', statusCode: 200 } });
    expect(h.lambdas.callsOf('AllocateHost')).toEqual([
      { vmId: 'v1', state: 'AllocateHost' },
      { vmId: 'v1', state: 'AllocateHost' },
    ]);
    const events = await historyOf(h.client, executionArn!);
    expect(statesEntered(events)).toEqual(['AllocateHost', 'Placed']);
    const failed = events.find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      error: 'HostBusy',
      cause: JSON.stringify({ errorType: 'HostBusy', errorMessage: 'host h1 is busy' }),
      resourceType: 'lambda',
      resource: 'invoke',
    });
    expect(events.filter((e) => e.type === 'TaskScheduled')).toHaveLength(2);
  });

  it('catches a failed step into its compensation and ends FAILED through the Fail state', async () => {
    // Prepare
    h.lambdas.on('Reserve', () => ({ hostId: 'h1' }));
    h.lambdas.on('StartVm', () => {
      throw new StartError('hypervisor refused');
    });
    h.lambdas.on('Release', () => ({ released: true }));

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('saga'), name: 'saga-1', input: JSON.stringify({ vmId: 'v7' }) }),
    );
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('DeployFailed');
    expect(done.cause).toBe('The start failed; the reservation was released.');
    expect(h.lambdas.callsOf('Release')).toEqual([
      {
        vmId: 'v7',
        reservation: { hostId: 'h1' },
        failure: { Error: 'StartError', Cause: JSON.stringify({ errorType: 'StartError', errorMessage: 'hypervisor refused' }) },
      },
    ]);
    const events = await historyOf(h.client, executionArn!);
    expect(statesEntered(events)).toEqual(['Reserve', 'StartVm', 'Release', 'DeployFailed']);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'DeployFailed' } });
    expect(events.map((e) => e.type)).toContain('LambdaFunctionFailed');
  });
});
