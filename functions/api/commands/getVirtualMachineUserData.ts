import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'getVirtualMachineUserData',
  description: 'Returns user data associated with the Instance',
  since: '4.4',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachineuserdata',
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'The ID of the Instance' }),
  }),
  async handle({ params, caller, store, command }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    // User data is read back here only, never in the VM object (R-UD.3); none: the field is left out, as CloudStack's null.
    return { kind: 'object', key: 'virtualmachineuserdata', value: { virtualmachineid: vm.id, ...(vm.userData !== undefined ? { userdata: vm.userData } : {}) } };
  },
});
