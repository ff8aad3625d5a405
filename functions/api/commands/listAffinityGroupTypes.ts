import { z } from 'zod';
import { AFFINITY_GROUP_TYPES } from '../../../core/allocator';
import { defineCommand } from '../define-command';
import { listParams, paginate } from '../paging';

export default defineCommand({
  name: 'listAffinityGroupTypes',
  description: 'Lists affinity group types available',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'affinityGroupType',
  related: ['createAffinityGroup'],
  params: z.object({ ...listParams }),
  async handle({ params }) {
    const page = paginate(AFFINITY_GROUP_TYPES, params.page, params.pagesize); // CloudStack ignores `keyword` here
    // CloudStack names these objects `affinityGroupType` (camelCase), each with only its `type`.
    return { kind: 'list', key: 'affinityGroupType', items: page.items.map((type) => ({ type })), count: page.count };
  },
});
