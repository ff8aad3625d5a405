import { SendTaskHeartbeatCommand, SendTaskSuccessCommand, StartExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { historyOf, sleep, startHarness, stopHarness, waitForEnd, type Harness } from './helpers';

describe('local Step Functions: TimeoutSeconds and HeartbeatSeconds', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => h.lambdas.reset());
  /** Heartbeats every 0.25 s for 1.5 s (longer than a 1 s bound); the history's event types meanwhile. */
  const beatFor = async (taskToken: string, executionArn: string) => {
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      await h.client.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
    return (await historyOf(h.client, executionArn)).map((e) => e.type);
  };

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
    const whileBeating = await beatFor(taskToken, executionArn!);
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(whileBeating).not.toContain('TaskTimedOut');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).failure.Error).toBe('States.Timeout');
  });

  it('takes the heartbeat bound from the input with HeartbeatSecondsPath, and refuses one that is not a whole number of seconds', async () => {
    // Prepare: a bound of 1 s from the input
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-heartbeat-path'), input: JSON.stringify({ silence: 1 }) }));
    const { taskToken } = await h.lambdas.nextCall('Dispatch');

    // Act: beats for 1.5 s, then silence
    const whileBeating = await beatFor(taskToken, executionArn!);
    const done = await waitForEnd(h.client, executionArn!);
    const { executionArn: bad } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-heartbeat-path'), input: JSON.stringify({ silence: 'soon' }) }));
    const refused = await waitForEnd(h.client, bad!);

    // Assess: the input carries no trace of the bound; a bad bound is the States.Runtime AWS gives
    expect(whileBeating).not.toContain('TaskTimedOut');
    expect(JSON.parse(done.output!)).toEqual({ silence: 1, failure: { Error: 'States.Timeout', Cause: 'States.Timeout' } });
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('States.Runtime');
  });
});
