import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { cataloguePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import type { Cluster } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { toClusterResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listClusters',
  description: 'Lists clusters.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'cluster',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'lists clusters by the cluster ID' }),
    name: cs.string().optional().meta({ description: 'lists clusters by the cluster name' }),
    zoneid: cs.uuid().optional().meta({ description: 'lists clusters by Zone ID' }),
    podid: cs.uuid().optional().meta({ description: 'lists clusters by Pod ID' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const names = createLookups(store);
    const where = new Conditions().eq('zoneId', params.zoneid).eq('podId', params.podid).named(params.name).contains('text', params.keyword?.toLowerCase());
    const source = catalogueSource('CLUSTER', params.id, [
      params.podid && ['gsi3', cataloguePartition('CLUSTER', 'POD', params.podid)],
      params.zoneid && ['gsi2', cataloguePartition('CLUSTER', 'ZONE', params.zoneid)],
    ]);
    return pageOf<Cluster>(store, 'cluster', { ...source, filter: where.build() }, params, async (c) => toClusterResponse(c, await names.zone(c.zoneId), await names.pod(c.podId)));
  },
});
