import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';

export default defineCommand({
  name: 'listVirtualMachines',
  description: 'List the Instances owned by the caller, or every Instance for the root admin.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the Instance' }),
    name: cs.string().optional().meta({ description: 'name of the Instance' }),
    state: cs.string().optional().meta({ description: 'state of the Instance' }),
    zoneid: cs.uuid().optional().meta({ description: 'the availability zone ID' }),
    hostid: cs.uuid().optional().meta({ description: 'the host ID', roles: ['rootAdmin'] }),
    templateid: cs.uuid().optional().meta({ description: 'list by the Template ID' }),
    serviceofferingid: cs.uuid().optional().meta({ description: 'list by the service offering', since: '4.4' }),
    listall: cs.boolean().optional().meta({ description: 'If set to false, list only resources belonging to the command\'s caller' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const root = caller.role === 'rootAdmin';
    // Destroyed VMs are the root admin's to see; domain scoping is issue 3's.
    // Without listall=true even the root admin lists its own account's VMs, as ListVMsCmd does.
    const candidates = root && params.listall === true ? await store.vms.listAll() : await store.vms.listByAccount(caller.accountId);
    const vms = candidates.filter(
      (v) =>
        v.state !== 'Expunged' &&
        (root || v.state !== 'Destroyed') &&
        (!params.state || v.state.toLowerCase() === params.state.toLowerCase()) &&
        (!params.zoneid || v.zoneId === params.zoneid) &&
        (!params.hostid || v.hostId === params.hostid) &&
        (!params.templateid || v.templateId === params.templateid) &&
        (!params.serviceofferingid || v.serviceOfferingId === params.serviceofferingid),
    );
    const lookups = createLookups(store);
    return listOf('virtualmachine', vms, params, (v) => [v.name, v.displayName], (v) => toVirtualMachineResponse(v, lookups, root ? 'full' : 'restricted'));
  },
});
