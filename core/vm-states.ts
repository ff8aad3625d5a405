import { InvalidParameterError } from './errors';

/**
 * The VM state machine as a table, like CloudStack's `VirtualMachine.State` FSM. States are the
 * ones CloudStack reports (libcloud maps exactly these); "Created" from the seeds is reported as
 * Stopped, as real CloudStack does (docs/decisions.md).
 */
export const VM_STATES = [
  'Allocated',
  'Starting',
  'Running',
  'Stopping',
  'Stopped',
  'Migrating',
  'Destroyed',
  'Expunging',
  'Expunged',
  'Error',
] as const;
export type VmState = (typeof VM_STATES)[number];

export const VM_EVENTS = [
  'StartRequested',
  'OperationSucceeded',
  'OperationFailed',
  'StopRequested',
  'DestroyRequested',
  'ExpungeRequested',
  'RecoveryRequested',
  'MigrationRequested',
  'Unmanaged',
] as const;
export type VmEvent = (typeof VM_EVENTS)[number];

const table: Array<[VmState, VmEvent, VmState]> = [
  ['Allocated', 'StartRequested', 'Starting'],
  ['Allocated', 'OperationSucceeded', 'Stopped'], // deploy with startvm=false
  ['Allocated', 'OperationFailed', 'Error'],
  ['Allocated', 'DestroyRequested', 'Destroyed'],
  ['Stopped', 'StartRequested', 'Starting'],
  ['Starting', 'OperationSucceeded', 'Running'],
  ['Starting', 'OperationFailed', 'Stopped'],
  ['Running', 'StopRequested', 'Stopping'],
  ['Running', 'MigrationRequested', 'Migrating'],
  ['Migrating', 'OperationSucceeded', 'Running'],
  ['Migrating', 'OperationFailed', 'Running'],
  ['Stopping', 'OperationSucceeded', 'Stopped'],
  ['Stopping', 'OperationFailed', 'Running'],
  ['Stopped', 'DestroyRequested', 'Destroyed'],
  ['Running', 'DestroyRequested', 'Destroyed'],
  ['Stopping', 'DestroyRequested', 'Destroyed'], // destroy stops a running VM first, then destroys it
  ['Error', 'DestroyRequested', 'Destroyed'],
  ['Destroyed', 'RecoveryRequested', 'Stopped'],
  ['Destroyed', 'ExpungeRequested', 'Expunging'],
  ['Expunging', 'OperationSucceeded', 'Expunged'],
  ['Expunging', 'OperationFailed', 'Destroyed'],
  // unmanageVirtualMachine: the VM leaves the inventory as an expunge does; its domain runs on (R-UNM.5)
  ['Running', 'Unmanaged', 'Expunged'],
  ['Stopped', 'Unmanaged', 'Expunged'],
];

const next = new Map<string, VmState>(table.map(([from, ev, to]) => [`${from}:${ev}`, to]));

/** The state after `event`, or undefined if the event is not allowed in `state`. */
export function nextState(state: VmState, event: VmEvent): VmState | undefined {
  return next.get(`${state}:${event}`);
}

/** The state after `event`; a wrong state is CloudStack's 431 with a text that names both. */
export function transition(state: VmState, event: VmEvent): VmState {
  const to = nextState(state, event);
  if (!to) throw new InvalidParameterError(`Unable to perform ${event} on a VM in state ${state}`);
  return to;
}

/** Intermediate states: a VM in one of these has a job (or the reconciler) that will settle it. */
export const TRANSITIONAL_STATES: ReadonlySet<VmState> = new Set(['Allocated', 'Starting', 'Stopping', 'Migrating', 'Expunging']);
