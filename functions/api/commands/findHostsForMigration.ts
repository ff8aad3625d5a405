import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { migrationTargets } from '../migration-targets';
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
    const { targets } = await migrationTargets(store, vm);
    const names = createLookups(store);
    const factorsOf = await factorsByHost(
      store.settings,
      targets.map((t) => t.host),
    );
    const rows = targets.map((t) => ({ id: t.host.id, name: t.host.name, ...t }));
    // listOf's `name` filter is not a parameter here; the keyword matches the host name, as CloudStack's does.
    return listOf('host', rows, { keyword: params.keyword, page: params.page, pagesize: params.pagesize }, (r) => [r.name], async ({ host, ruledOut }) => {
      const [zone, pod, cluster] = await Promise.all([names.zone(host.zoneId), names.pod(host.podId), names.cluster(host.clusterId)]);
      return {
        ...toHostResponse(host, { zone, pod, cluster }, factorsOf(host)),
        suitableformigration: ruledOut === undefined,
        requiresStorageMotion: false,
        ...(ruledOut ? { notsuitablereason: ruledOut.detail } : {}),
      };
    });
  },
});
