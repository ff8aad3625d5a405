import { z } from 'zod';
import { cs } from '../params';
import { whereTagged } from '../tag-filter';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { canSeeDestroyed, resolveScope, scopeParams } from '../scope';
import type { Vm } from '../../../core/entities';
import { VM_STATES } from '../../../core/vm-states';
import { vmHostPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
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
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    const scope = await resolveScope(ctx, params, params.id);
    const where = new Conditions();
    let source = await scopePartitions(store, 'VM', scope, where, params.id);
    // The root admin's hostid is an index of its own; anyone else's scope stays the partition.
    if (params.hostid && !params.id && scope.kind === 'everything') source = { index: 'gsi4', partitions: [vmHostPartition(params.hostid)] }; // counted by a COUNT: a host holds few
    else where.eq('hostId', params.hostid);
    if (params.id) where.notIn('state', ['Expunged']); // listed nowhere, but still an item
    const hideGone = !(await canSeeDestroyed(caller, store));
    const state = params.state?.toLowerCase();
    if (state === 'present') where.notIn('state', GONE);
    else if (state !== undefined) where.in('state', VM_STATES.filter((s) => s.toLowerCase() === state)); // an unknown state: none
    where.eq('zoneId', params.zoneid).eq('templateId', params.templateid).eq('serviceOfferingId', params.serviceofferingid).named(params.name);
    where.contains('text', params.keyword?.toLowerCase());
    whereTagged(where, params.tags);
    // The counters keep every VM and those gone apart: the total is theirs unless something else narrows.
    const countable = where.empty && source.index !== 'gsi4';
    if (hideGone) where.notIn('state', GONE);
    const lookups = createLookups(store);
    const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';
    return pageOf<Vm>(
      store,
      'virtualmachine',
      { ...source, filter: where.build(), countFrom: countable ? (c) => c.n - (hideGone ? c.gone : 0) : undefined },
      params,
      (v) => toVirtualMachineResponse(v, lookups, view),
    );
  },
});

const GONE = ['Destroyed', 'Expunging'];
