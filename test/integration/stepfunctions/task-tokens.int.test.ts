import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { historyOf, startHarness, statesEntered, stopHarness, waitForEnd, type Harness } from './helpers';

describe('local Step Functions: task tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => h.lambdas.reset());

  it('waits for SendTaskSuccess and hands its output to the next state, with the context object resolved', async () => {
    // Prepare
    h.lambdas.on('Record', (payload) => ({ recorded: payload }));
    const input = { vmId: 'v1' };

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), name: 'callback-ok', input: JSON.stringify(input) }),
    );
    const dispatched = await h.lambdas.nextCall('Dispatch');
    await h.client.send(new SendTaskSuccessCommand({ taskToken: dispatched.taskToken, output: JSON.stringify({ powerState: 'Running' }) }));
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(dispatched).toEqual({
      taskToken: expect.stringMatching(/^tt1\./),
      vmId: 'v1',
      executionId: executionArn,
      executionName: 'callback-ok',
      executionInput: input,
      stateMachineId: h.arn('agent-callback'),
      state: 'RunOnAgent',
      greeting: 'from RunOnAgent',
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(h.lambdas.callsOf('Record')).toEqual([{ vmId: 'v1', agent: { powerState: 'Running' } }]);
    const events = await historyOf(h.client, executionArn!);
    expect(events.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      output: JSON.stringify({ powerState: 'Running' }),
    });
  });

  it('routes SendTaskFailure into the Catch that names its error', async () => {
    // Prepare: the default fake returns {}, as Compensate needs

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), name: 'callback-failed', input: JSON.stringify({ vmId: 'v2' }) }),
    );
    const dispatched = await h.lambdas.nextCall('Dispatch');
    await h.client.send(new SendTaskFailureCommand({ taskToken: dispatched.taskToken, error: 'AgentError', cause: 'domain v2 not found' }));
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('AgentFailed');
    expect(h.lambdas.callsOf('Compensate')).toEqual([{ vmId: 'v2', failure: { Error: 'AgentError', Cause: 'domain v2 not found' } }]);
    expect(statesEntered(await historyOf(h.client, executionArn!))).toEqual(['RunOnAgent', 'Compensate', 'AgentFailed']);
  });

  it('fails the task with the dispatching function error when that function throws', async () => {
    // Prepare
    class AgentError extends Error {
      override name = 'AgentError';
    }
    h.lambdas.on('Dispatch', () => {
      throw new AgentError('host h9 is not connected');
    });

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), name: 'dispatch-throws', input: JSON.stringify({ vmId: 'v3' }) }),
    );
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(done.status).toBe('FAILED');
    expect(h.lambdas.callsOf('Compensate').at(-1)).toEqual({
      vmId: 'v3',
      failure: { Error: 'AgentError', Cause: JSON.stringify({ errorType: 'AgentError', errorMessage: 'host h9 is not connected' }) },
    });
  });

  it('gives each of several concurrently waiting Map tasks its own token', async () => {
    // Prepare
    const hosts = ['h1', 'h2', 'h3'];

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('map-callback'), input: JSON.stringify({ hosts }) }),
    );
    const calls = await Promise.all(hosts.map(() => h.lambdas.nextCall('Dispatch')));
    // Answer in reverse order: each answer must reach its own iteration.
    for (const call of [...calls].reverse()) {
      await h.client.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: JSON.stringify({ pong: call.hostId }) }));
    }
    const done = await waitForEnd(h.client, executionArn!);

    // Assess
    expect(new Set(calls.map((c) => c.taskToken)).size).toBe(3);
    expect(calls.map((c) => c.executionInput)).toEqual(hosts.map(() => ({ hosts })));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).pings).toEqual(hosts.map((hostId) => ({ pong: hostId })));
    const events = await historyOf(h.client, executionArn!);
    expect(statesEntered(events).sort()).toEqual(['CheckInput', 'EachHost', 'PingHost', 'PingHost', 'PingHost', 'Pinged', 'Pinged', 'Pinged'].sort());
    expect(events.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(3);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('answers a malformed token with InvalidToken and an unknown one with TaskDoesNotExist', async () => {
    // Act
    const malformed = h.client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }));
    const unknown = h.client.send(new SendTaskHeartbeatCommand({ taskToken: `tt1.${'A'.repeat(64)}` }));

    // Assess
    await expect(malformed).rejects.toBeInstanceOf(InvalidToken);
    await expect(unknown).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('answers a token whose task has already ended with TaskTimedOut', async () => {
    // Prepare
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), input: JSON.stringify({ vmId: 'v4' }) }),
    );
    const dispatched = await h.lambdas.nextCall('Dispatch');
    await h.client.send(new SendTaskSuccessCommand({ taskToken: dispatched.taskToken, output: '{}' }));
    await waitForEnd(h.client, executionArn!);

    // Act
    const again = h.client.send(new SendTaskSuccessCommand({ taskToken: dispatched.taskToken, output: '{}' }));

    // Assess
    await expect(again).rejects.toBeInstanceOf(TaskTimedOut);
  });
});
