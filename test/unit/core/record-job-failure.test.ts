import { describeFailure, publicText } from '../../../functions/steps/failures';
import { USER_ERROR_MESSAGE } from '../../../core/errors';

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

describe('the failure other callers see', () => {
  it('keeps only the first sentence of a 533: no host names or free capacity', () => {
    expect(publicText({ errorcode: 533, errortext: 'Unable to create a deployment for VM[User|i-2-7-VM]: no host in zone zone1 can take it; host h1 has 0 MHz free' })).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]',
    );
  });
  it('hides internal errors behind CloudStack\'s generic text', () => {
    expect(publicText({ errorcode: 530, errortext: 'VM 42 does not exist' })).toBe(USER_ERROR_MESSAGE);
  });
  it('shows other CloudStack errors as they are', () => {
    expect(publicText({ errorcode: 534, errortext: 'storage pool offline' })).toBe('storage pool offline');
  });
});
