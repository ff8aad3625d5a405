import type { Vm } from '../../core/entities';
import { ConcurrentOperationError, InternalError } from '../../core/errors';
import type { Store } from '../store';

/** The VM as the job holding it sees it now; a stray execution whose job no longer holds it stops here. */
export async function heldVm(store: Store, vmId: string, jobId: string): Promise<Vm> {
  const vm = await store.vms.get(vmId, true);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  return vm;
}
