import { z } from 'zod';
import type { ResourceTag } from '../../../core/entities';
import { tagResourcePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toTagResponse } from '../../views/tag';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { anyTaggedResource, taggableType, taggedResource } from '../tag-access';

export default defineCommand({
  name: 'listTags',
  description: 'List resource tag(s)',
  since: '4.0.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'tag',
  related: ['createTags', 'deleteTags'],
  params: z.object({
    resourceid: cs.string().optional().meta({ description: 'list by resource id' }),
    resourcetype: cs.string().optional().meta({ description: 'list by resource type' }),
    key: cs.string().optional().meta({ description: 'list by key' }),
    value: cs.string().optional().meta({ description: 'list by value' }),
    customer: cs.string().optional().meta({ description: 'list by customer name' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const type = params.resourcetype !== undefined ? taggableType(params.resourcetype) : undefined;
    const where = new Conditions();
    let source;
    if (params.resourceid) {
      // One resource's tags: its small partition, for whoever may see the resource.
      if (type) await taggedResource(store, caller, type, params.resourceid, command);
      else await anyTaggedResource(store, caller, params.resourceid, command);
      source = { index: 'gsi4' as const, partitions: [tagResourcePartition(params.resourceid)] };
    } else source = await scopePartitions(store, 'TAG', await resolveScope(ctx, params), where);
    where.eq('resourceType', type).eq('key', params.key).eq('value', params.value).eq('customer', params.customer).contains('text', params.keyword?.toLowerCase());
    const lookups = createLookups(store);
    return pageOf<ResourceTag>(store, 'tag', { ...source, filter: where.build(), countFrom: where.empty && source.index !== 'gsi4' ? (c) => c.n : undefined }, params, async (t) =>
      toTagResponse(t, (await lookups.domain(t.domainId))?.name),
    );
  },
});
