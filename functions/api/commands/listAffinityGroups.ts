import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { AffinityGroup } from '../../../core/entities';
import { EntityNotFoundError } from '../../../core/errors';
import { createLookups } from '../../views/lookups';
import { membersByGroup, toAffinityGroupResponse } from '../../views/affinityGroup';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { listInScope, resolveScope, scopeParams } from '../scope';

export default defineCommand({
  name: 'listAffinityGroups',
  description: 'Lists affinity groups',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'affinitygroup',
  related: ['createAffinityGroup', 'deleteAffinityGroup', 'updateVMAffinityGroup'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list the affinity group by the ID provided' }),
    name: cs.string().optional().meta({ description: 'lists affinity groups by name' }),
    type: cs.string().optional().meta({ description: 'lists affinity groups by type' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'lists affinity groups by Instance ID' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    let groups: AffinityGroup[];
    if (params.virtualmachineid) {
      // The groups of one VM, whoever lists them may see that VM.
      const vm = await store.vms.get(params.virtualmachineid);
      if (!vm || vm.state === 'Expunged' || !canAccess(caller, vm)) throw new EntityNotFoundError(command, 'virtualmachineid', params.virtualmachineid);
      groups = await store.affinity.getMany(vm.affinityGroupIds ?? []);
    } else {
      const scope = await resolveScope(ctx, params, params.id);
      groups = await listInScope(store, scope, { all: () => store.affinity.listAll(), byAccount: (id) => store.affinity.listByAccount(id) });
    }
    groups = groups.filter((g) => canAccess(caller, g) && (!params.type || g.type === params.type));
    // Members come from the owners' VMs: one Query per account listed.
    const accounts = [...new Set(groups.map((g) => g.accountId))];
    const members = new Map((await Promise.all(accounts.map(async (id) => [...membersByGroup(await store.vms.listByAccount(id))]))).flat());
    const lookups = createLookups(store);
    return listOf('affinitygroup', groups, params, (g) => [g.name, g.description], async (g) =>
      toAffinityGroupResponse(g, (await lookups.domain(g.domainId))?.name, members.get(g.id) ?? []),
    );
  },
});
