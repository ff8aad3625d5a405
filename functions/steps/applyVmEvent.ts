import { z } from 'zod';
import { ConcurrentOperationError, InternalError } from '../../core/errors';
import { transition } from '../../core/vm-states';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), event: z.enum(['DestroyRequested', 'ExpungeRequested']) });

/**
 * A state change in the middle of a workflow, checked against the VM state table, by the job that
 * holds the VM. Destroyed is entered with its time and an entry in the expunge queue (the scheduled
 * expunge counts expunge.delay from it); Expunging leaves the queue. Idempotent: a VM already in
 * the target state is left as it is.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, event }, { store, now }) => {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  const target = event === 'DestroyRequested' ? 'Destroyed' : 'Expunging';
  if (vm.state === target) return { vmState: target };
  const to = transition(vm.state, event);
  const at = now().toISOString();
  if (to === 'Destroyed') {
    await store.vms.update(vm, { state: to, destroyed: at, lastUpdated: at }, [], [store.vms.queueForExpungeOperation(vm.id, at)]);
  } else {
    await store.vms.update(vm, { state: to, lastUpdated: at }, [], vm.destroyed ? [store.vms.dequeueExpungeOperation(vm.id, vm.destroyed)] : []);
  }
  return { vmState: to };
});
