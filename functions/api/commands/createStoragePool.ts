import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { StoragePool } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { parseStorageUrl, tagsOf } from '../../../core/storage';
import { createLookups } from '../../views/lookups';
import { toStoragePoolResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'createStoragePool',
  description: 'Creates a storage pool.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'storagepool',
  related: ['listStoragePools', 'updateStoragePool', 'deleteStoragePool'],
  params: z.object({
    name: cs.string().meta({ description: 'the name for the storage pool' }),
    url: cs.string(2048).meta({ description: 'the URL of the storage pool' }),
    zoneid: cs.uuid().meta({ description: 'the Zone ID for the storage pool' }),
    podid: cs.uuid().optional().meta({ description: 'the Pod ID for the storage pool' }),
    clusterid: cs.uuid().optional().meta({ description: 'the cluster ID for the storage pool' }),
    scope: cs.string().optional().meta({ description: 'the scope of the storage: cluster or zone' }),
    hypervisor: cs.string().optional().meta({ description: 'hypervisor type of the hosts in zone that will be attached to this storage pool. KVM, VMware supported as of now.' }),
    tags: cs.string().optional().meta({ description: 'the tags for the storage pool' }),
    capacitybytes: cs.long().optional().meta({ description: 'bytes CloudStack can provision from this storage pool' }),
    capacityiops: cs.long().optional().meta({ description: 'IOPS CloudStack can provision from this storage pool' }),
    provider: cs.string().optional().meta({ description: 'the storage provider name' }),
    managed: cs.boolean().optional().meta({ description: 'whether the storage should be managed by CloudStack' }),
    istagarule: cs.boolean().optional().meta({ description: 'Whether the informed tag is a JS interpretable rule or not.', since: '4.18.0' }),
    details: cs.map().optional().meta({ description: 'the details for the storage pool' }),
  }),
  async handle({ params, store, now, command }) {
    // CloudStack's PrimaryDataStoreLifeCycle and StorageManagerImpl checks, in their order.
    const scope = (params.scope ?? 'cluster').toUpperCase();
    if (scope !== 'CLUSTER' && scope !== 'ZONE') throw new InvalidParameterError(`invalid scope for pool ${params.scope}`);
    if (params.provider !== undefined && params.provider !== 'DefaultPrimary') throw new InvalidParameterError(`can't find storage provider: ${params.provider}`);
    if (params.managed) throw new InvalidParameterError('Managed storage is not supported: Stratus manages file-based primary storage (NFS, SharedMountPoint, Filesystem)');
    if (params.istagarule) throw new InvalidParameterError('Storage tag rules (istagarule=true) are not supported: give the tags as a comma-separated list');
    if (params.capacityiops !== undefined) throw new InvalidParameterError('capacityiops is only for managed storage, which Stratus does not support');
    const zone = await store.inventory.getZone(params.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    let podId: string | undefined;
    let clusterId: string | undefined;
    if (scope === 'CLUSTER') {
      if (!params.clusterid) throw new InvalidParameterError("cluster id can't be null, if scope is cluster");
      if (!params.podid) throw new InvalidParameterError("pod id can't be null, if scope is cluster");
      const [pod, cluster] = await Promise.all([store.inventory.getPod(params.podid), store.inventory.getCluster(params.clusterid)]);
      if (!pod) throw new EntityNotFoundError(command, 'podid', params.podid);
      if (!cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
      if (pod.zoneId !== zone.id || cluster.podId !== pod.id) throw new InvalidParameterError(`Cluster ${cluster.name} does not belong to pod ${pod.name} of zone ${zone.name}`);
      podId = pod.id;
      clusterId = cluster.id;
    } else {
      const hypervisor = params.hypervisor?.toUpperCase();
      if (!hypervisor) throw new InvalidParameterError('hypervisor type must be specified for zone wide storage pool');
      if (hypervisor !== 'KVM' && hypervisor !== 'SIMULATOR') throw new InvalidParameterError(`zone wide storage pool is not supported for hypervisor type ${params.hypervisor}`);
    }
    const where = parseStorageUrl(params.url);
    if (where.type === 'Filesystem') throw new InvalidParameterError('A Filesystem pool is a host\'s local storage: it is created for each host when its zone has local storage enabled (updateZone localstorageenabled=true)');
    if (params.details && Object.keys(params.details).length > 0) throw new InvalidParameterError(`Storage pool details are not supported: ${Object.keys(params.details).join(', ')}`);
    const pool: StoragePool = {
      id: randomUUID(),
      name: params.name,
      zoneId: zone.id,
      ...(podId ? { podId } : {}),
      ...(clusterId ? { clusterId } : {}),
      scope: scope as StoragePool['scope'],
      type: where.type,
      host: where.host,
      path: where.path,
      url: params.url,
      state: 'Up',
      tags: tagsOf(params.tags),
      // Until the hosts' agents report the pool's size (heartbeats), the administrator's figure.
      capacityBytes: params.capacitybytes ?? 0,
      ...(params.capacitybytes !== undefined ? { capacityFixed: true } : {}),
      allocatedBytes: 0,
      usedBytes: 0,
      created: now.toISOString(),
      version: 1,
    };
    await store.storage.createPool(pool);
    return { kind: 'object', key: 'storagepool', value: await toStoragePoolResponse(pool, createLookups(store), await store.storage.factorOf(pool)) };
  },
});
