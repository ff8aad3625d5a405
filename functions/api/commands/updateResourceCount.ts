import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { limitOwner, toResourceCountResponse, typesNamed } from '../resource-limits';

/**
 * Recalculate an account's or a domain's resource counts from what it has (ResourceLimitManagerImpl.
 * recalculateResourceCount) and show them. Stratus keeps counts in the transactions that move them,
 * so they do not drift; this sets right counts made before limits were kept (an upgraded table) and
 * shows them. A domain's is its accounts' and subdomains' summed, recalculated down the tree.
 */
export default defineCommand({
  name: 'updateResourceCount',
  description: 'Recalculate and update resource count for an account or domain. This also executes some cleanup tasks before calculating resource counts.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'resourcecount',
  related: ['listResourceLimits', 'updateResourceLimit'],
  params: z.object({
    domainid: cs.uuid().meta({ description: 'If account parameter specified then updates resource counts for a specified account in this domain else update resource counts for all accounts & child domains in specified domain.' }),
    account: cs.string().optional().meta({ description: 'Update resource count for a specified account. Must be used with the domainId parameter.' }),
    resourcetype: cs.int().optional().meta({ description: 'Type of resource to update. If specifies valid values are 0, 2, 8, 9, 10, 12 and 13 (the types Stratus counts). If not specified will update all resource counts' }),
  }),
  refused: {
    projectid: 'projects are not supported',
    tag: 'counts by host or storage tag are not supported',
  },
  async handle({ params, store, caller }) {
    const types = typesNamed({ resourcetype: params.resourcetype });
    // A user recalculates its own account's (CloudStack lets users call it for themselves).
    const owner = (await limitOwner(store, caller, params, false))!;
    const usage = owner.kind === 'account' ? await store.resourceCounts.recountAccount({ id: owner.account.id, domainPath: owner.domain.path }) : await store.resourceCounts.recountDomain(owner.domain);
    const items = types.map((t) => toResourceCountResponse(owner, t, usage[t.name] ?? 0));
    return { kind: 'list', key: 'resourcecount', items, count: items.length };
  },
});
