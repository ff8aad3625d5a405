import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { transition } from '../../core/vm-states';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), state: z.string() });

/**
 * Settle the VM in the state its operation leads to (Starting -> Running, Allocated -> Stopped)
 * and complete the job with the VM object, in one transaction.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, state }, { store, now }) => {
    const vm = await store.vms.get(vmId, true);
    if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
    if (vm.activeJobId !== jobId) return { completed: false }; // settled by an earlier attempt
    const at = now();
    const settled = { ...vm, state: transition(vm.state, 'OperationSucceeded'), lastUpdated: at.toISOString(), activeJobId: undefined, version: vm.version + 1 };
    const result = { virtualmachine: await toVirtualMachineResponse(settled, createLookups(store), 'full') };
    const completed = await store.jobs.complete(
      jobId,
      { status: 1, result, step: state },
      { vm, set: { state: settled.state, lastUpdated: settled.lastUpdated }, remove: ['activeJobId'] },
      store.vms,
      at,
    );
    return { completed };
  },
  { recordsOwnStep: true },
);
