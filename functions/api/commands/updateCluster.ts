import { z } from 'zod';
import { EntityNotFoundError, InternalError, InvalidParameterError } from '../../../core/errors';
import { isAllocationState } from '../../../core/infrastructure';
import { EntityGoneError } from '../../store/infrastructure';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { createLookups } from '../../views/lookups';
import { toClusterResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'updateCluster',
  description: 'Updates an existing cluster',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'cluster',
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the Cluster' }),
    clustername: cs.string().optional().meta({ description: 'the cluster name' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this cluster for allocation of new resources' }),
  }),
  async handle({ params, store, command }) {
    const cluster = await store.inventory.getCluster(params.id);
    if (!cluster) throw new EntityNotFoundError(command, 'id', params.id);
    // ResourceManagerImpl.updateCluster: a blank name or state changes nothing.
    const name = params.clustername?.trim() ? params.clustername : undefined;
    let allocationState: typeof cluster.allocationState | undefined;
    if (params.allocationstate) {
      if (!isAllocationState(params.allocationstate)) throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);
      allocationState = params.allocationstate;
    }
    let updated = cluster;
    if (name !== undefined || allocationState !== undefined) {
      try {
        // Clusters made before names were claimed are compared by listing them.
        const others = (await store.inventory.listClustersInPod(cluster.podId)).filter((c) => c.id !== cluster.id);
        if (name !== undefined && others.some((c) => c.name.toLowerCase() === name.toLowerCase())) throw new NameTakenError('CLUSTER', name);
        updated = await store.infrastructure.updateCluster(cluster, { name, allocationState });
      } catch (err) {
        if (err instanceof EntityGoneError) throw new EntityNotFoundError(command, 'id', params.id);
        if (err instanceof NameTakenError) throw new InternalError(`Unable to update cluster ${cluster.name}: the pod already has a cluster named ${name}`);
        throw err;
      }
    }
    const names = createLookups(store);
    return { kind: 'object', key: 'cluster', value: toClusterResponse(updated, await names.zone(updated.zoneId), await names.pod(updated.podId)) };
  },
});
