import { SendTaskHeartbeatCommand, SendTaskSuccessCommand, StartExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { historyOf, sleep, startHarness, stopHarness, waitForEnd, type Harness } from './helpers';

describe('local Step Functions: TimeoutSeconds and HeartbeatSeconds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => h.lambdas.reset());

  it('fails an unanswered task with States.Timeout, which States.TaskFailed does not catch', async () => {
    // Act
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-timeout'), input: '{}' }));
    const dispatched = await h.lambdas.nextCall('Dispatch');
    const done = await waitForEnd(h.client, executionArn!);
    const late = h.client.send(new SendTaskSuccessCommand({ taskToken: dispatched.taskToken, output: '{}' }));

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ failure: { Error: 'States.Timeout', Cause: 'States.Timeout' } });
    await expect(late).rejects.toBeInstanceOf(TaskTimedOut);
    const events = await historyOf(h.client, executionArn!);
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.Timeout');
  });

  it('keeps a task alive while heartbeats arrive and times it out once they stop', async () => {
    // Prepare
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-heartbeat'), input: '{}' }));
    const { taskToken } = await h.lambdas.nextCall('Dispatch');

    // Act: heartbeats every 0.25 s for 1.5 s, longer than HeartbeatSeconds (1 s)
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      await h.client.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
    const whileBeating = (await historyOf(h.client, executionArn!)).map((e) => e.type);
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(whileBeating).not.toContain('TaskTimedOut');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).failure.Error).toBe('States.Timeout');
  });
});
