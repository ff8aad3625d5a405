import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import { recordVmEvent } from '../vm-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), isoId: z.string(), state: z.string() });

/**
 * A running VM's CD-ROM changed on its host: the VM records its ISO (or none), the ISOs' counts of
 * VMs follow, and the job succeeds with the VM object, in one transaction; then ISO.ATTACH or
 * ISO.DETACH. A job already settled is left as it is.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, isoId, state }, { store, now }) => {
    const [vm, job] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true)]);
    if (!vm || !job) throw new InternalError(`VM ${vmId} or job ${jobId} no longer exists`);
    if (vm.activeJobId !== jobId) return { completed: false };
    const at = now();
    const counts = store.templates.holderOperations(vm.isoId, isoId || undefined);
    const after = { ...vm, isoId: isoId || undefined, lastUpdated: at.toISOString(), activeJobId: undefined, version: vm.version + 1 };
    const view = job.accountId === vm.accountId && job.domainPath !== 'ROOT' ? 'restricted' : 'full';
    const completed = await store.jobs.complete(
      jobId,
      { status: 1, result: { virtualmachine: await toVirtualMachineResponse(after, createLookups(store), view) }, step: state, created: job.created, also: counts },
      { vm, set: { lastUpdated: after.lastUpdated, ...(isoId ? { isoId } : {}) }, remove: isoId ? ['activeJobId'] : ['activeJobId', 'isoId'] },
      store.vms,
      at,
    );
    const type = isoId ? 'ISO.ATTACH' : 'ISO.DETACH';
    if (completed) await recordVmEvent(store, { type, actor: { userId: job.userId }, vm, ok: true, jobId, text: `Successfully completed ${isoId ? 'attaching ISO' : 'detaching ISO'}. Vm Id: ${vm.id} ISO Id: ${isoId || vm.isoId}` }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);

