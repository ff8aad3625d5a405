import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { Conditions } from '../../store/listing';
import type { Zone } from '../../../core/entities';
import { toZoneResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listZones',
  description: 'Lists zones',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'zone',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the zone' }),
    name: cs.string().optional().meta({ description: 'the name of the zone' }),
    available: cs.boolean().optional().meta({ description: 'true if you want to retrieve all available Zones. False if you only want to return the Zones from which you have at least one VM.' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const where = new Conditions().named(params.name).contains('text', params.keyword?.toLowerCase());
    // In creation order, as CloudStack lists zones (sort key, then id ascending).
    return pageOf<Zone>(store, 'zone', { ...catalogueSource('ZONE', params.id), filter: where.build() }, params, toZoneResponse);
  },
});
