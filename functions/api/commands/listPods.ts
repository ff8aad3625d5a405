import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
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
    const pods = (await store.inventory.listPods()).filter((p) => !params.zoneid || p.zoneId === params.zoneid);
    return listOf('pod', pods, params, (p) => [p.name], async (p) => toPodResponse(p, await names.zone(p.zoneId)));
  },
});
