import { randomUUID } from 'node:crypto';
import { createStore } from '../../../functions/store';
import { startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The catalogue kinds through the one listing mechanism, over signed HTTP: CloudStack's orders
 * (creation order; networks newest first; domains by path), pages past the first, totals, and the
 * filters CloudStack applies (names compared case-insensitively where its collation does).
 */
describe('catalogue lists end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  const names = (items: Obj[] | undefined) => (items ?? []).map((i) => i.name as string);

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
  });
  afterAll(() => env.stop());

  it('lists offerings in creation order, so the first is the smallest, and pages them with the total', async () => {
    // Act
    const all = await env.admin.ok('listServiceOfferings', {});
    const second = await env.admin.ok('listServiceOfferings', { page: 2, pagesize: 2 });
    const keyword = await env.admin.ok('listServiceOfferings', { keyword: 'LARGE' });
    const system = await env.admin.ok('listServiceOfferings', { issystem: true });

    // Assess
    expect(names(all.serviceoffering as Obj[])).toEqual(['Small Instance', 'Medium Instance', 'Large Instance', 'Custom Instance']);
    expect(all.count).toBe(4);
    expect(names(second.serviceoffering as Obj[])).toEqual(['Large Instance', 'Custom Instance']);
    expect(second.count).toBe(4);
    expect(names(keyword.serviceoffering as Obj[])).toEqual(['Large Instance']);
    expect(system.count ?? 0).toBe(0);
  });

  it('matches a name whole and case-insensitively, as CloudStack\'s MySQL collation does (Terraform finds "small instance")', async () => {
    const zone = ((await env.admin.ok('listZones', {})).zone as Obj[])[0];
    const template = ((await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0];
    expect(names((await env.admin.ok('listServiceOfferings', { name: 'small instance' })).serviceoffering as Obj[])).toEqual(['Small Instance']);
    expect((await env.admin.ok('listServiceOfferings', { name: 'small' })).count ?? 0).toBe(0); // whole names only
    expect(names((await env.admin.ok('listZones', { name: String(zone.name).toUpperCase() })).zone as Obj[])).toEqual([zone.name]);
    expect(names((await env.admin.ok('listTemplates', { templatefilter: 'executable', name: String(template.name).toLowerCase() })).template as Obj[])).toEqual([template.name]);
    const host = ((await env.admin.ok('listHosts', {})).host as Obj[])[0];
    expect(names((await env.admin.ok('listHosts', { name: String(host.name).toUpperCase() })).host as Obj[])).toEqual([host.name]);
  });

  it('applies the offering, template and zone filters CloudStack applies, and refuses the ones Stratus lacks', async () => {
    const offerings = async (params: Record<string, string | number | boolean>) => names((await env.admin.ok('listServiceOfferings', params)).serviceoffering as Obj[]);
    expect(await offerings({ cpunumber: 4 })).toEqual(['Large Instance', 'Custom Instance']);
    expect(await offerings({ cpunumber: 1, memory: 1024 })).toEqual(['Medium Instance', 'Custom Instance']);
    expect(await offerings({ cpuspeed: 2000 })).toEqual(['Large Instance', 'Custom Instance']);
    expect(await offerings({ state: 'Inactive' })).toEqual([]);
    expect(await offerings({ state: 'all' })).toHaveLength(4);
    expect(await offerings({ storagetype: 'local' })).toEqual([]);
    const bounded = (await env.admin.ok('createServiceOffering', { name: 'Bounded', displaytext: 'Bounded', customized: true, cpuspeed: 1000, mincpunumber: 2, maxcpunumber: 4, minmemory: 1024, maxmemory: 4096 })).serviceoffering as Obj;
    expect(await offerings({ cpunumber: 3 })).toEqual(['Custom Instance', 'Bounded']);
    expect(await offerings({ cpunumber: 8 })).toEqual(['Custom Instance']);
    const small = ((await env.admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[])[0];
    const zone = ((await env.admin.ok('listZones', {})).zone as Obj[])[0];
    const template = ((await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0];
    const vm = await env.admin.ok('deployVirtualMachine', { serviceofferingid: small.id, templateid: template.id, zoneid: zone.id, startvm: false });
    await env.admin.waitForJob(vm.jobid as string);
    expect(await offerings({ virtualmachineid: vm.id as string })).toEqual(['Medium Instance', 'Large Instance', 'Custom Instance', 'Bounded']);
    // The fields clients read that CloudStack's objects carry (audit rows 12-14).
    expect(((await env.admin.ok('listVirtualMachines', { id: vm.id as string })).virtualmachine as Obj[])[0]).toMatchObject({ templatetype: 'USER', templateformat: template.format, vmtype: 'User', boottype: 'BIOS', bootmode: 'LEGACY', hasannotations: false });
    expect(template).toMatchObject({ accountid: expect.any(String), arch: 'x86_64', requireshvm: true, directdownload: false });
    expect(((await env.admin.ok('listHosts', {})).host as Obj[])[0]).toMatchObject({ arch: 'x86_64', capabilities: 'hvm', islocalstorageactive: false });
    expect(small).toMatchObject({ state: 'Active', encryptroot: false, iscustomizediops: false });
    expect((await env.admin.call('listServiceOfferings', { domainid: zone.id })).status).toBe(431);
    await env.admin.ok('deleteServiceOffering', { id: bounded.id });

    expect(names((await env.admin.ok('listTemplates', { templatefilter: 'executable', ids: template.id })).template as Obj[])).toEqual([template.name]);
    expect((await env.admin.ok('listTemplates', { templatefilter: 'executable', isready: true })).count).toBeGreaterThanOrEqual(1);
    expect((await env.admin.ok('listTemplates', { templatefilter: 'executable', templatetype: 'SYSTEM' })).count ?? 0).toBe(0);
    expect((await env.admin.ok('listTemplates', { templatefilter: 'executable', templatetype: 'USER' })).count).toBeGreaterThanOrEqual(1);

    expect((await env.admin.ok('listZones', { networktype: 'basic' })).count ?? 0).toBe(0);
    const advanced = ((await env.admin.ok('listZones', { networktype: 'Advanced', id: zone.id })).zone as Obj[])[0];
    expect(advanced).toMatchObject({ id: zone.id, type: 'Core' });
    const user = await env.admin.ok('listZones', { id: zone.id });
    expect(user.count).toBe(1);
    expect((await env.admin.call('listZones', { available: false })).status).toBe(431);
  });

  it('lists zones, pods and clusters in creation order, narrowed by their zone and pod', async () => {
    // Arrange: names against their creation order
    const zb = (await env.admin.ok('createZone', { name: 'zz-late', networktype: 'Advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2' })).zone as Obj;
    const za = (await env.admin.ok('createZone', { name: 'aa-later', networktype: 'Advanced', dns1: '8.8.8.8', internaldns1: '10.0.0.2' })).zone as Obj;
    // The root admin's list shows a zone's DNS servers, as ListZonesCmdByAdmin's full view (Terraform's cloudstack_zone reads them).
    expect(((await env.admin.ok('listZones', { id: za.id })).zone as Obj[])[0]).toMatchObject({ dns1: '8.8.8.8', internaldns1: '10.0.0.2' });
    const pod = (n: string, net: number) => ({ zoneid: zb.id, name: n, gateway: `192.168.${net}.1`, netmask: '255.255.255.0', startip: `192.168.${net}.10`, endip: `192.168.${net}.20` });
    const p2 = (await env.admin.ok('createPod', pod('pod-z', 201))).pod as Obj;
    const p1 = (await env.admin.ok('createPod', pod('pod-a', 202))).pod as Obj;
    const cluster = (podid: string, clustername: string) => env.admin.ok('addCluster', { zoneid: zb.id, podid, clustername, hypervisor: 'Simulator', clustertype: 'CloudManaged' });
    await cluster(p2.id, 'c-z');
    await cluster(p2.id, 'c-a');
    await cluster(p1.id, 'c-m');

    // Act
    const zones = await env.admin.ok('listZones', {});
    const zonePage = await env.admin.ok('listZones', { page: 3, pagesize: 1 });
    const byName = await env.admin.ok('listZones', { name: 'aa-later' });
    const pods = await env.admin.ok('listPods', { zoneid: zb.id });
    const clustersOfPod = await env.admin.ok('listClusters', { podid: p2.id });
    const clustersOfZone = await env.admin.ok('listClusters', { zoneid: zb.id });
    const oneCluster = await env.admin.ok('listClusters', { zoneid: za.id, podid: p2.id });

    // Assess
    expect(names(zones.zone as Obj[])).toEqual([env.stack.seed.zone.name, 'zz-late', 'aa-later']);
    expect([names(zonePage.zone as Obj[]), zonePage.count]).toEqual([['aa-later'], 3]);
    expect(names(byName.zone as Obj[])).toEqual(['aa-later']);
    expect([names(pods.pod as Obj[]), pods.count]).toEqual([['pod-z', 'pod-a'], 2]);
    expect(names(clustersOfPod.cluster as Obj[])).toEqual(['c-z', 'c-a']);
    expect([names(clustersOfZone.cluster as Obj[]), clustersOfZone.count]).toEqual([['c-z', 'c-a', 'c-m'], 3]);
    expect(oneCluster.count ?? 0).toBe(0);
  });

  it('lists a cross-zone template once per zone, paged over the rows, and once in a named zone', async () => {
    // Act
    const zones = ((await env.admin.ok('listZones', {})).zone as Obj[]).map((z) => z.id as string);
    const all = await env.admin.ok('listTemplates', { templatefilter: 'featured' });
    const second = await env.admin.ok('listTemplates', { templatefilter: 'featured', page: 2, pagesize: 1 });
    const inZone = await env.admin.ok('listTemplates', { templatefilter: 'featured', zoneid: zones[1] });
    const self = await env.admin.ok('listTemplates', { templatefilter: 'community' });

    // Assess
    expect((all.template as Obj[]).map((t) => t.zoneid)).toEqual(zones);
    expect(all.count).toBe(zones.length);
    expect([(second.template as Obj[]).map((t) => t.zoneid), second.count]).toEqual([[zones[1]], zones.length]);
    expect([(inZone.template as Obj[]).map((t) => t.zoneid), inZone.count]).toEqual([[zones[1]], 1]);
    expect(self.count ?? 0).toBe(0);
  });

  it('lists networks newest first, as CloudStack does', async () => {
    // Arrange: Stratus has no createNetwork yet; a second shared network through the store.
    const zoneId = env.stack.seed.zone.id;
    await createStore().inventory.putNetwork({
      id: randomUUID(),
      name: 'guestnet-newer',
      displayText: 'A newer shared network',
      zoneId,
      type: 'Shared',
      cidr: '10.9.0.0/24',
      gateway: '10.9.0.1',
      netmask: '255.255.255.0',
      domainId: env.stack.seed.admin.caller.domainId,
      created: new Date().toISOString(),
    });

    // Act
    const networks = await env.admin.ok('listNetworks', { zoneid: zoneId });
    const isolated = await env.admin.ok('listNetworks', { type: 'isolated' });

    // Assess
    expect(names(networks.network as Obj[])).toEqual(['guestnet-newer', 'guestnet1']);
    expect(networks.count).toBe(2);
    expect(isolated.count ?? 0).toBe(0);
  });

  it('lists domains in path order, accounts and users in creation order, with names compared case-insensitively', async () => {
    // Arrange
    const b = (await env.admin.ok('createDomain', { name: 'bravo' })).domain as Obj;
    const a = (await env.admin.ok('createDomain', { name: 'alpha' })).domain as Obj;
    await env.admin.ok('createDomain', { name: 'inner', parentdomainid: a.id });
    const account = (name: string, domainid: string, accounttype = 0) =>
      env.admin.ok('createAccount', { accounttype, username: name, email: `${name}@example.test`, firstname: 'Fiona', lastname: 'Tester', password: 'secret-1', domainid });
    await account('zed', b.id);
    await account('abe', b.id, 2);

    // Act
    const domains = await env.admin.ok('listDomains', {});
    const level1 = await env.admin.ok('listDomains', { level: 1 });
    const byName = await env.admin.ok('listDomains', { name: 'ALPHA' });
    const accounts = await env.admin.ok('listAccounts', { domainid: b.id });
    const zed = await env.admin.ok('listAccounts', { listall: true, name: 'ZED' });
    const admins = await env.admin.ok('listAccounts', { listall: true, accounttype: 2 });
    const users = await env.admin.ok('listUsers', { domainid: b.id });
    const userByName = await env.admin.ok('listUsers', { listall: true, username: 'Zed' });
    const adminUsers = await env.admin.ok('listUsers', { domainid: b.id, accounttype: 2 });

    // Assess
    expect(names(domains.domain as Obj[])).toEqual(['ROOT', 'alpha', 'inner', 'bravo']);
    expect([names(level1.domain as Obj[]), level1.count]).toEqual([['alpha', 'bravo'], 2]);
    expect(names(byName.domain as Obj[])).toEqual(['alpha']);
    expect([names(accounts.account as Obj[]), accounts.count]).toEqual([['zed', 'abe'], 2]);
    expect(names(zed.account as Obj[])).toEqual(['zed']);
    expect(names(admins.account as Obj[])).toEqual(['abe']);
    expect([(users.user as Obj[]).map((u) => u.username), users.count]).toEqual([['zed', 'abe'], 2]);
    expect((userByName.user as Obj[]).map((u) => u.username)).toEqual(['zed']);
    expect((adminUsers.user as Obj[]).map((u) => u.username)).toEqual(['abe']);
  });

  it('lists affinity groups in creation order and pages them', async () => {
    // Arrange
    for (const name of ['zz-group', 'aa-group', 'mm-group']) {
      const { jobid } = (await env.admin.ok('createAffinityGroup', { name, type: 'host anti-affinity' })) as { jobid: string };
      await env.admin.waitForJob(jobid);
    }

    // Act
    const groups = await env.admin.ok('listAffinityGroups', {});
    const page = await env.admin.ok('listAffinityGroups', { page: 2, pagesize: 2 });
    const one = await env.admin.ok('listAffinityGroups', { name: 'aa-group' });

    // Assess
    expect(names(groups.affinitygroup as Obj[])).toEqual(['zz-group', 'aa-group', 'mm-group']);
    expect([names(page.affinitygroup as Obj[]), page.count]).toEqual([['mm-group'], 3]);
    expect(names(one.affinitygroup as Obj[])).toEqual(['aa-group']);
  });

  it('lists ISOs apart from templates: listIsos the catalogue items of format ISO, listTemplates the others', async () => {
    // Prepare: the catalogue has no ISO until registerIso exists; one written as the inventory keeps it
    const template = ((await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0];
    const none = await env.admin.ok('listIsos', {});
    const stored = await createStore().inventory.getTemplate(template.id as string);
    // In one zone (a cross-zone image is listed once per zone, as CloudStack lists it).
    const iso = { ...stored!, id: randomUUID(), name: 'rescue.iso', displayText: 'Rescue CD', format: 'ISO' as const, zoneId: template.zoneid as string, created: new Date().toISOString() };
    delete iso.version;
    await createStore().inventory.putTemplate(iso);

    // Act
    const isos = await env.admin.ok('listIsos', { isofilter: 'executable' });
    const byZone = await env.admin.ok('listIsos', { zoneid: template.zoneid as string });
    const notBootable = await env.admin.ok('listIsos', { bootable: false });
    const templates = await env.admin.ok('listTemplates', { templatefilter: 'executable' });

    // Assess
    expect(none).toEqual({});
    expect([names(isos.iso as Obj[]), isos.count]).toEqual([['rescue.iso'], 1]);
    expect((isos.iso as Obj[])[0]).toMatchObject({ id: iso.id, format: 'ISO', displaytext: 'Rescue CD', zoneid: template.zoneid });
    expect(names(byZone.iso as Obj[])).toEqual(['rescue.iso']);
    expect(notBootable).toEqual({});
    expect(names(templates.template as Obj[])).not.toContain('rescue.iso');
  });
});
