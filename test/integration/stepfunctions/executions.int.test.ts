import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { historyOf, startHarness, statesEntered, stopHarness, waitForEnd, type Harness } from './helpers';

describe('local Step Functions: executions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => stopHarness(h));
  beforeEach(() => h.lambdas.reset());

  it('lists and describes the state machines loaded from the workflow files', async () => {
    // Act
    const list = await h.client.send(new ListStateMachinesCommand({}));
    const saga = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: h.arn('saga') }));

    // Assess
    expect(list.stateMachines?.map((m) => m.name)).toEqual(
      expect.arrayContaining(['agent-callback', 'agent-heartbeat', 'agent-timeout', 'map-callback', 'retry-then-success', 'saga']),
    );
    expect(saga.definition).toContain('arn:aws:lambda:us-east-1:000000000000:function:Reserve');
    expect(saga.type).toBe('STANDARD');
  });

  it('returns the running execution again for the same name and input, and refuses another input', async () => {
    // Prepare
    const start = (input: object) =>
      h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), name: 'job-42', input: JSON.stringify(input) }));
    const first = await start({ vmId: 'v42' });

    // Act
    const retried = await start({ vmId: 'v42' });
    const different = start({ vmId: 'v43' });

    // Assess
    expect(retried.executionArn).toBe(first.executionArn);
    await expect(different).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(h.lambdas.callsOf('Dispatch')).toHaveLength(1);
    await h.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  it('stops a running execution: ABORTED, with its error and cause, and its token dead', async () => {
    // Prepare
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('agent-callback'), input: JSON.stringify({ vmId: 'v5' }) }));
    const { taskToken } = await h.lambdas.nextCall('Dispatch');

    // Act
    const stopped = await h.client.send(new StopExecutionCommand({ executionArn, error: 'UserCancelled', cause: 'cancelled by admin' }));
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const late = h.client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));

    // Assess
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'UserCancelled', cause: 'cancelled by admin' });
    expect(described.stopDate).toBeInstanceOf(Date);
    await expect(late).rejects.toBeInstanceOf(TaskTimedOut);
    const events = await historyOf(h.client, executionArn!);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(h.lambdas.callsOf('Record')).toHaveLength(0);
  });

  it('lists executions by status, newest first, a page at a time', async () => {
    // Prepare
    const started: string[] = [];
    for (const vmId of ['a', 'b', 'c']) {
      const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('saga'), input: JSON.stringify({ vmId }) }));
      await waitForEnd(h.client, executionArn!);
      started.push(executionArn!);
    }

    // Act
    const firstPage = await h.client.send(new ListExecutionsCommand({ stateMachineArn: h.arn('saga'), statusFilter: 'SUCCEEDED', maxResults: 2 }));
    const secondPage = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: h.arn('saga'), statusFilter: 'SUCCEEDED', maxResults: 2, nextToken: firstPage.nextToken }),
    );
    const running = await h.client.send(new ListExecutionsCommand({ stateMachineArn: h.arn('saga'), statusFilter: 'RUNNING' }));

    // Assess
    const listed = [...firstPage.executions!, ...secondPage.executions!].map((e) => e.executionArn);
    expect(listed.slice(0, 3)).toEqual([...started].reverse());
    expect(firstPage.executions).toHaveLength(2);
    expect(running.executions).toEqual([]);
  });

  it('records one StateEntered event per state transition, with ids chained', async () => {
    // Act
    const { executionArn } = await h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('saga'), input: JSON.stringify({ vmId: 'v9' }) }));
    await waitForEnd(h.client, executionArn!);
    const events = await historyOf(h.client, executionArn!);

    // Assess
    expect(statesEntered(events)).toEqual(['Reserve', 'StartVm', 'Started']);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.previousEventId === e.id! - 1 && e.timestamp instanceof Date)).toBe(true);
  });

  it('answers unknown executions and state machines with the modelled exceptions', async () => {
    // Act
    const noExecution = h.client.send(new DescribeExecutionCommand({ executionArn: `${h.arn('saga').replace(':stateMachine:', ':execution:')}:nope` }));
    const noMachine = h.client.send(new StartExecutionCommand({ stateMachineArn: h.arn('nope') }));

    // Assess
    await expect(noExecution).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(noMachine).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});
