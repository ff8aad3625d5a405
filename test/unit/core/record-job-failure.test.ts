import { describeFailure } from '../../../functions/steps/recordJobFailure';

describe('the failure a job records', () => {
  it('takes the code from the error class and the text from a Lambda error cause', () => {
    const cause = JSON.stringify({ errorType: 'InsufficientCapacityError', errorMessage: 'no host in zone zone1 can take it' });
    expect(describeFailure('ChooseHost', { Error: 'InsufficientCapacityError', Cause: cause })).toEqual({ errorcode: 533, errortext: 'no host in zone zone1 can take it' });
  });

  it('takes a plain cause as the text (an agent failure)', () => {
    expect(describeFailure('StartOnHost', { Error: 'ResourceUnavailableError', Cause: 'storage pool offline' })).toEqual({ errorcode: 534, errortext: 'storage pool offline' });
  });

  it('explains a timed-out agent task as a 530', () => {
    expect(describeFailure('StartOnHost', { Error: 'States.Timeout' })).toEqual({ errorcode: 530, errortext: "StartOnHost timed out: the host's agent did not report in time" });
  });

  it('maps an unknown error to 530 with its name when there is no cause', () => {
    expect(describeFailure('ReserveCapacity', { Error: 'Lambda.Unknown' })).toEqual({ errorcode: 530, errortext: 'ReserveCapacity failed with Lambda.Unknown' });
  });
});
