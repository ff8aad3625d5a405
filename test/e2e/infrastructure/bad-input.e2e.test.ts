import { stableId } from '../../../core/ids';
import { startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Bad input to the infrastructure commands gets CloudStack's code and text, through signed HTTP,
 * and none of it leaves a zone, pod, cluster or host behind.
 */
describe('infrastructure commands refuse bad input', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let inventoryBefore: number[];
  let other: { zone: Obj; pod: Obj };

  const zone1 = stableId('zone', 'zone1');
  const pod1 = stableId('pod', 'pod1');
  const cluster1 = stableId('cluster', 'cluster1');
  const unknown = '00000000-0000-4000-8000-000000000000';
  const notFound = (command: string, param: string, value: string) =>
    `Unable to execute API command ${command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;

  const inventory = async () =>
    Promise.all(
      [
        ['listZones', 'zone'],
        ['listPods', 'pod'],
        ['listClusters', 'cluster'],
        ['listHosts', 'host'],
      ].map(async ([command, key]) => (((await env.admin.ok(command))[key] as unknown[]) ?? []).length),
    );

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    const zone = (await env.admin.ok('createZone', { name: 'other-zone', networktype: 'Advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2' })).zone as Obj;
    const pod = (await env.admin.ok('createPod', { zoneid: zone.id, name: 'other-pod', gateway: '172.16.5.1', netmask: '255.255.255.0', startip: '172.16.5.10' })).pod as Obj;
    other = { zone, pod };
    inventoryBefore = await inventory();
  });
  afterAll(async () => {
    expect(await inventory()).toEqual(inventoryBefore);
    await env.stop();
  });

  const zoneParams = { name: 'new-zone', networktype: 'Advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2' };
  const podParams = { zoneid: zone1, name: 'new-pod', gateway: '10.30.0.1', netmask: '255.255.255.0', startip: '10.30.0.10', endip: '10.30.0.20' };
  const clusterParams = { zoneid: zone1, podid: pod1, clustername: 'new-cluster', hypervisor: 'Simulator', clustertype: 'CloudManaged' };
  const hostParams = { zoneid: zone1, podid: pod1, clusterid: cluster1, url: 'http://10.0.0.5', hypervisor: 'Simulator', username: 'root', password: 'pw' };
  const without = (params: Record<string, string>, name: string) => Object.fromEntries(Object.entries(params).filter(([k]) => k !== name));

  // [case, command, params, errorcode, cserrorcode, errortext]
  const cases: Array<[string, string, () => Record<string, string | number | boolean>, number, number, string | RegExp | (() => string)]> = [
    ['a missing dns1', 'createZone', () => without(zoneParams, 'dns1'), 431, 9999, 'Unable to execute API command createzone due to missing parameter dns1'],
    ['an unknown network type', 'createZone', () => ({ ...zoneParams, networktype: 'Hybrid' }), 431, 4350, 'Invalid zone type; only Advanced and Basic values are supported'],
    ['a guest CIDR for a Basic zone', 'createZone', () => ({ ...zoneParams, networktype: 'Basic', guestcidraddress: '10.1.0.0/16' }), 431, 4350, 'guestCidrAddress parameter is not supported for Basic zone'],
    ['a public guest CIDR', 'createZone', () => ({ ...zoneParams, guestcidraddress: '8.8.0.0/16' }), 431, 4350, 'Please enter a valid guest cidr'],
    ['a zone name in another case', 'createZone', () => ({ ...zoneParams, name: 'ZONE1' }), 431, 4350, 'A zone with that name already exists. Please specify a unique zone name.'],
    ['a dns1 that is no address', 'createZone', () => ({ ...zoneParams, dns1: 'dns.example.org' }), 431, 4350, 'Please enter a valid IP address for DNS1'],
    ['an internal DNS out of range', 'createZone', () => ({ ...zoneParams, internaldns1: '10.0.0.300' }), 431, 4350, 'Please enter a valid IP address for internal DNS1'],
    ['an allocation state in lower case', 'createZone', () => ({ ...zoneParams, allocationstate: 'enabled' }), 431, 4350, "Unable to resolve Allocation State 'enabled' to a supported state"],

    ['an unknown zone', 'createPod', () => ({ ...podParams, zoneid: unknown }), 431, 9999, notFound('createPod', 'zoneid', unknown)],
    ['a zone id that is no UUID', 'createPod', () => ({ ...podParams, zoneid: '42' }), 431, 9999, notFound('createPod', 'zoneid', '42')],
    ['no start IP', 'createPod', () => without(podParams, 'startip'), 431, 4350, 'The start IP is invalid'],
    ['a bad gateway', 'createPod', () => ({ ...podParams, gateway: '10.30.0' }), 431, 4350, 'The gateway is invalid'],
    ['a netmask with holes', 'createPod', () => ({ ...podParams, netmask: '255.0.255.0' }), 431, 4350, 'The netmask is invalid'],
    ['a start IP outside the subnet', 'createPod', () => ({ ...podParams, startip: '10.31.0.10' }), 431, 4350, 'The start address of the IP range is not in the CIDR subnet.'],
    ['a range that ends before it starts', 'createPod', () => ({ ...podParams, startip: '10.30.0.50' }), 431, 4350, 'The start IP address must have a lower value than the end IP address.'],
    ['a gateway inside the range', 'createPod', () => ({ ...podParams, gateway: '10.30.0.15' }), 431, 4350, "The gateway shouldn't overlap start/end IP addresses"],
    ['a pod name the zone has', 'createPod', () => ({ ...podParams, name: 'POD1' }), 431, 4350, 'A pod with name: POD1 already exists in zone zone1. Please specify a different pod name. '],
    [
      "a subnet of another pod's",
      'createPod',
      () => ({ ...podParams, gateway: '192.168.56.1', startip: '192.168.56.100', endip: '192.168.56.110' }),
      431,
      4350,
      'The subnet of the pod you are adding conflicts with the subnet of pod pod1 in zone zone1. Please specify a different CIDR.',
    ],

    ['a hypervisor without an agent driver', 'addCluster', () => ({ ...clusterParams, hypervisor: 'VMware' }), 431, 4350, 'Could not find corresponding resource manager for VMware'],
    ['an unknown cluster type', 'addCluster', () => ({ ...clusterParams, clustertype: 'Managed' }), 431, 4350, 'No enum constant com.cloud.org.Cluster.ClusterType.Managed'],
    ['an ExternalManaged cluster', 'addCluster', () => ({ ...clusterParams, clustertype: 'ExternalManaged' }), 431, 4350, /^Cluster type ExternalManaged is not supported/],
    ['a pod of another zone', 'addCluster', () => ({ ...clusterParams, podid: other.pod.id }), 431, 4350, `Pod with specified id doesn't belong to the zone ${zone1}`],
    ['a bad allocation state', 'addCluster', () => ({ ...clusterParams, allocationstate: 'Off' }), 431, 4350, "Unable to resolve Allocation State 'Off' to a supported state"],
    ['a cluster name the pod has', 'addCluster', () => ({ ...clusterParams, clustername: 'cluster1' }), 530, 4250, 'Unable to create cluster cluster1 in pod and data center with specified ids'],

    ['a url without scheme', 'addHost', () => ({ ...hostParams, url: '10.0.0.5' }), 431, 4350, 'uri.scheme is null 10.0.0.5, add nfs:// (or cifs://) as a prefix'],
    ['no password for a simulated host', 'addHost', () => without(hostParams, 'password'), 431, 4350, 'Username and Password need to be provided.'],
    ['no username for a KVM host', 'addHost', () => ({ ...without(hostParams, 'username'), hypervisor: 'KVM' }), 431, 4350, 'Username need to be provided.'],
    ['a cluster by id and name', 'addHost', () => ({ ...hostParams, clustername: 'cluster1' }), 431, 4350, "Can't specify cluster by both id and name"],
    ['a pod of another zone', 'addHost', () => ({ ...hostParams, podid: other.pod.id }), 431, 4350, () => `Pod with specified podId${other.pod.id} doesn't belong to the zone with specified zoneId${zone1}`],
    ['an unknown cluster', 'addHost', () => ({ ...hostParams, clusterid: unknown }), 431, 9999, notFound('addHost', 'clusterid', unknown)],
    [
      'a hypervisor other than the cluster one',
      'addHost',
      () => ({ ...hostParams, hypervisor: 'KVM' }),
      431,
      4350,
      `Can't add host whose hypervisor type is: KVM into cluster: ${cluster1} whose hypervisor type is: Simulator`,
    ],
    ['an unsupported hypervisor', 'addHost', () => ({ ...hostParams, hypervisor: 'Hyper-V' }), 530, 9999, 'Do not support HypervisorType Hyper-V for http://10.0.0.5'],
    ['a url that is not http', 'addHost', () => ({ ...hostParams, url: 'nfs://10.0.0.5/export' }), 530, 9999, /^Could not add host at \[nfs:\/\/10\.0\.0\.5\/export\] .* is not of the form http:\/\/<host address>\]\.$/],
    ['the address of a host the zone has', 'addHost', () => ({ ...hostParams, url: 'http://SIMHOST-1' }), 530, 9999, /due to: \[host simhost-1 is already in the database\]\.$/],

    ['an unknown host', 'updateHost', () => ({ id: unknown, allocationstate: 'Disable' }), 431, 9999, notFound('updateHost', 'id', unknown)],
    ['an allocation state that is no event', 'updateHost', () => ({ id: simhost(), allocationstate: 'Disabled' }), 431, 4350, 'Invalid allocation state: Disabled, only Enable/Disable are allowed'],
    ['an unknown OS category', 'updateHost', () => ({ id: simhost(), oscategoryid: unknown }), 431, 9999, notFound('updateHost', 'oscategoryid', unknown)],
    ['an unknown cluster', 'updateCluster', () => ({ id: unknown, allocationstate: 'Disabled' }), 431, 9999, notFound('updateCluster', 'id', unknown)],
    ['an event for a state', 'updateCluster', () => ({ id: cluster1, allocationstate: 'Disable' }), 431, 4350, "Unable to resolve Allocation State 'Disable' to a supported state"],
    ['a bad allocation state', 'updatePod', () => ({ id: pod1, allocationstate: 'Closed' }), 431, 4350, "Unable to resolve Allocation State 'Closed' to a supported state"],
    ['a bad allocation state', 'updateZone', () => ({ id: zone1, allocationstate: 'Closed' }), 431, 4350, "Unable to resolve Allocation State 'Closed' to a supported state"],
    ['a name another zone has', 'updateZone', () => ({ id: other.zone.id, name: 'Zone1' }), 431, 4350, 'A zone with that name already exists. Please specify a unique zone name.'],

    ['no id', 'deleteHost', () => ({ forced: true }), 431, 9999, 'Unable to execute API command deletehost due to missing parameter id'],
    ['an unknown host', 'deleteHost', () => ({ id: unknown, forced: true }), 431, 9999, notFound('deleteHost', 'id', unknown)],

    ['a type that is no integer', 'listCapacity', () => ({ type: 'cpu' }), 431, 4350, 'Unable to execute API command listcapacity due to invalid value cpu for parameter type'],
    ['an unknown sort order', 'listCapacity', () => ({ sortby: 'name' }), 431, 4350, 'Only value supported for sortBy parameter is : usage'],
    ['an unknown zone', 'listCapacity', () => ({ zoneid: unknown }), 431, 9999, notFound('listCapacity', 'zoneid', unknown)],
    ['an unknown OS category', 'listOsTypes', () => ({ oscategoryid: unknown }), 431, 9999, notFound('listOsTypes', 'oscategoryid', unknown)],
    ['an unknown OS category', 'listOsCategories', () => ({ id: unknown }), 431, 9999, notFound('listOsCategories', 'id', unknown)],
  ];

  it.each(cases)('refuses %s to %s', async (_, command, params, errorcode, cserrorcode, errortext) => {
    // Act
    const reply = await env.admin.call(command, params());

    // Assess
    expect(reply.status).toBe(errorcode);
    expect(Object.keys(reply.body)).toEqual([`${command.toLowerCase()}response`]);
    expect(reply.data).toMatchObject({ uuidList: [], errorcode, cserrorcode });
    if (errortext instanceof RegExp) expect(reply.data.errortext).toMatch(errortext);
    else expect(reply.data.errortext).toBe(typeof errortext === 'function' ? errortext() : errortext);
  });

  it('answers Enable on an enabled host with the host as it was, as CloudStack does', async () => {
    const reply = await env.admin.call('updateHost', { id: simhost(), allocationstate: 'Enable' });
    expect(reply.status).toBe(200);
    expect((reply.data.host as Obj).resourcestate).toBe('Enabled');
  });

  const simhost = () => env.stack.hosts[0].hostId;
});
