import { z } from 'zod';
import { canAccess } from '../../../core/access';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
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
    const all = params.zoneid ? await store.inventory.listNetworksInZone(params.zoneid) : await store.inventory.listNetworks();
    // A shared network is everyone's; an account's network is seen as its owner's other resources are.
    const owned = await Promise.all(all.map(async (n) => !n.accountId || canAccess(caller, { accountId: n.accountId, domainPath: (await names.domain(n.domainId))?.path ?? '' })));
    const visible = all.filter(
      (n, i) => owned[i] && (!params.type || params.type.toLowerCase() === 'all' || n.type.toLowerCase() === params.type.toLowerCase()),
    );
    return listOf('network', visible, params, (n) => [n.name, n.displayText], async (n) => toNetworkResponse(n, await names.zone(n.zoneId)));
  },
});
