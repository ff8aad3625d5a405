import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams, resolvePaging } from '../paging';
import { judge, migrationSource } from '../migration-targets';
import type { Host } from '../../../core/entities';
import { fromStoredHost } from '../../store/hosts';
import { clusterHostPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { vmForCaller } from '../vm-access';
import { createLookups } from '../../views/lookups';
import { factorsByHost } from '../../store/placement';
import { toHostResponse } from '../../views/infrastructure';

/**
 * FindHostsForMigrationCmd: the hosts a running VM could live-migrate to (the other hosts of its
 * cluster), each as listHosts shows it plus `suitableformigration`, `requiresStorageMotion` (always
 * false: no storage motion) and, for an unsuitable host, `notsuitablereason`, the allocator's
 * reason (a Stratus addition). `count` is every such host; the page holds `pagesize` of them.
 */
export default defineCommand({
  name: 'findHostsForMigration',
  description: 'Find hosts suitable for migrating an Instance.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'host',
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'Find hosts to which this Instance can be migrated and flag the hosts with enough CPU/RAM to host the Instance' }),
    ...listParams,
  }),
  async handle({ params, caller, store, command }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    const { source, offering } = await migrationSource(store, vm);
    // The other hosts of its cluster (a cluster's partition of gsi4), in creation order as listHosts;
    // the keyword matches the host name, as CloudStack's does. Only the page's hosts are judged.
    const where = new Conditions().notIn('id', [source.id]).contains('text', params.keyword?.toLowerCase());
    const { offset, limit } = resolvePaging(params.page, params.pagesize);
    const page = await store.listing.page<Host>({ index: 'gsi4', partitions: [clusterHostPartition(source.clusterId)], filter: where.build(), offset, limit });
    const targets = await judge(store, vm, offering, page.items.map((h) => fromStoredHost(h)));
    const names = createLookups(store);
    const factorsOf = await factorsByHost(
      store.settings,
      targets.map((t) => t.host),
    );
    const items = await Promise.all(
      targets.map(async ({ host, ruledOut }) => {
        const [zone, pod, cluster] = await Promise.all([names.zone(host.zoneId), names.pod(host.podId), names.cluster(host.clusterId)]);
        return {
          ...toHostResponse(host, { zone, pod, cluster }, factorsOf(host)),
          suitableformigration: ruledOut === undefined,
          requiresStorageMotion: false,
          ...(ruledOut ? { notsuitablereason: ruledOut.detail } : {}),
        };
      }),
    );
    return { kind: 'list', key: 'host', items, count: page.count };
  },
});
