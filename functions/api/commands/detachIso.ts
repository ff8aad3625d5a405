import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { changeIso } from '../iso-attach';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'detachIso',
  description: 'Detaches any ISO file (if any) currently attached to a virtual machine.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['attachIso'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    forced: cs.boolean().optional().meta({ description: 'If true, ejects the ISO forcefully if it is in use by the guest' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    if (!vm.isoId) throw new InvalidParameterError('The specified VM has no ISO attached to it.');
    return changeIso({ store, jobs, caller, now }, vm, undefined);
  },
});
