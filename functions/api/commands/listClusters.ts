import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
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
    const clusters = (await store.inventory.listClusters()).filter(
      (c) => (!params.zoneid || c.zoneId === params.zoneid) && (!params.podid || c.podId === params.podid),
    );
    return listOf('cluster', clusters, params, (c) => [c.name], async (c) => toClusterResponse(c, await names.zone(c.zoneId), await names.pod(c.podId)));
  },
});
