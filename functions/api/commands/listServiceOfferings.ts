import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { Conditions } from '../../store/listing';
import type { ServiceOffering } from '../../../core/entities';
import { toServiceOfferingResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listServiceOfferings',
  description: 'Lists all available service offerings.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'serviceoffering',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'ID of the service offering' }),
    name: cs.string().optional().meta({ description: 'name of the service offering' }),
    zoneid: cs.uuid().optional().meta({ description: 'id of zone disk offering is associated with' }),
    issystem: cs.boolean().optional().meta({ description: 'is this a system vm offering' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    // A deleted offering stays for the VMs made from it, but is no longer listed.
    const where = new Conditions().named(params.name).contains('text', params.keyword?.toLowerCase()).absent('removed');
    if (params.issystem) where.in('id', []); // Stratus has no system VMs, so no system offerings
    // In creation order, as CloudStack lists offerings (sort key, then id ascending): the first is the seed's smallest.
    return pageOf<ServiceOffering>(store, 'serviceoffering', { ...catalogueSource('OFFERING', params.id), filter: where.build() }, params, toServiceOfferingResponse);
  },
});
