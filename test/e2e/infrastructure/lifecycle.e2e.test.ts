import { randomBytes } from 'node:crypto';
import type { Caller } from '../../../core/entities';
import { stableId } from '../../../core/ids';
import { CloudStackClient } from '../../../local/cloudstack-client';
import { createStore } from '../../../functions/store';
import { catalogue, startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MIB = 1024 * 1024;

/**
 * An administrator builds a zone through the API (zone -> pod -> cluster -> addHost), starts the
 * host's agent with the returned token, deploys into the new zone, reads listCapacity, disables
 * the host and deletes one. Everything runs against the real local stack; the only thing made
 * through the store is the new zone's guest network, for which Stratus has no command yet.
 */
describe('infrastructure administration end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let zone: Obj;
  let pod: Obj;
  let cluster: Obj;
  let host: Obj;
  let vmId: string;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!;
  const capacity = async (params: Record<string, string | number> = {}) =>
    new Map((((await env.admin.ok('listCapacity', { zoneid: zone.id, ...params })).capacity as Obj[]) ?? []).map((c) => [c.type as number, c]));
  const deploy = async (name: string) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small().id, templateid: cat.templateid, zoneid: zone.id, name })) as { jobid: string; id: string };
    return { id, job: await env.admin.waitForJob(jobid) };
  };

  it('creates a zone, a pod and a cluster, and refuses a second zone of the same name', async () => {
    // Act
    zone = (await env.admin.ok('createZone', { name: 'edge-zone', networktype: 'advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2', guestcidraddress: '10.20.0.0/16', allocationstate: 'Enabled' })).zone as Obj;
    pod = (await env.admin.ok('createPod', { zoneid: zone.id, name: 'edge-pod', gateway: '192.168.100.1', netmask: '255.255.255.0', startip: '192.168.100.10', endip: '192.168.100.200' })).pod as Obj;
    const added = await env.admin.ok('addCluster', { zoneid: zone.id, podid: pod.id, clustername: 'edge-cluster', hypervisor: 'Simulator', clustertype: 'CloudManaged' });
    cluster = (added.cluster as Obj[])[0];
    const again = await env.admin.call('createZone', { name: 'EDGE-ZONE', networktype: 'Basic', dns1: '8.8.8.8', internaldns1: '10.0.0.2' });

    // Assess
    expect(zone).toMatchObject({ name: 'edge-zone', networktype: 'Advanced', allocationstate: 'Enabled', dns1: '8.8.8.8', internaldns1: '10.0.0.2', guestcidraddress: '10.20.0.0/16' });
    expect(pod).toMatchObject({ zoneid: zone.id, zonename: 'edge-zone', gateway: '192.168.100.1', netmask: '255.255.255.0', startip: ['192.168.100.10'], endip: ['192.168.100.200'], allocationstate: 'Enabled' });
    expect(added.count).toBe(1);
    expect(cluster).toMatchObject({ name: 'edge-cluster', zoneid: zone.id, podid: pod.id, podname: 'edge-pod', hypervisortype: 'Simulator', clustertype: 'CloudManaged', allocationstate: 'Enabled' });
    expect(again.status).toBe(431);
    expect(again.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: 'A zone with that name already exists. Please specify a unique zone name.' });
    expect(((await env.admin.ok('listZones', { id: zone.id })).zone as Obj[])[0].name).toBe('edge-zone');
    expect(((await env.admin.ok('listClusters', { podid: pod.id })).cluster as Obj[]).map((c) => c.id)).toEqual([cluster.id]);
  });

  it('adds a host Connecting with a registration token; its agent registers with it and the host comes Up with its capacity', async () => {
    // Act
    const reply = await env.admin.ok('addHost', {
      zoneid: zone.id,
      podid: pod.id,
      clusterid: cluster.id,
      url: 'http://edge-host-1',
      username: 'root',
      password: 'very-secret-password',
      hypervisor: 'Simulator',
      hosttags: 'fast,ssd',
    });
    const added = (reply.host as Obj[])[0];
    await env.stack.startSimAgent(added.registrationtoken, 'edge-host-1', { cpuNumber: 4, cpuSpeed: 2000, memoryTotal: 8192 });
    host = ((await env.admin.ok('listHosts', { id: added.id })).host as Obj[])[0];

    // Assess
    expect(reply.count).toBe(1);
    expect(added).toMatchObject({ name: 'edge-host-1', state: 'Connecting', resourcestate: 'Enabled', clusterid: cluster.id, zonename: 'edge-zone', hosttags: 'fast,ssd', cpunumber: 0 });
    expect(added.registrationtoken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(reply)).not.toContain('very-secret-password');
    expect(host).toMatchObject({ state: 'Up', cpunumber: 4, cpuspeed: 2000, memorytotal: 8192 * MIB, hosttags: 'fast,ssd' });
    expect(host.registrationtoken).toBeUndefined();
    // The token is spent: a second agent cannot register with it.
    await expect(env.stack.startSimAgent(added.registrationtoken, 'impostor')).rejects.toThrow();
  });

  it('counts the host in listCapacity, and a VM deployed in the new zone in its used capacity', async () => {
    // Prepare: the zone's guest network (no createNetwork command yet) and the empty capacity.
    await createStore().inventory.putNetwork({
      id: stableId('network', 'edge-guest'),
      name: 'edge-guest',
      displayText: 'Shared guest network of edge-zone',
      zoneId: zone.id,
      type: 'Shared',
      cidr: '10.20.1.0/24',
      gateway: '10.20.1.1',
      netmask: '255.255.255.0',
      domainId: stableId('domain', 'ROOT'),
      created: new Date().toISOString(),
    });
    // and its primary storage, as an operator adds it after the cluster's first host
    await env.admin.ok('createStoragePool', { zoneid: zone.id, podid: pod.id, clusterid: cluster.id, name: 'edge-primary', url: 'nfs://10.20.0.5/export/edge', capacitybytes: 2 ** 40 });
    const before = await capacity();

    // Act
    const { id, job } = await deploy('edge-vm-1');
    vmId = id;
    const after = await capacity();
    const byPod = (await env.admin.ok('listCapacity', { zoneid: zone.id, sortby: 'usage' })).capacity as Obj[];

    // Assess
    expect(before.get(0)).toMatchObject({ name: 'MEMORY', zoneid: zone.id, zonename: 'edge-zone', capacityused: 0, capacitytotal: 8192 * MIB, percentused: '0' });
    expect(before.get(1)).toMatchObject({ name: 'CPU', capacityused: 0, capacitytotal: 8000, percentused: '0' });
    expect(job).toMatchObject({ jobstatus: 1 });
    expect((job.jobresult as Obj).virtualmachine).toMatchObject({ state: 'Running', hostid: host.id, zoneid: zone.id });
    expect(after.get(0)).toMatchObject({ capacityused: 512 * MIB, capacitytotal: 8192 * MIB, percentused: '6.25' });
    expect(after.get(1)).toMatchObject({ capacityused: 500, capacitytotal: 8000, percentused: '6.25' });
    expect(byPod.map((c) => [c.type, c.podid, c.podname])).toEqual(
      expect.arrayContaining([
        [0, pod.id, 'edge-pod'],
        [1, pod.id, 'edge-pod'],
      ]),
    );
    // Zone1's own numbers are not mixed in.
    const all = (await env.admin.ok('listCapacity', { type: 1 })).capacity as Obj[];
    expect(all.map((c) => c.zonename).sort()).toEqual(['edge-zone', 'zone1']);
  });

  it('updates a host: tags, OS preference and annotation; disabled, deploys skip it and the error names it', async () => {
    // Prepare
    const categories = (await env.admin.ok('listOsCategories', { name: 'Windows' })).oscategory as Obj[];

    // Act
    const updated = (await env.admin.ok('updateHost', { id: host.id, hosttags: 'fast', oscategoryid: categories[0].id, annotation: 'rack 7, slot 3' })).host as Obj;
    const disabled = (await env.admin.ok('updateHost', { id: host.id, allocationstate: 'Disable' })).host as Obj;
    const refused = await deploy('edge-vm-2');

    // Assess
    expect(updated).toMatchObject({ hosttags: 'fast', oscategoryid: categories[0].id, oscategoryname: 'Windows', annotation: 'rack 7, slot 3', hasannotations: true, resourcestate: 'Enabled' });
    expect(disabled).toMatchObject({ resourcestate: 'Disabled', hosttags: 'fast', cpuallocatedvalue: 500 });
    expect(refused.job).toMatchObject({ jobstatus: 2, jobresultcode: 533 });
    expect((refused.job.jobresult as Obj).errortext).toContain('edge-host-1');
    expect((refused.job.jobresult as Obj).errortext).toMatch(/Disabled/);
    // A disabled host's capacity is disabled too: listCapacity no longer counts it.
    expect((await capacity()).size).toBe(0);

    // Enabled again, it takes VMs again.
    await env.admin.ok('updateHost', { id: host.id, allocationstate: 'Enable' });
    expect((await capacity()).get(1)).toMatchObject({ capacityused: 500, capacitytotal: 8000 });
  });

  it('refuses to delete a host holding a VM, or one not in maintenance unless forced; deletes an empty one', async () => {
    // Prepare: a second host, empty.
    const added = ((await env.admin.ok('addHost', { zoneid: zone.id, podid: pod.id, clustername: 'edge-cluster', url: 'http://edge-host-2', username: 'root', password: 'pw', hypervisor: 'simulator' })).host as Obj[])[0];
    const agent = await env.stack.startSimAgent(added.registrationtoken, 'edge-host-2', { cpuNumber: 2, cpuSpeed: 1000, memoryTotal: 2048 });

    // Act
    const busy = await env.admin.call('deleteHost', { id: host.id, forced: true });
    const notInMaintenance = await env.admin.call('deleteHost', { id: added.id });
    await agent.agent.stop(); // as an operator stops cloud-agent before removing a KVM host
    const deleted = await env.admin.call('deleteHost', { id: added.id, forced: true });

    // Assess
    expect(added.clusterid).toBe(cluster.id); // clustername found the existing cluster
    expect(busy.status).toBe(530);
    expect(busy.data.errortext).toMatch(/^Unable to delete the host as there are vms in Running state using this host/);
    expect(notInMaintenance.status).toBe(530);
    expect(notInMaintenance.data).toMatchObject({
      errorcode: 530,
      cserrorcode: 4250,
      errortext: `Host ${added.id} cannot be deleted as it is not in maintenance mode. Either put the host into maintenance or perform a forced deletion.`,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deletehostresponse: { success: true } });
    expect((await env.admin.ok('listHosts', { zoneid: zone.id })).host as Obj[]).toEqual([expect.objectContaining({ id: host.id })]);
    expect(((await env.admin.ok('listVirtualMachines', { id: vmId })).virtualmachine as Obj[])[0]).toMatchObject({ state: 'Running', hostid: host.id });
    // The deleted host's name is free again.
    const readded = await env.admin.call('addHost', { zoneid: zone.id, podid: pod.id, clusterid: cluster.id, url: 'http://edge-host-2', username: 'root', password: 'pw', hypervisor: 'Simulator' });
    expect(readded.status).toBe(200);
    const duplicate = await env.admin.call('addHost', { zoneid: zone.id, podid: pod.id, clusterid: cluster.id, url: 'http://edge-host-2', username: 'root', password: 'pw', hypervisor: 'Simulator' });
    expect(duplicate.status).toBe(530);
    expect(duplicate.data.errortext).toContain('host edge-host-2 is already in the database');
  });

  it('changes allocation states and names of clusters, pods and zones', async () => {
    const c = (await env.admin.ok('updateCluster', { id: cluster.id, allocationstate: 'Disabled', clustername: 'edge-cluster-a' })).cluster as Obj;
    const p = (await env.admin.ok('updatePod', { id: pod.id, allocationstate: 'Disabled' })).pod as Obj;
    const z = (await env.admin.ok('updateZone', { id: zone.id, name: 'edge-zone-a', allocationstate: 'Disabled' })).zone as Obj;
    const clash = await env.admin.call('updateZone', { id: zone.id, name: 'zone1' });

    expect(c).toMatchObject({ id: cluster.id, name: 'edge-cluster-a', allocationstate: 'Disabled' });
    expect(p).toMatchObject({ id: pod.id, allocationstate: 'Disabled' });
    expect(z).toMatchObject({ id: zone.id, name: 'edge-zone-a', allocationstate: 'Disabled' });
    expect(clash.data).toMatchObject({ errorcode: 431, errortext: 'A zone with that name already exists. Please specify a unique zone name.' });
    expect(((await env.admin.ok('listZones', { id: zone.id })).zone as Obj[])[0]).toMatchObject({ name: 'edge-zone-a', allocationstate: 'Disabled' });
  });

  it('lists the OS catalogue to every role, with the seeded template OS type in it', async () => {
    const user = await clientFor('user');
    const template = ((await env.admin.ok('listTemplates', { templatefilter: 'executable', id: cat.templateid })).template as Obj[])[0];

    const types = (await user.ok('listOsTypes', { id: template.ostypeid })).ostype as Obj[];
    const debian = (await user.ok('listOsCategories', { name: 'Debian' })).oscategory as Obj[];
    const inDebian = (await user.ok('listOsTypes', { oscategoryid: debian[0].id })).ostype as Obj[];

    expect(types).toEqual([{ id: template.ostypeid, name: template.ostypename, description: template.ostypename, oscategoryid: debian[0].id, oscategoryname: 'Debian', isuserdefined: false, fordisplay: true }]);
    expect(inDebian.map((t) => t.description)).toEqual(expect.arrayContaining(['Debian GNU/Linux 12 (64-bit)', 'Debian GNU/Linux 11 (64-bit)']));
    expect(inDebian.every((t) => t.oscategoryname === 'Debian')).toBe(true);
  });

  it.each([
    ['createZone', { name: 'z', networktype: 'Advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2' }],
    ['createPod', { zoneid: stableId('zone', 'zone1'), name: 'p', gateway: '10.9.0.1', netmask: '255.255.255.0', startip: '10.9.0.10' }],
    ['addCluster', { zoneid: stableId('zone', 'zone1'), podid: stableId('pod', 'pod1'), clustername: 'c', hypervisor: 'KVM', clustertype: 'CloudManaged' }],
    ['addHost', { zoneid: stableId('zone', 'zone1'), podid: stableId('pod', 'pod1'), url: 'http://x', hypervisor: 'KVM', username: 'root' }],
    ['updateHost', { id: stableId('zone', 'zone1'), allocationstate: 'Disable' }],
    ['updateCluster', { id: stableId('cluster', 'cluster1'), allocationstate: 'Disabled' }],
    ['updatePod', { id: stableId('pod', 'pod1'), allocationstate: 'Disabled' }],
    ['updateZone', { id: stableId('zone', 'zone1'), allocationstate: 'Disabled' }],
    ['deleteHost', { id: stableId('zone', 'zone1'), forced: true }],
    ['listCapacity', {}],
  ])('refuses %s to a domain admin and a user with the 401 CloudStack gives for a command the role may not call', async (command, params) => {
    for (const role of ['domainAdmin', 'user'] as const) {
      const reply = await (await clientFor(role)).call(command, params);
      expect(reply.status).toBe(401);
      expect(reply.data).toEqual({ uuidList: [], errorcode: 401, errortext: `The given command '${command}' either does not exist, is not available for user.` });
    }
    expect(((await env.admin.ok('listZones', { id: stableId('zone', 'zone1') })).zone as Obj[])[0].allocationstate).toBe('Enabled');
  });

  /** A signed client for a non-root caller of the ROOT domain (the key made through the store, as the bootstrap makes the admin's). */
  const clients = new Map<string, CloudStackClient>();
  async function clientFor(role: 'domainAdmin' | 'user'): Promise<CloudStackClient> {
    const known = clients.get(role);
    if (known) return known;
    const caller: Caller = {
      userId: stableId('user', `infra-${role}`),
      username: `infra-${role}`,
      accountId: stableId('account', `infra-${role}`),
      accountName: `infra-${role}`,
      domainId: stableId('domain', 'ROOT'),
      domainPath: 'ROOT',
      role,
    };
    const apiKey = randomBytes(32).toString('base64url');
    const secretKey = randomBytes(32).toString('base64url');
    await createStore().credentials.put(apiKey, secretKey, caller);
    const client = new CloudStackClient(env.stack.apiUrl, apiKey, secretKey);
    clients.set(role, client);
    return client;
  }
});
