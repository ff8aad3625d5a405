import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { requireOperable, VM_CMD, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'rebootVirtualMachine',
  description: 'Reboots a virtual machine.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
  }),
  async handle({ params, caller, store, jobs, command }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Running'], 'reboot');
    // The VM stays Running while the job holds it: a reboot is not a stop and a start (docs/decisions.md).
    return jobs.startOnVm({ workflow: 'reboot-vm', cmd: VM_CMD('RebootVMCmd'), eventType: 'VM.REBOOT', caller, vm, set: {}, input: { hostId: vm.hostId } });
  },
});
