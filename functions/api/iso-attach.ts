import type { Caller, Template, Vm } from '../../core/entities';
import { ConcurrentOperationError, InvalidParameterError } from '../../core/errors';
import { isReady, usableBy } from '../../core/templates';
import type { Store } from '../store';
import { finishedJob } from '../store/jobs';
import { recordVmEvent } from '../vm-events';
import { createLookups } from '../views/lookups';
import { toVirtualMachineResponse } from '../views/virtualMachine';
import type { CommandResult } from './define-command';
import type { JobStarter } from './jobs';
import { requireOperable } from './vm-access';

/**
 * attachIso and detachIso (TemplateManagerImpl.attachIso / detachIso): a running VM's CD-ROM is
 * changed on its host by workflows/change-iso.asl.json; a stopped VM's is only recorded (its next
 * start defines the domain with it), in one transaction with its finished job, as CloudStack does.
 * Each VM's ISO is counted on the ISO, so deleteIso refuses an ISO in use.
 */
export async function changeIso(
  ctx: { store: Store; jobs: JobStarter; caller: Caller; now: Date },
  vm: Vm,
  iso: Template | undefined,
): Promise<CommandResult> {
  const { store, jobs, caller, now } = ctx;
  const attach = iso !== undefined;
  const eventType = attach ? 'ISO.ATTACH' : 'ISO.DETACH';
  const cmd = `org.apache.cloudstack.api.command.user.iso.${attach ? 'AttachIsoCmd' : 'DetachIsoCmd'}`;
  requireOperable(vm, ['Running', 'Stopped', 'Allocated'], attach ? 'attach an ISO to' : 'detach the ISO from');
  if (vm.state === 'Running') {
    if (!vm.hostId) throw new InvalidParameterError(`VM ${vm.name} is Running without a host; try again`);
    const started = await jobs.startOnVm({ workflow: 'change-iso', cmd, eventType, caller, vm, set: { lastUpdated: now.toISOString() }, input: { hostId: vm.hostId, isoId: iso?.id ?? '' } });
    return { kind: 'async', jobid: started.jobid, id: vm.id };
  }
  const after: Vm = { ...vm, isoId: iso?.id, lastUpdated: now.toISOString(), version: vm.version + 1 };
  if (!iso) delete after.isoId;
  const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';
  const job = finishedJob({ cmd, eventType, caller, instanceType: 'VirtualMachine', instanceId: vm.id, result: { virtualmachine: await toVirtualMachineResponse(after, createLookups(store), view) }, at: now });
  try {
    await store.vms.update(vm, { lastUpdated: after.lastUpdated, ...(iso ? { isoId: iso.id } : {}) }, iso ? [] : ['isoId'], [...store.templates.holderOperations(vm.isoId, iso?.id), ...(await store.jobs.completedOperations(job))]);
  } catch (err) {
    if (err instanceof ConcurrentOperationError) throw new ConcurrentOperationError(`VM ${vm.name} or ISO ${iso?.name ?? vm.isoId} changed meanwhile (another operation, or the ISO deleted); try again`);
    throw err;
  }
  await recordVmEvent(store, { type: eventType, actor: caller, vm, ok: true, jobId: job.id, text: `Successfully completed ${attach ? 'attaching' : 'detaching'} ISO. Vm Id: ${vm.id} ISO Id: ${iso?.id ?? vm.isoId}` }, now).catch(() => undefined);
  return { kind: 'async', jobid: job.id, id: vm.id };
}

/**
 * The ISO a VM may take: not deleted, an ISO, ready, in the VM's zone, and usable by both the caller
 * and the VM's owner (public, or theirs). CloudStack's texts where it has them.
 */
export function checkIsoFor(vm: Vm, iso: Template | undefined, caller: Caller, isoParam: string): Template {
  if (!iso || iso.removed || !usableBy(iso, { caller })) throw new InvalidParameterError(`Unable to find an ISO with id ${isoParam}`);
  if (iso.format !== 'ISO') throw new InvalidParameterError('Please specify a valid ISO.');
  if (!usableBy(iso, { caller, ownerAccountId: vm.accountId })) throw new InvalidParameterError(`ISO ${iso.name} is private to another account: the VM's owner cannot use it`);
  if (!isReady(iso)) throw new InvalidParameterError(`ISO ${iso.name} is not ready: it cannot be attached until it is downloaded`);
  if (iso.zoneId && iso.zoneId !== vm.zoneId) throw new InvalidParameterError(`ISO ${iso.name} is not available in the zone of VM ${vm.name}`);
  return iso;
}
