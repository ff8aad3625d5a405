import { z } from 'zod';
import type { UnmanagedInstance } from '../../../core/entities';
import { EntityNotFoundError } from '../../../core/errors';
import { unmanagedClusterPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { toUnmanagedInstanceResponse } from '../../views/unmanagedInstance';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf } from '../listing';

/**
 * listUnmanagedInstances (UnmanagedVMsManagerImpl): the domains on the cluster's Up hosts that
 * Stratus does not manage. CloudStack asks every host's agent while the caller waits; Stratus
 * answers from what the hosts described (functions/store/unmanaged.ts): one Query of the cluster's
 * partition, as fresh as the hosts' last heartbeats for domains that appeared, went or changed power
 * state, and as the last rescan (agent describeIntervalMs, 5 minutes) for changes made behind it.
 */
export default defineCommand({
  name: 'listUnmanagedInstances',
  description: 'Lists unmanaged virtual machines for a given cluster.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'unmanagedinstance',
  related: ['importUnmanagedInstance', 'unmanageVirtualMachine'],
  params: z.object({
    clusterid: cs.uuid().meta({ description: 'the cluster ID' }),
    name: cs.string().optional().meta({ description: 'the hypervisor name of the instance' }),
    ...listParams,
  }),
  async handle({ params, store, command }) {
    const cluster = await store.inventory.getCluster(params.clusterid);
    if (!cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    // Its Up hosts (a cluster's few): a host that is down or in maintenance lists nothing, as CloudStack asks only Up hosts.
    const up = await store.hosts.upInCluster(cluster.id);
    const where = new Conditions()
      .in('hostId', up.map((h) => h.id))
      .eq('name', params.name)
      .contains('text', params.keyword?.toLowerCase())
      .absent('managed');
    return pageOf<UnmanagedInstance>(store, 'unmanagedinstance', { index: 'gsi4', partitions: [unmanagedClusterPartition(cluster.id)], filter: where.build() }, params, (u) => toUnmanagedInstanceResponse(u, cluster));
  },
});
