import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams, paginate } from '../paging';
import { limitOwner, limitsOf, toResourceLimitResponse, typesNamed } from '../resource-limits';

/**
 * The limits in force for an account (by default the caller's) or, with `domainid` alone, a domain:
 * its own where set, else inherited or the configured default (ResourceLimitManagerImpl.searchForLimits),
 * one per type Stratus counts, in type order.
 */
export default defineCommand({
  name: 'listResourceLimits',
  description: 'Lists resource limits.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'resourcelimit',
  related: ['updateResourceLimit', 'updateResourceCount'],
  params: z.object({
    account: cs.string().optional().meta({ description: 'list resources by account. Must be used with the domainId parameter.' }),
    domainid: cs.uuid().optional().meta({ description: 'list only resources belonging to the domain specified' }),
    resourcetype: cs.int().optional().meta({ description: 'Type of resource. Values are 0, 2, 8, 9, 10, 12 and 13 (user_vm, volume, cpu, memory, primary_storage, backup, backup_storage): the types Stratus counts' }),
    resourcetypename: cs.string().optional().meta({ description: 'Type of resource (wins over resourceType if both are provided): user_vm, volume, cpu, memory, primary_storage, backup, backup_storage' }),
    isrecursive: cs.boolean().optional().meta({ description: "defaults to false; as in CloudStack, a listing of limits names one account's or domain's" }),
    listall: cs.boolean().optional().meta({ description: "as in CloudStack, a listing of limits names one account's or domain's" }),
    ...listParams,
  }),
  refused: {
    id: 'Stratus keeps no limit records with ids: name the account or domain and the type',
    projectid: 'projects are not supported',
    tag: 'limits by host or storage tag are not supported',
  },
  async handle({ params, store, caller }) {
    const types = typesNamed(params);
    const owner = await limitOwner(store, caller, params, true);
    if (!owner) return { kind: 'list', key: 'resourcelimit', items: [], count: 0 };
    const limits = await limitsOf(store, owner);
    const keyword = params.keyword?.toLowerCase();
    const all = types.filter((t) => !keyword || t.name.includes(keyword)).map((t) => toResourceLimitResponse(owner, t, limits[t.name]));
    const page = paginate(all, params.page, params.pagesize);
    return { kind: 'list', key: 'resourcelimit', items: page.items, count: page.count };
  },
});
