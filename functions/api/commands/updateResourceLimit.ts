import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { GIB, inBytes } from '../../../core/resource-limits';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { checkLimitChange, countsKeyOf, limitOwner, toResourceLimitResponse, typeById } from '../resource-limits';

/**
 * An account's or a domain's own limit of a type (ResourceLimitManagerImpl.updateResourceLimit, its
 * checks and texts): -1 unlimited, storage in GiB. Deploys and the rest are held to it from the next
 * transaction on.
 */
export default defineCommand({
  name: 'updateResourceLimit',
  description: 'Updates resource limits for an account or domain.',
  access: ['rootAdmin', 'domainAdmin'],
  async: false,
  responseKey: 'resourcelimit',
  related: ['listResourceLimits', 'updateResourceCount'],
  params: z.object({
    resourcetype: cs.int().meta({ description: 'Type of resource to update. 0 - Instance, 2 - Volume, 8 - CPU, 9 - Memory (in MiB), 10 - Primary Storage (in GiB), 12 - Backup, 13 - Backup Storage (in GiB): the types Stratus counts' }),
    max: cs.long().optional().meta({ description: 'Maximum resource limit.' }),
    account: cs.string().optional().meta({ description: 'Update resource for a specified account. Must be used with the domainId parameter.' }),
    domainid: cs.uuid().optional().meta({ description: 'Update resource limits for all accounts in specified domain. If used with the account parameter, updates resource limits for a specified account in specified domain.' }),
  }),
  refused: {
    projectid: 'projects are not supported',
    tag: 'limits by host or storage tag are not supported',
  },
  async handle({ params, store, caller }) {
    const max = params.max ?? -1;
    if (max < -1) throw new InvalidParameterError("Please specify either '-1' for an infinite limit, or a limit that is at least '0'.");
    const type = typeById(params.resourcetype);
    const owner = await limitOwner(store, caller, params, false);
    if (!owner) throw new InvalidParameterError('AccountId or domainId have to be specified in order to update resource limit');
    checkLimitChange(caller, owner, max);
    const kept = max >= 0 && inBytes(type.name) ? max * GIB : max;
    if (owner.kind === 'domain' && owner.domain.parentId) {
      const parent = await store.tenancy.getDomain(owner.domain.parentId);
      const parentMax = parent ? (await store.resourceCounts.domainLimits(parent.path))[type.name] : -1;
      if (parentMax >= 0 && kept > parentMax)
        throw new InvalidParameterError(`Domain ${owner.domain.name}(id: ${owner.domain.parentId}) has maximum allowed resource limit ${parentMax} for ${type.name}, please specify a value less than or equal to ${parentMax}`);
    }
    await store.resourceCounts.setLimit(countsKeyOf(owner), type.name, kept);
    return { kind: 'object', key: 'resourcelimit', value: toResourceLimitResponse(owner, type, kept) };
  },
});
