import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { canSeeDestroyed, listInScope, resolveScope, scopeParams } from '../scope';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';

export default defineCommand({
  name: 'listVirtualMachines',
  description: 'List the Instances owned by the caller, or those of every account the caller administers with listall=true.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the Instance' }),
    name: cs.string().optional().meta({ description: 'name of the Instance' }),
    state: cs.string().optional().meta({ description: 'state of the Instance; "present" for every state but Destroyed and Expunging' }),
    zoneid: cs.uuid().optional().meta({ description: 'the availability zone ID' }),
    hostid: cs.uuid().optional().meta({ description: 'the host ID', roles: ['rootAdmin'] }),
    templateid: cs.uuid().optional().meta({ description: 'list by the Template ID' }),
    serviceofferingid: cs.uuid().optional().meta({ description: 'list by the service offering', since: '4.4' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    const scope = await resolveScope(ctx, params, params.id);
    const [candidates, destroyedVisible] = await Promise.all([
      listInScope(store, scope, { all: () => store.vms.listAll(), byAccount: (id) => store.vms.listByAccount(id) }),
      canSeeDestroyed(caller, store),
    ]);
    const state = params.state?.toLowerCase();
    const vms = candidates.filter((v) => {
      const gone = v.state === 'Destroyed' || v.state === 'Expunging';
      return (
        v.state !== 'Expunged' &&
        (destroyedVisible || !gone) &&
        (state === undefined || (state === 'present' ? !gone : v.state.toLowerCase() === state)) &&
        (!params.zoneid || v.zoneId === params.zoneid) &&
        (!params.hostid || v.hostId === params.hostid) &&
        (!params.templateid || v.templateId === params.templateid) &&
        (!params.serviceofferingid || v.serviceOfferingId === params.serviceofferingid)
      );
    });
    const lookups = createLookups(store);
    const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';
    return listOf('virtualmachine', vms, params, (v) => [v.name, v.displayName], (v) => toVirtualMachineResponse(v, lookups, view));
  },
});
