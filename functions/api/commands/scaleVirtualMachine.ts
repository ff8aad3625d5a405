import { z } from 'zod';
import { scaleCeilings } from '../../../core/agent-commands';
import type { Vm } from '../../../core/entities';
import { InternalError, InvalidParameterError } from '../../../core/errors';
import { liveScaleRefusal } from '../../../core/scaling';
import { finishedJob } from '../../store/jobs';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { recordVmEvent } from '../../vm-events';
import { cs, mergeMap } from '../params';
import { defineCommand } from '../define-command';
import { planOfferingChange } from '../offering-change';
import { discardMemorySnapshots } from '../../vm-snapshots';
import { requireOperable, VM_CMD, vmForCaller } from '../vm-access';

/**
 * ScaleVMCmd. A stopped VM simply gets the new offering, which its next start applies (the job is
 * born done). A running one is scaled live by workflows/scale-vm.asl.json when the rules allow
 * (core/scaling.ts liveScaleRefusal: enable.dynamic.scale.vm, the VM's and template's tools, the
 * offerings' flags, the 3 GB rule, the domain's hot-scale room): in place, retried up to
 * scale.retry times, else by live migration within its cluster. The job's result is the VM object,
 * as CloudStack really answers (not the SuccessResponse its annotation claims).
 */
export default defineCommand({
  name: 'scaleVirtualMachine',
  description: 'Scales the virtual machine to a new service offering. This command also considers the volume size in the service offering or disk offering linked to the new service offering and apply all characteristics to the root volume.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    serviceofferingid: cs.uuid().meta({ description: 'the ID of the service offering for the virtual machine' }),
    details: cs.map().optional().meta({ description: 'name value pairs of custom parameters for cpuNumber, cpuSpeed and memory. example details[i].name=value', since: '4.3' }),
    automigrate: cs.boolean().optional().meta({ description: 'Flag for automatic migration of the root volume with new compute offering whenever migration is required to apply the offering', since: '4.17' }),
    shrinkok: cs.boolean().optional().meta({ description: 'Verify OK to Shrink', since: '4.17' }),
    miniops: cs.long().optional().meta({ description: 'New minimum number of IOPS for the custom disk offering', since: '4.17' }),
    maxiops: cs.long().optional().meta({ description: 'New maximum number of IOPS for the custom disk offering', since: '4.17' }),
  }),
  async handle({ params, caller, store, jobs, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Running', 'Stopped', 'Allocated'], 'scale');
    const change = await planOfferingChange(store, vm, params.serviceofferingid, mergeMap(params.details), command);
    const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';

    if (vm.state !== 'Running') {
      const discard = await discardMemorySnapshots(store, vm);
      const set: Partial<Vm> = { ...change.set, ...discard.set, lastUpdated: now.toISOString() };
      const updated: Vm = { ...vm, ...set, version: vm.version + 1 };
      const job = finishedJob({
        cmd: VM_CMD('ScaleVMCmd'),
        eventType: 'VM.UPGRADE',
        caller,
        instanceType: 'VirtualMachine',
        instanceId: vm.id,
        result: { virtualmachine: await toVirtualMachineResponse(updated, createLookups(store), view) },
        at: now,
      });
      await store.vms.update(vm, set, discard.remove, [...discard.operations, ...(await store.jobs.completedOperations(job))]);
      await recordVmEvent(store, { type: 'VM.UPGRADE', actor: caller, vm: updated, ok: true, jobId: job.id, text: `Successfully completed upgrading Vm. Vm Id: ${vm.id}; service offering ${change.next.name}, applied at its next start` });
      return { kind: 'async', jobid: job.id, id: vm.id };
    }

    const [host, template, dynamicScale, scaleRetry] = await Promise.all([
      vm.hostId ? store.hosts.get(vm.hostId) : undefined,
      store.inventory.getTemplate(vm.templateId),
      store.settings.get('enable.dynamic.scale.vm', { zoneId: vm.zoneId }),
      store.settings.getNumber('scale.retry'),
    ]);
    if (!host || !template) throw new InternalError(`VM ${vm.id} runs on no known host or has no template`);
    if (host.state !== 'Up') throw new InvalidParameterError(`Unable to scale ${vm.name} while it runs: its host ${host.name} is ${host.state}`);
    const refusal = liveScaleRefusal({
      vm,
      template,
      current: change.current ?? change.next,
      next: change.next,
      target: change.size,
      hypervisor: host.hypervisor,
      dynamicScaleEnabled: dynamicScale === 'true',
      ceilings: scaleCeilings(vm),
    });
    if (refusal) throw refusal;
    const { serviceOfferingId, cpuNumber, cpuSpeed, memory, details, haEnable } = change.set;
    return jobs.startOnVm({
      workflow: 'scale-vm',
      cmd: VM_CMD('ScaleVMCmd'),
      eventType: 'VM.DYNAMIC.SCALE',
      caller,
      vm,
      set: { pendingScale: { serviceOfferingId, cpuNumber, cpuSpeed, memory, details, haEnable, heldCpu: 0, heldMemory: 0 } },
      // scale.retry attempts of the hot scale in all, at least one, on each host it is tried on.
      input: { hostId: host.id, scaleRetry: Math.max(1, scaleRetry), inPlaceAttempts: { n: 0 }, destinationAttempts: { n: 0 } },
    });
  },
});
