import { z } from 'zod';
import type { Vm } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { vmLabel } from '../../../core/scaling';
import { cs, mergeMap } from '../params';
import { defineCommand } from '../define-command';
import { planOfferingChange } from '../offering-change';
import { discardMemorySnapshots } from '../../vm-snapshots';
import { requireOperable, vmForCaller } from '../vm-access';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { recordVmEvent } from '../../vm-events';

/**
 * The offline offering change (UpgradeVMCmd, R-SCALE.1): a Stopped VM gets the new offering and its
 * size, which its next start applies (the domain is rebuilt from the stored configuration). One
 * conditional write on the VM's version: an operation that took the VM meanwhile refuses this one.
 */
export default defineCommand({
  name: 'changeServiceForVirtualMachine',
  description: 'Changes the service offering for a virtual machine. The virtual machine must be in a "Stopped" state for this command to take effect.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    serviceofferingid: cs.uuid().meta({ description: 'the service offering ID to apply to the virtual machine' }),
    details: cs.map().optional().meta({ description: 'name value pairs of custom parameters for cpuNumber, cpuSpeed and memory. example details[i].name=value', since: '4.3' }),
  }),
  async handle({ params, caller, store, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    // Never started (Allocated) shows as Stopped and is as good as Stopped here.
    if (vm.state !== 'Stopped' && vm.state !== 'Allocated')
      throw new InvalidParameterError(`Unable to upgrade virtual machine ${vmLabel(vm)}  in state ${vm.state}; make sure the virtual machine is stopped`);
    requireOperable(vm, ['Stopped', 'Allocated'], 'upgrade');
    const change = await planOfferingChange(store, vm, params.serviceofferingid, mergeMap(params.details), command);

    const discard = await discardMemorySnapshots(store, vm);
    const set: Partial<Vm> = { ...change.set, ...discard.set, lastUpdated: now.toISOString() };
    await store.vms.update(vm, set, discard.remove, discard.operations);
    const updated: Vm = { ...vm, ...set, version: vm.version + 1 };
    const { cpuNumber, cpuSpeed, memory } = change.size;
    await recordVmEvent(store, {
      type: 'VM.UPGRADE',
      actor: caller,
      vm: updated,
      ok: true,
      text: `Successfully completed upgrading Vm. Vm Id: ${vm.id}; service offering ${change.next.name}: ${cpuNumber} vCPU(s) at ${cpuSpeed} MHz, ${memory} MiB, applied at its next start`,
    });
    return { kind: 'object', key: 'virtualmachine', value: await toVirtualMachineResponse(updated, createLookups(store), caller.role === 'rootAdmin' ? 'full' : 'restricted') };
  },
});
