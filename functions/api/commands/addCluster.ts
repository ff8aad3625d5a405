import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Cluster } from '../../../core/entities';
import { EntityNotFoundError, InternalError, InvalidParameterError } from '../../../core/errors';
import { isAllocationState, parseHypervisor } from '../../../core/infrastructure';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toClusterResponse } from '../../views/infrastructure';

const CLUSTER_TYPES = ['CloudManaged', 'ExternalManaged'];

export default defineCommand({
  name: 'addCluster',
  description: 'Adds a new cluster',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'cluster',
  params: z.object({
    zoneid: cs.uuid().meta({ description: 'the Zone ID for the cluster' }),
    podid: cs.uuid().meta({ description: 'the Pod ID for the host' }),
    clustername: cs.string().meta({ description: 'the cluster name' }),
    hypervisor: cs.string().meta({ description: 'hypervisor type of the cluster: KVM, Simulator' }),
    clustertype: cs.string().meta({ description: 'type of the cluster: CloudManaged, ExternalManaged' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this cluster for allocation of new resources' }),
  }),
  async handle({ params, store, now, command }) {
    // ResourceManagerImpl.discoverCluster's checks, in its order.
    const [zone, pod] = await Promise.all([store.inventory.getZone(params.zoneid), store.inventory.getPod(params.podid)]);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (!pod) throw new EntityNotFoundError(command, 'podid', params.podid);
    if (pod.zoneId !== zone.id) throw new InvalidParameterError(`Pod with specified id doesn't belong to the zone ${zone.id}`);
    if (params.clustername === '') throw new InvalidParameterError('Please specify cluster name');
    if (params.hypervisor === '') throw new InvalidParameterError('Please specify a hypervisor');
    if (!CLUSTER_TYPES.includes(params.clustertype)) throw new InvalidParameterError(`No enum constant com.cloud.org.Cluster.ClusterType.${params.clustertype}`);
    if (params.clustertype !== 'CloudManaged')
      throw new InvalidParameterError(`Cluster type ${params.clustertype} is not supported: Stratus manages CloudManaged clusters only, through its host agent`);
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);
    // Only the hypervisors an agent driver exists for have a "resource manager" here.
    const hypervisor = parseHypervisor(params.hypervisor);
    if (!hypervisor) throw new InvalidParameterError(`Could not find corresponding resource manager for ${params.hypervisor}`);

    const cluster: Cluster = {
      id: randomUUID(),
      name: params.clustername,
      zoneId: zone.id,
      podId: pod.id,
      hypervisor,
      allocationState: params.allocationstate && isAllocationState(params.allocationstate) ? params.allocationstate : 'Enabled',
      created: now.toISOString(),
    };
    const inPod = await store.inventory.listClustersInPod(pod.id);
    try {
      if (inPod.some((c) => c.name.toLowerCase() === cluster.name.toLowerCase())) throw new NameTakenError('CLUSTER', cluster.name);
      await store.infrastructure.createCluster(cluster);
    } catch (err) {
      // CloudStack's persist fails on its (pod, name) unique key and says so this way (a 530).
      if (err instanceof NameTakenError) throw new InternalError(`Unable to create cluster ${cluster.name} in pod and data center with specified ids`);
      throw err;
    }
    // AddClusterCmd answers a list, like addHost.
    return { kind: 'list', key: 'cluster', items: [toClusterResponse(cluster, zone, pod)], count: 1 };
  },
});
