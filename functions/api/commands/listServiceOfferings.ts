import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
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
    const offerings = params.issystem ? [] : await store.inventory.listServiceOfferings();
    return listOf('serviceoffering', offerings, params, (o) => [o.name, o.displayText], toServiceOfferingResponse);
  },
});
