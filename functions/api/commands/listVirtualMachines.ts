import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { MAX_VM_KEY_PAIRS, MAX_VM_NICS } from '../../../core/naming';
import type { Store } from '../../store';
import { refuseProject } from '../owner';
import { cs } from '../params';
import { whereTagged } from '../tag-filter';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { canSeeDestroyed, resolveScope, scopeParams } from '../scope';
import type { Vm } from '../../../core/entities';
import { VM_STATES } from '../../../core/vm-states';
import { vmHostPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';

export default defineCommand({
  name: 'listVirtualMachines',
  description: 'List the Instances owned by the caller, or those of every account the caller administers with listall=true.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'the ID of the Instance' }),
    name: cs.string().optional().meta({ description: 'name of the Instance' }),
    state: cs.string().optional().meta({ description: 'state of the Instance; "present" for every state but Destroyed and Expunging' }),
    zoneid: cs.uuid().optional().meta({ description: 'the availability zone ID' }),
    hostid: cs.uuid().optional().meta({ description: 'the host ID', roles: ['rootAdmin'] }),
    templateid: cs.uuid().optional().meta({ description: 'list by the Template ID' }),
    serviceofferingid: cs.uuid().optional().meta({ description: 'list by the service offering', since: '4.4' }),
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ids: cs.list(cs.uuid()).optional().meta({ description: 'the IDs of the Instances, mutually exclusive with id', since: '4.4' }),
    networkid: cs.uuid().optional().meta({ description: 'list by network id' }),
    keypair: cs.string().optional().meta({ description: 'list Instances by ssh keypair name' }),
    affinitygroupid: cs.uuid().optional().meta({ description: 'list Instances by affinity group' }),
    userid: cs.uuid().optional().meta({ description: 'the user ID that created the Instance and is under the account that owns the Instance', since: '4.16.0' }),
    haenable: cs.boolean().optional().meta({ description: 'list by the High Availability offering; true if filtering Instances with HA enabled, false for Instances without HA', since: '4.15' }),
    isoid: cs.uuid().optional().meta({ description: 'list Instances by iso' }),
    backupofferingid: cs.uuid().optional().meta({ description: 'list Instances by their backup offering', since: '4.17' }),
    podid: cs.uuid().optional().meta({ description: 'the pod ID', roles: ['rootAdmin'] }),
    clusterid: cs.uuid().optional().meta({ description: 'the cluster ID', roles: ['rootAdmin'], since: '4.16.0' }),
    hypervisor: cs.string().optional().meta({ description: 'the target hypervisor for the Instance (KVM: every Instance)' }),
    displayvm: cs.boolean().optional().meta({ description: 'list resources by display flag (every Instance is displayed)', since: '4.4' }),
    details: cs.list(cs.string()).optional().meta({ description: 'comma separated list of vm details requested (every detail is always returned)' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project (projects are not supported: refused)' }),
    ...scopeParams,
    ...listParams,
  }),
  refused: {
    groupid: 'instance groups are not supported: the VM object has `group` as a name',
    storageid: 'list the volumes of a pool with listVolumes storageid, then their VMs',
    vpcid: 'VPCs are not supported',
    securitygroupid: 'security groups are not supported',
    autoscalevmgroupid: 'autoscale groups are not supported',
    forvirtualnetwork: 'virtual networks are not supported',
    userdataid: 'the user data registry is not supported',
    extensionid: 'extensions are not supported',
    isvnf: 'VNF appliances are not supported',
    leased: 'Instance leases are not supported',
    gpuenabled: 'GPUs are not supported',
  },
  async handle(ctx) {
    const { params, store, caller } = ctx;
    refuseProject(params);
    if (params.id && params.ids) throw new InvalidParameterError('id and ids cannot both be specified');
    const byId = params.id ?? params.ids;
    const scope = await resolveScope(ctx, params, byId === undefined ? undefined : '');
    const where = new Conditions();
    let source = await scopePartitions(store, 'VM', scope, where, byId);
    // The root admin's hostid is an index of its own, and so are a cluster's and a pod's hosts (their
    // VMs by host); anyone else's scope stays the partition.
    const hostIds = params.hostid ? [params.hostid] : params.clusterid || params.podid ? await hostsIn(store, params) : undefined;
    if (hostIds && !byId && scope.kind === 'everything') source = { index: 'gsi4', partitions: hostIds.map(vmHostPartition) }; // counted by a COUNT: hosts hold few
    else if (hostIds) where.in('hostId', hostIds);
    where
      .anyElement('nics', 'networkId', params.networkid, MAX_VM_NICS)
      .anyElement('keyPairs', 'name', params.keypair, MAX_VM_KEY_PAIRS)
      .has('affinityGroupIds', params.affinitygroupid)
      .eq('userId', params.userid)
      .eq('haEnable', params.haenable)
      .eq('isoId', params.isoid)
      .eq('backupOfferingId', params.backupofferingid);
    // Every Instance is a displayed KVM one: asking for others lists none.
    if (params.displayvm === false || (params.hypervisor !== undefined && params.hypervisor.toUpperCase() !== 'KVM')) where.in('id', []);
    if (byId) where.notIn('state', ['Expunged']); // listed nowhere, but still an item
    const hideGone = !(await canSeeDestroyed(caller, store));
    const state = params.state?.toLowerCase();
    if (state === 'present') where.notIn('state', GONE);
    else if (state !== undefined) where.in('state', VM_STATES.filter((s) => s.toLowerCase() === state)); // an unknown state: none
    where.eq('zoneId', params.zoneid).eq('templateId', params.templateid).eq('serviceOfferingId', params.serviceofferingid).named(params.name);
    where.contains('text', params.keyword?.toLowerCase());
    whereTagged(where, params.tags);
    // The counters keep every VM and those gone apart: the total is theirs unless something else narrows.
    const countable = where.empty && source.index !== 'gsi4';
    if (hideGone) where.notIn('state', GONE);
    const lookups = createLookups(store);
    const view = caller.role === 'rootAdmin' ? 'full' : 'restricted';
    return pageOf<Vm>(
      store,
      'virtualmachine',
      { ...source, filter: where.build(), countFrom: countable ? (c) => c.n - (hideGone ? c.gone : 0) : undefined },
      params,
      (v) => toVirtualMachineResponse(v, lookups, view),
    );
  },
});

const GONE = ['Destroyed', 'Expunging'];

/** The hosts of a cluster (clusterid) or of a pod's clusters (podid), whose VMs a root admin lists. */
async function hostsIn(store: Store, p: { clusterid?: string; podid?: string }): Promise<string[]> {
  const clusters = p.clusterid ? [p.clusterid] : (await store.inventory.listClustersInPod(p.podid!)).map((c) => c.id);
  const hosts = (await Promise.all(clusters.map((c) => store.hosts.inCluster(c)))).flat();
  return hosts.filter((h) => !p.podid || h.podId === p.podid).map((h) => h.id);
}
