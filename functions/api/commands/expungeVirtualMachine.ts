import { z } from 'zod';
import { PermissionDeniedError } from '../../../core/errors';
import { cs } from '../params';
import { refuseExpungeWithBackups } from '../../backups';
import { defineCommand } from '../define-command';
import { requireOperable, undefineTarget, VM_CMD, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'expungeVirtualMachine',
  description: 'Expunge a virtual machine. Once expunged, it cannot be recoverd.',
  since: '4.2.1',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
  }),
  async handle({ params, caller, store, jobs, command }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    if (caller.role === 'user' && !(await store.settings.getBoolean('allow.user.expunge.recover.vm')))
      throw new PermissionDeniedError('Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.');
    requireOperable(vm, ['Destroyed'], 'expunge');
    await refuseExpungeWithBackups(store, vm);
    return jobs.startOnVm({
      workflow: 'expunge-vm',
      cmd: VM_CMD('ExpungeVMCmd', true),
      eventType: 'VM.EXPUNGE',
      caller,
      vm,
      set: {},
      input: { ...(await undefineTarget(store, vm)), result: 'success' },
    });
  },
});
