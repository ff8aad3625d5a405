import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf } from '../listing';
import { HOST_RESOURCE_STATES, HOST_STATES, type Host } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { fromStoredHost } from '../../store/hosts';
import { kindCounter, kindPartitions, zoneHostCounter, zoneHostPartitions } from '../../store/indexing';
import { Conditions, type ListSpec } from '../../store/listing';
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
    const where = new Conditions();
    const source: Pick<ListSpec, 'index' | 'kind' | 'partitions' | 'counters'> = params.id
      ? { kind: 'HOST', partitions: [params.id] }
      : params.zoneid
        ? { index: 'gsi2', partitions: zoneHostPartitions(params.zoneid), counters: [zoneHostCounter(params.zoneid)] }
        : { index: 'gsi1', partitions: kindPartitions('HOST'), counters: [kindCounter('HOST')] };
    if (params.id) where.eq('zoneId', params.zoneid);
    const anyCase = (states: readonly string[], wanted: string | undefined) => (wanted === undefined ? undefined : states.filter((s) => s.toLowerCase() === wanted.toLowerCase()));
    const state = anyCase(HOST_STATES, params.state);
    const resourceState = anyCase(HOST_RESOURCE_STATES, params.resourcestate);
    if (state) where.in('state', state);
    if (resourceState) where.in('resourceState', resourceState);
    if (params.type && params.type.toLowerCase() !== 'routing') where.in('id', []); // Stratus has routing hosts only
    where.eq('podId', params.podid).eq('clusterId', params.clusterid).named(params.name).contains('text', params.keyword?.toLowerCase());
    const names = createLookups(store);
    // In creation order, as CloudStack lists hosts (id ascending).
    return pageOf<Host>(store, 'host', { ...source, filter: where.build(), countFrom: where.empty ? (c) => c.n : undefined }, params, async (stored) => {
      const h = fromStoredHost(stored);
      const [zone, pod, cluster, hostFactors] = await Promise.all([names.zone(h.zoneId), names.pod(h.podId), names.cluster(h.clusterId), factorsByHost(store.settings, [h]).then((of) => of(h))]);
      return toHostResponse(h, { zone, pod, cluster }, hostFactors);
    });
  },
});
