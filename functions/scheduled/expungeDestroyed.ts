import { ConcurrentOperationError } from '../../core/errors';
import { SYSTEM_CALLER } from '../../core/system';
import { createJobStarter, type JobStarter } from '../api/jobs';
import { undefineTarget, VM_CMD } from '../api/vm-access';
import { whyNotExpungeable } from '../backups';
import { scheduledRun } from './scheduled-run';
import { createStore, type Store } from '../store';

/**
 * The scheduled expunge (R-LIFE.11, §6): every `expunge.interval` seconds, each VM destroyed more
 * than `expunge.delay` seconds ago gets an expunge job (workflows/expunge-vm.asl.json) run as the
 * system user. A VM another job holds is left for the next run; a VM recovered meanwhile has left
 * the queue.
 */
export async function expungeDestroyed(store: Store, jobs: JobStarter, { now = new Date(), force = false } = {}): Promise<{ ran: boolean; started: string[] }> {
  const interval = await store.settings.getNumber('expunge.interval');
  if (!force && !(await store.schedules.claim('expunge', interval, now))) return { ran: false, started: [] };
  const delay = await store.settings.getNumber('expunge.delay');
  const due = await store.vms.listDestroyedBefore(new Date(now.getTime() - delay * 1000).toISOString());
  const started: string[] = [];
  for (const id of due) {
    const vm = await store.vms.get(id, true);
    if (!vm || vm.state !== 'Destroyed' || vm.activeJobId) continue;
    // Its backup offering still holds backups of it: left destroyed (recoverable, restorable) until they or the offering go.
    if (await whyNotExpungeable(store, vm)) continue;
    try {
      await jobs.startOnVm({
        workflow: 'expunge-vm',
        cmd: VM_CMD('ExpungeVMCmd', true),
        eventType: 'VM.EXPUNGE',
        caller: SYSTEM_CALLER,
        vm,
        set: {},
        input: { ...(await undefineTarget(store, vm)), result: 'success' },
      });
      started.push(id);
    } catch (err) {
      if (!(err instanceof ConcurrentOperationError)) throw err; // taken by another job since it was read
    }
  }
  return { ran: true, started };
}

export const handler = async (event?: unknown) => {
  const { force } = scheduledRun(event);
  const store = createStore();
  return expungeDestroyed(store, createJobStarter(store), { force });
};
