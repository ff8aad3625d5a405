import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
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
    available: cs.boolean().optional().meta({ description: 'true if you want to retrieve all available Zones (false, the zones of your VMs only, is not supported)' }),
    networktype: cs.string().optional().meta({ description: 'the network type of the zone that the virtual machine belongs to', since: '4.3' }),
    showcapacities: cs.boolean().optional().meta({ description: 'flag to display the capacity of the zones (refused: listCapacity zoneid gives them)' }),
    ...listParams,
  }),
  refused: {
    domainid: 'zones are not dedicated to domains',
    tags: 'zones have no tags',
    showcapacities: 'listCapacity zoneid gives a zone\'s capacity',
    storageaccessgroup: 'storage access groups are not supported',
  },
  async handle({ params, store, caller }) {
    if (params.available === false) throw new InvalidParameterError('Parameter available=false is not supported: list your Instances (listVirtualMachines) to see their zones');
    const where = new Conditions().named(params.name).contains('text', params.keyword?.toLowerCase());
    if (params.networktype !== undefined) where.in('networkType', ['Advanced', 'Basic'].filter((t) => t.toLowerCase() === params.networktype!.toLowerCase()));
    // The root admin's view has the zone's DNS and guest CIDR (ListZonesCmdByAdmin, responseView=Full).
    const full = caller.role === 'rootAdmin';
    // In creation order, as CloudStack lists zones (sort key, then id ascending).
    return pageOf<Zone>(store, 'zone', { ...catalogueSource('ZONE', params.id), filter: where.build() }, params, (z) => toZoneResponse(z, { full }));
  },
});
