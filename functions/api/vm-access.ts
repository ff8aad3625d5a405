import { canAccess } from '../../core/access';
import type { Caller, Vm } from '../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import type { VmState } from '../../core/vm-states';
import type { Store } from '../store';
import { busyError } from '../store/jobs';
import { canSeeDestroyed } from './scope';

/**
 * The VM a command names, as the caller may see it. Another tenant's VM, an expunged one, and a
 * destroyed one the caller may not see are all answered like a VM that does not exist, so the
 * answer never tells whether it exists.
 */
export async function vmForCaller(store: Store, caller: Caller, id: string, command: string, param = 'id'): Promise<Vm> {
  const vm = await store.vms.get(id, true); // a command right after another must see its effect
  if (!vm || vm.state === 'Expunged' || !canAccess(caller, vm)) throw new EntityNotFoundError(command, param, id);
  if ((vm.state === 'Destroyed' || vm.state === 'Expunging') && !(await canSeeDestroyed(caller, store))) throw new EntityNotFoundError(command, param, id);
  return vm;
}

/** The state a VM is reported in (Allocated, never started, shows as Stopped). */
export const shownState = (state: VmState): VmState => (state === 'Allocated' ? 'Stopped' : state);

/**
 * A VM another job holds: 530 naming that job. A VM not in one of `allowed` states: CloudStack's
 * 431, naming the operation and the state. Either way nothing has changed.
 */
export function requireOperable(vm: Vm, allowed: readonly VmState[], operation: string): void {
  if (vm.activeJobId) throw busyError(vm, vm.activeJobId);
  // An interrupted migration or scale left capacity held and the VM's host uncertain: nothing acts on
  // it until the reconciler has settled where it runs (from the hosts' reports).
  if (vm.migration || vm.pendingScale)
    throw new ConcurrentOperationError(`VM ${vm.name} (${vm.id}) has an interrupted ${vm.migration ? `migration to host ${vm.migration.hostId}` : 'scale'} to settle; the reconciler settles it once its hosts report, try again then`);
  if (allowed.includes(vm.state)) return;
  throw new InvalidParameterError(
    `Unable to ${operation} VM ${vm.name} (${vm.id}): it is ${shownState(vm.state)}; ${operation} needs it ${[...new Set(allowed.map(shownState))].join(' or ')}`,
  );
}

/** CloudStack's command class names, which jobs show in `cmd`. */
export const VM_CMD = (name: string, admin = false) => `org.apache.cloudstack.api.command.${admin ? 'admin' : 'user'}.vm.${name}`;

/** The graceful shutdown bound: vm.stop.graceful.timeout (seconds), kept inside the workflow's wait for the agent. */
export const MAX_GRACEFUL_STOP_MS = 240_000;
export async function gracefulStopMs(store: Store, zoneId: string): Promise<number> {
  const seconds = await store.settings.getNumber('vm.stop.graceful.timeout', { zoneId });
  return Math.min(MAX_GRACEFUL_STOP_MS, Math.max(1_000, seconds * 1000));
}

/**
 * Where an expunge removes the VM's domain and disks: the host it runs on or last ran on. A host
 * deleted since has nothing left to remove, so the expunge skips that step instead of waiting for
 * an agent that will never poll.
 */
export async function undefineTarget(store: Store, vm: Vm): Promise<{ hasHost: boolean; undefineHostId: string }> {
  const hostId = vm.hostId ?? vm.lastHostId;
  const host = hostId ? await store.hosts.get(hostId) : undefined;
  return host ? { hasHost: true, undefineHostId: host.id } : { hasHost: false, undefineHostId: '' };
}
