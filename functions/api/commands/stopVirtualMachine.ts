import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { gracefulStopMs, requireOperable, VM_CMD, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'stopVirtualMachine',
  description: 'Stops a virtual machine.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    forced: cs.boolean().optional().meta({ description: 'Force stop the VM (vm is marked as Stopped even when command fails to be send to the backend, otherwise a force poweroff is attempted). The caller knows the VM is stopped.' }),
  }),
  async handle({ params, caller, store, jobs, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Running'], 'stop');
    return jobs.startOnVm({
      workflow: 'stop-vm',
      cmd: VM_CMD('StopVMCmd'),
      eventType: 'VM.STOP',
      caller,
      vm,
      set: { state: 'Stopping', lastUpdated: now.toISOString() },
      input: { hostId: vm.hostId, forced: params.forced === true, stopTimeoutMs: await gracefulStopMs(store, vm.zoneId) },
    });
  },
});
