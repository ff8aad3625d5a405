import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { changeIso, checkIsoFor } from '../iso-attach';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'attachIso',
  description: 'Attaches an ISO to a virtual machine.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['detachIso', 'listIsos'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the ISO file' }),
    virtualmachineid: cs.uuid().meta({ description: 'the ID of the virtual machine' }),
    forced: cs.boolean().optional().meta({ description: 'If true, ejects the ISO the VM has before attaching this one' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    const iso = checkIsoFor(vm, await store.templates.get(params.id, true), caller, params.id);
    if (vm.isoId === iso.id) throw new InvalidParameterError(`ISO ${iso.name} is already attached to VM ${vm.name}`);
    if (vm.isoId && !params.forced) throw new InvalidParameterError(`VM ${vm.name} already has an ISO attached: detach it first, or attach with forced=true to replace it`);
    return changeIso({ store, jobs, caller, now }, vm, iso);
  },
});
