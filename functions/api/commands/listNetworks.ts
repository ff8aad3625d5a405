import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { cataloguePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import type { Network } from '../../../core/entities';

const NETWORK_TYPES: ReadonlyArray<Network['type']> = ['Isolated', 'Shared', 'L2'];
import { createLookups } from '../../views/lookups';
import { toNetworkResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listNetworks',
  description: 'Lists all available networks.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'network',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list networks by ID' }),
    zoneid: cs.uuid().optional().meta({ description: 'the zone ID of the network' }),
    type: cs.string().optional().meta({ description: 'the type of the network. Supported values are: isolated, l2, shared and all' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const names = createLookups(store);
    const where = new Conditions();
    // A shared network is everyone's; an account's network is seen as its owner's other resources are.
    if (caller.role === 'user') where.or((c) => c.absent('accountId'), (c) => c.eq('accountId', caller.accountId));
    if (caller.role === 'domainAdmin') {
      const tree = await store.tenancy.domainTree({ path: caller.domainPath });
      where.or((c) => c.absent('accountId'), (c) => c.in('domainId', tree.map((d) => d.id)));
    }
    if (params.type && params.type.toLowerCase() !== 'all') where.in('type', NETWORK_TYPES.filter((t) => t.toLowerCase() === params.type!.toLowerCase()));
    where.eq('zoneId', params.zoneid).contains('text', params.keyword?.toLowerCase());
    const source = catalogueSource('NETWORK', params.id, [params.zoneid && ['gsi2', cataloguePartition('NETWORK', 'ZONE', params.zoneid)]]);
    // Newest first, as CloudStack lists networks (id descending).
    return pageOf<Network>(store, 'network', { ...source, descending: true, filter: where.build() }, params, async (n) => toNetworkResponse(n, await names.zone(n.zoneId)));
  },
});
