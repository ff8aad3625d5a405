import { z } from 'zod';
import type { StoragePool, Volume } from '../../../core/entities';
import type { Store } from '../../store';
import { volumePoolPartition, volumeVmPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toVolumeResponse } from '../../views/storage';
import { cs } from '../params';
import { whereTagged } from '../tag-filter';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams, type ListScope } from '../scope';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'listVolumes',
  description: 'Lists all volumes.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'volume',
  related: ['createVolume', 'attachVolume', 'detachVolume', 'resizeVolume', 'deleteVolume'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the disk volume' }),
    ids: cs.list(cs.uuid()).optional().meta({ description: 'the IDs of the volumes, mutually exclusive with id', since: '4.9' }),
    name: cs.string().optional().meta({ description: 'the name of the disk volume' }),
    type: cs.string().optional().meta({ description: 'the type of disk volume' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'the ID of the Instance' }),
    zoneid: cs.uuid().optional().meta({ description: 'the ID of the availability zone' }),
    podid: cs.uuid().optional().meta({ description: 'the pod id the disk volume belongs to', roles: ['rootAdmin'] }),
    clusterid: cs.uuid().optional().meta({ description: 'the cluster id the disk volume belongs to', roles: ['rootAdmin'] }),
    hostid: cs.uuid().optional().meta({ description: 'list volumes on specified host', roles: ['rootAdmin'] }),
    storageid: cs.uuid().optional().meta({ description: 'the ID of the storage pool, available to ROOT admin only', since: '4.3', roles: ['rootAdmin'] }),
    diskofferingid: cs.uuid().optional().meta({ description: 'list volumes by disk offering', since: '4.4' }),
    state: cs.string().optional().meta({ description: 'state of the volume. Possible values are: Ready, Allocated, Destroy, Expunging, Expunged.', since: '4.19.0' }),
    displayvolume: cs.boolean().optional().meta({ description: 'list resources by display flag; only ROOT admin is eligible to pass this parameter', since: '4.4', roles: ['rootAdmin'] }),
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const ids = params.id ? [params.id] : params.ids;
    const scope = await resolveScope(ctx, params, ids?.[0]);
    const where = new Conditions();
    let source;
    if (ids && ids.length > 1) {
      source = await scopePartitions(store, 'VOLUME', scope, where, ids[0]);
      source = { ...source, partitions: ids };
    } else source = await scopePartitions(store, 'VOLUME', scope, where, ids?.[0]);
    if (params.storageid && !params.virtualmachineid && !ids && caller.role === 'rootAdmin') {
      // A pool's volumes: its own partition (the root admin's, who alone names a pool).
      source = { index: 'gsi5' as const, partitions: [volumePoolPartition(params.storageid)] };
    } else if (params.virtualmachineid && !ids) {
      // A VM's volumes: one small partition, seen by whoever may see the VM.
      await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      source = { index: 'gsi4' as const, partitions: [volumeVmPartition(params.virtualmachineid)] };
    } else where.eq('vmId', params.virtualmachineid);
    if (source.index === 'gsi5') whereInScope(where, scope);
    where
      .eq('type', params.type?.toUpperCase())
      .named(params.name)
      .eq('zoneId', params.zoneid)
      .eq('poolId', params.storageid)
      .eq('diskOfferingId', params.diskofferingid)
      .eq('state', params.state)
      .contains('text', params.keyword?.toLowerCase());
    whereTagged(where, params.tags);
    if (ids) where.notIn('state', ['Expunged']);
    // A pod, cluster or host narrows to the pools there (a volume is where its pool is).
    if (params.podid || params.clusterid || params.hostid) where.in('poolId', (await poolsAt(store, params)).map((p) => p.id));
    const lookups = createLookups(store);
    const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';
    return pageOf<Volume>(store, 'volume', { ...source, filter: where.build(), countFrom: where.empty && source.index !== 'gsi4' && source.index !== 'gsi5' ? (c) => c.n : undefined }, params, (v) => toVolumeResponse(v, lookups, view));
  },
});

/** A scope as conditions on the items read (a partition not of the scope: a pool's volumes). */
function whereInScope(where: Conditions, scope: ListScope): void {
  if (scope.kind === 'accounts') where.in('accountId', scope.accountIds);
  if (scope.kind !== 'domain') return;
  const { domain } = scope;
  if (scope.recursive) where.or((c) => c.eq('domainPath', domain.path), (c) => c.beginsWith('domainPath', `${domain.path}/`));
  else where.eq('domainId', domain.id);
}

/** The pools a host reaches, or those of a cluster or pod (read from their zone's pools). */
async function poolsAt(store: Store, at: { podid?: string; clusterid?: string; hostid?: string }): Promise<StoragePool[]> {
  const [host, cluster, pod] = await Promise.all([
    at.hostid ? store.hosts.get(at.hostid) : undefined,
    at.clusterid ? store.inventory.getCluster(at.clusterid) : undefined,
    at.podid ? store.inventory.getPod(at.podid) : undefined,
  ]);
  const zoneId = host?.zoneId ?? cluster?.zoneId ?? pod?.zoneId;
  if (!zoneId) return [];
  const pools = host ? await store.storage.poolsReachableFrom(host) : await store.storage.poolsInZone(zoneId);
  return pools.filter((p) => (!at.podid || p.podId === at.podid) && (!at.clusterid || p.clusterId === at.clusterid));
}
