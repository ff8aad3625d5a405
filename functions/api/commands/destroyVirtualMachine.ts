import { z } from 'zod';
import { PermissionDeniedError } from '../../../core/errors';
import { cs } from '../params';
import { refuseExpungeWithBackups } from '../../backups';
import { defineCommand } from '../define-command';
import { requireOperable, undefineTarget, VM_CMD, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'destroyVirtualMachine',
  description: 'Destroys a virtual machine. Once destroyed, only the administrator can recover it.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    expunge: cs.boolean().optional().meta({ description: 'If true is passed, the vm is expunged immediately. False by default.', since: '4.2.1' }),
  }),
  async handle({ params, caller, store, jobs, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    if (params.expunge === true && caller.role === 'user' && !(await store.settings.getBoolean('allow.user.expunge.recover.vm')))
      throw new PermissionDeniedError('Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.');
    requireOperable(vm, ['Running', 'Stopped', 'Allocated', 'Error'], 'destroy');
    if (params.expunge === true) await refuseExpungeWithBackups(store, vm);
    const running = vm.state === 'Running';
    // A VM left in Error holding a host may still have a domain up there: power it off before its capacity goes back.
    const powerOff = running || (vm.state === 'Error' && !!vm.hostId);
    return jobs.startOnVm({
      workflow: 'destroy-vm',
      cmd: VM_CMD('DestroyVMCmd'),
      eventType: 'VM.DESTROY',
      caller,
      vm,
      // A running VM is stopped first (R-LIFE.10): it shows Stopping until it is off.
      set: running ? { state: 'Stopping', lastUpdated: now.toISOString() } : {},
      input: {
        wasRunning: powerOff,
        stateBefore: vm.state, // what a failed power-off leaves it in
        hostId: vm.hostId ?? '',
        expunge: params.expunge === true,
        ...(await undefineTarget(store, vm)),
        result: 'vm-expunging',
      },
    });
  },
});
