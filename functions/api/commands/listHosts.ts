import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { createLookups } from '../../views/lookups';
import { factorsByHost } from '../../store/placement';
import { toHostResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listHosts',
  description: 'Lists hosts.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'host',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the id of the host' }),
    name: cs.string().optional().meta({ description: 'the name of the host' }),
    zoneid: cs.uuid().optional().meta({ description: 'the Zone ID for the host' }),
    podid: cs.uuid().optional().meta({ description: 'the Pod ID for the host' }),
    clusterid: cs.uuid().optional().meta({ description: 'lists hosts existing in particular cluster' }),
    state: cs.string().optional().meta({ description: 'the state of the host' }),
    resourcestate: cs.string().optional().meta({ description: 'list hosts by resource state' }),
    type: cs.string().optional().meta({ description: 'the host type' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const hosts = params.zoneid ? await store.hosts.listInZone(params.zoneid) : await store.hosts.listAll();
    const names = createLookups(store);
    const matching = hosts.filter(
      (h) =>
        (!params.podid || h.podId === params.podid) &&
        (!params.clusterid || h.clusterId === params.clusterid) &&
        (!params.state || h.state.toLowerCase() === params.state.toLowerCase()) &&
        (!params.resourcestate || h.resourceState.toLowerCase() === params.resourcestate.toLowerCase()) &&
        (!params.type || params.type.toLowerCase() === 'routing'),
    );
    const factorsOf = await factorsByHost(store.settings, matching);
    return listOf('host', matching, params, (h) => [h.name], async (h) => {
      const [zone, pod, cluster] = await Promise.all([names.zone(h.zoneId), names.pod(h.podId), names.cluster(h.clusterId)]);
      return toHostResponse(h, { zone, pod, cluster }, factorsOf(h));
    });
  },
});
