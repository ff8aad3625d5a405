import { z } from 'zod';
import type { StoragePool } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { cataloguePartition, poolReachPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toStoragePoolResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';

export default defineCommand({
  name: 'listStoragePools',
  description: 'Lists storage pools.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'storagepool',
  related: ['createStoragePool', 'updateStoragePool', 'deleteStoragePool'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the storage pool' }),
    name: cs.string().optional().meta({ description: 'the name of the storage pool' }),
    zoneid: cs.uuid().optional().meta({ description: 'the Zone ID for the storage pool' }),
    podid: cs.uuid().optional().meta({ description: 'the Pod ID for the storage pool' }),
    clusterid: cs.uuid().optional().meta({ description: 'list storage pools belongig to the specific cluster' }),
    hostid: cs.uuid().optional().meta({ description: 'host ID of the storage pools', since: '4.19.0' }),
    ipaddress: cs.string().optional().meta({ description: 'the IP address for the storage pool' }),
    path: cs.string().optional().meta({ description: 'the storage pool path' }),
    scope: cs.string().optional().meta({ description: 'the scope of the storage pool', since: '4.3' }),
    status: cs.string().optional().meta({ description: 'the status of the storage pool', since: '4.15' }),
    storagecustomstats: cs.boolean().optional().meta({ description: 'If true, lists the custom stats of the storage pool', since: '4.18.1' }),
    ...listParams,
  }),
  async handle({ params, store }) {
    const scope = params.scope?.toUpperCase();
    if (scope !== undefined && scope !== 'CLUSTER' && scope !== 'ZONE' && scope !== 'HOST') throw new InvalidParameterError(`Invalid scope ${params.scope}: use cluster, zone or host`);
    const where = new Conditions()
      .named(params.name)
      .eq('zoneId', params.zoneid)
      .eq('podId', params.podid)
      .eq('clusterId', params.clusterid)
      .eq('hostId', params.hostid)
      .eq('host', params.ipaddress)
      .eq('path', params.path)
      .eq('scope', scope)
      .eq('state', params.status)
      .contains('text', params.keyword?.toLowerCase());
    // The narrowest partition that holds the answer: a cluster's or a host's pools, else a zone's.
    const source = catalogueSource('STORAGEPOOL', params.id, [
      params.clusterid && ['gsi3', poolReachPartition({ scope: 'CLUSTER', zoneId: '', clusterId: params.clusterid })],
      params.hostid && ['gsi3', poolReachPartition({ scope: 'HOST', zoneId: '', hostId: params.hostid })],
      params.zoneid && ['gsi2', cataloguePartition('STORAGEPOOL', 'ZONE', params.zoneid)],
    ]);
    const lookups = createLookups(store);
    return pageOf<StoragePool>(store, 'storagepool', { ...source, filter: where.build() }, params, async (p) => toStoragePoolResponse(p, lookups, await store.storage.factorOf(p)));
  },
});
