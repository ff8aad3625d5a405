import { z } from 'zod';
import { transition } from '../../../core/vm-states';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { requireOperable, vmForCaller } from '../vm-access';
import { recordVmEvent } from '../../vm-events';

export default defineCommand({
  name: 'recoverVirtualMachine',
  description: 'Recovers a virtual machine.',
  access: ['rootAdmin'], // OP-08: recovered by a root admin
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
  }),
  async handle({ params, caller, store, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Destroyed'], 'recover');
    const at = now.toISOString();
    const state = transition(vm.state, 'RecoveryRequested');
    // Out of the expunge queue in the same transaction: a recovered VM is never expunged by the schedule.
    await store.vms.update(vm, { state, lastUpdated: at }, ['destroyed'], vm.destroyed ? [store.vms.dequeueExpungeOperation(vm.id, vm.destroyed)] : []);
    const recovered = { ...vm, state, lastUpdated: at, destroyed: undefined };
    await recordVmEvent(store, { type: 'VM.RECOVER', actor: caller, vm, ok: true, text: `Successfully completed recovering VM ${vm.name} (${vm.id}); VM is ${state}` });
    return { kind: 'object', key: 'virtualmachine', value: await toVirtualMachineResponse(recovered, createLookups(store), 'full') };
  },
});
