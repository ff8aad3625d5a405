import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { AffinityGroup } from '../../../core/entities';
import { EntityNotFoundError } from '../../../core/errors';
import { createLookups } from '../../views/lookups';
import { membersByGroup, toAffinityGroupResponse } from '../../views/affinityGroup';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf, pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { Conditions } from '../../store/listing';

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
    // Members come from the owners' VMs: one Query per account on the page.
    const byAccount = new Map<string, Promise<Map<string, string[]>>>();
    const membersOf = async (g: AffinityGroup) => {
      if (!byAccount.has(g.accountId)) byAccount.set(g.accountId, store.vms.listByAccount(g.accountId).then(membersByGroup));
      return (await byAccount.get(g.accountId)!).get(g.id) ?? [];
    };
    const lookups = createLookups(store);
    const toResponse = async (g: AffinityGroup) => toAffinityGroupResponse(g, (await lookups.domain(g.domainId))?.name, await membersOf(g));
    if (params.virtualmachineid) {
      // The groups of one VM, whoever lists them may see that VM.
      const vm = await store.vms.get(params.virtualmachineid);
      if (!vm || vm.state === 'Expunged' || !canAccess(caller, vm)) throw new EntityNotFoundError(command, 'virtualmachineid', params.virtualmachineid);
      const groups = (await store.affinity.getMany(vm.affinityGroupIds ?? [])).filter((g) => canAccess(caller, g) && (!params.type || g.type === params.type));
      return listOf('affinitygroup', groups, params, (g) => [g.name, g.description], toResponse);
    }
    const scope = await resolveScope(ctx, params, params.id);
    const where = new Conditions();
    const source = await scopePartitions(store, 'AFFINITYGROUP', scope, where, params.id);
    where.eq('type', params.type).named(params.name).contains('text', params.keyword?.toLowerCase());
    // In creation order, as CloudStack lists them (id ascending).
    return pageOf<AffinityGroup>(store, 'affinitygroup', { ...source, filter: where.build() }, params, toResponse);
  },
});
