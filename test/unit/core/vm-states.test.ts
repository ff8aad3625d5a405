import { InvalidParameterError } from '../../../core/errors';
import { nextState, transition, type VmEvent, type VmState } from '../../../core/vm-states';

describe('the VM state machine', () => {
  it.each<[VmState, VmEvent, VmState]>([
    ['Starting', 'OperationSucceeded', 'Running'],
    ['Allocated', 'OperationSucceeded', 'Stopped'],
    ['Stopped', 'StartRequested', 'Starting'],
    ['Running', 'StopRequested', 'Stopping'],
    ['Destroyed', 'RecoveryRequested', 'Stopped'],
    ['Destroyed', 'ExpungeRequested', 'Expunging'],
  ])('moves %s on %s to %s', (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  it.each<[VmState, VmEvent]>([
    ['Running', 'StartRequested'],
    ['Stopped', 'StopRequested'],
    ['Expunged', 'RecoveryRequested'],
    ['Error', 'StartRequested'],
  ])('refuses %s on %s with a 431 that names both', (from, event) => {
    expect(nextState(from, event)).toBeUndefined();
    expect(() => transition(from, event)).toThrow(InvalidParameterError);
    expect(() => transition(from, event)).toThrow(`Unable to perform ${event} on a VM in state ${from}`);
  });
});
