import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { cataloguePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import type { Pod } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { toPodResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listPods',
  description: 'Lists all Pods.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'pod',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list Pods by ID' }),
    name: cs.string().optional().meta({ description: 'list Pods by name' }),
    zoneid: cs.uuid().optional().meta({ description: 'list Pods by Zone ID' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const names = createLookups(store);
    const where = new Conditions().eq('zoneId', params.zoneid).named(params.name).contains('text', params.keyword?.toLowerCase());
    const source = catalogueSource('POD', params.id, [params.zoneid && ['gsi2', cataloguePartition('POD', 'ZONE', params.zoneid)]]);
    return pageOf<Pod>(store, 'pod', { ...source, filter: where.build() }, params, async (p) => toPodResponse(p, await names.zone(p.zoneId)));
  },
});
