import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Cluster, Pod, Zone } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { hostAddressFromUrl, isAllocationState, parseHypervisor, ServerApiError } from '../../../core/infrastructure';
import type { Store } from '../../store';
import { NameTakenError } from '../../store/name-taken';
import { addHostRecord } from '../../bootstrap/seed';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toHostResponse } from '../../views/infrastructure';

/**
 * addHost: the host is created Connecting, with a one-time registration token for its agent
 * (`stratus-agent --token ...`); it becomes Up with its capacity when the agent registers. The
 * token is returned once, as `registrationtoken` on the host object of this response only (no
 * CloudStack field carries it). The password is accepted for compatibility and never stored: the
 * agent authenticates with the secret it gets for the token, not with SSH.
 */
export default defineCommand({
  name: 'addHost',
  description: 'Adds a new host.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'host',
  params: z.object({
    zoneid: cs.uuid().meta({ description: 'the Zone ID for the host' }),
    podid: cs.uuid().meta({ description: 'the Pod ID for the host' }),
    url: cs.string().meta({ description: 'the host URL, e.g. http://10.0.0.5' }),
    hypervisor: cs.string().meta({ description: 'hypervisor type of the host: KVM, Simulator' }),
    clusterid: cs.uuid().optional().meta({ description: 'the cluster ID for the host' }),
    clustername: cs.string().optional().meta({ description: 'the cluster name for the host' }),
    username: cs.string().optional().meta({ description: 'the username for the host' }),
    password: cs.string().optional().meta({ description: 'the password for the host; not stored' }),
    hosttags: cs.list(z.string()).optional().meta({ description: 'list of tags to be added to the host' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this Host for allocation of new resources' }),
  }),
  async handle({ params, store, now, command }) {
    const [zone, pod] = await Promise.all([store.inventory.getZone(params.zoneid), store.inventory.getPod(params.podid)]);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (!pod) throw new EntityNotFoundError(command, 'podid', params.podid);
    // ResourceManagerImpl.discoverHostsFull's checks, in its order.
    if (pod.zoneId !== zone.id) throw new InvalidParameterError(`Pod with specified podId${pod.id} doesn't belong to the zone with specified zoneId${zone.id}`);
    if (params.clusterid !== undefined && params.clustername !== undefined) throw new InvalidParameterError("Can't specify cluster by both id and name");
    if (params.hypervisor === '') throw new InvalidParameterError('Need to specify Hypervisor Type');
    const hypervisor = parseHypervisor(params.hypervisor);
    if (hypervisor === 'KVM' && !params.username) throw new InvalidParameterError('Username need to be provided.');
    if (hypervisor !== 'KVM' && (!params.username || !params.password)) throw new InvalidParameterError('Username and Password need to be provided.');
    const { scheme, address: urlAddress } = hostAddressFromUrl(params.url);
    const address = urlAddress?.toLowerCase(); // host names are case-insensitive: the host is named in lower case
    if (!scheme) throw new InvalidParameterError(`uri.scheme is null ${params.url}, add nfs:// (or cifs://) as a prefix`);
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);
    // A DiscoveryException: AddHostCmd answers it as a bare 530.
    if (!hypervisor) throw new ServerApiError(`Do not support HypervisorType ${params.hypervisor} for ${params.url}`);
    const discoveryFailed = (reason: string) =>
      new ServerApiError(`Could not add host at [${params.url}] with zone [${zone.id}], pod [${pod.id}] and cluster [${params.clusterid ?? params.clustername ?? ''}] due to: [${reason}].`);
    if (scheme !== 'http' || !address) throw discoveryFailed(`${params.url} is not of the form http://<host address>`);

    // Before a cluster may be made by name: a refused request leaves nothing behind.
    if (await store.infrastructure.nameTaken('HOST', zone.id, address)) throw discoveryFailed(`host ${address} is already in the database`);
    const cluster = await clusterFor(store, { zone, pod, hypervisor }, params, command, now);
    if (cluster.hypervisor !== hypervisor)
      throw new InvalidParameterError(`Can't add host whose hypervisor type is: ${hypervisor} into cluster: ${cluster.id} whose hypervisor type is: ${cluster.hypervisor}`);

    let added;
    try {
      added = await addHostRecord(
        store,
        { zone, pod, cluster },
        { id: randomUUID(), name: address, hostTags: params.hosttags, resourceState: params.allocationstate === 'Disabled' ? 'Disabled' : 'Enabled' },
        now,
      );
    } catch (err) {
      if (err instanceof NameTakenError) throw discoveryFailed(`host ${address} is already in the database`);
      throw err;
    }
    const host = { ...toHostResponse(added.host, { zone, pod, cluster }), registrationtoken: added.token };
    // AddHostCmd answers a list of the hosts it added.
    return { kind: 'list', key: 'host', items: [host], count: 1 };
  },
});

/** The cluster named by id, or by name (created when the pod has none of that name), or CloudStack's "Standalone-<url>" cluster. */
async function clusterFor(
  store: Store,
  where: { zone: Zone; pod: Pod; hypervisor: Cluster['hypervisor'] },
  params: { clusterid?: string; clustername?: string; url: string },
  command: string,
  now: Date,
): Promise<Cluster> {
  if (params.clusterid !== undefined) {
    const cluster = await store.inventory.getCluster(params.clusterid);
    if (!cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    if (cluster.podId !== where.pod.id) throw new InvalidParameterError(`Cluster with specified id ${cluster.id} doesn't belong to the pod with specified podId ${where.pod.id}`);
    return cluster;
  }
  const name = params.clustername ?? `Standalone-${params.url}`;
  const find = async () => (await store.inventory.listClustersInPod(where.pod.id)).find((c) => c.name.toLowerCase() === name.toLowerCase());
  const existing = await find();
  if (existing) return existing;
  const cluster: Cluster = {
    id: randomUUID(),
    name,
    zoneId: where.zone.id,
    podId: where.pod.id,
    hypervisor: where.hypervisor,
    allocationState: 'Enabled',
    created: now.toISOString(),
  };
  try {
    await store.infrastructure.createCluster(cluster);
    return cluster;
  } catch (err) {
    // Another request made it a moment ago: use that one, as CloudStack's findBy after a failed persist does.
    if (!(err instanceof NameTakenError)) throw err;
    const made = await find();
    if (!made) throw err;
    return made;
  }
}
