import { randomUUID } from 'node:crypto';
import type { CloudStackClient } from '../../../local/cloudstack-client';
import { createStore } from '../../../functions/store';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The synchronous side of scaling through signed HTTP on three small simulated hosts (4 x 1 GHz,
 * 4 GiB): custom offerings, the offline offering change and what its next start runs, the flags live
 * scaling needs (VM and template), and findHostsForMigration on a cluster with a full and a
 * disabled host. The findHostsForMigration tests come first: they size a filler from the hosts' load.
 */
describe('offline scaling, scaling flags and migration targets', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;
  let hostId: Record<string, string>;
  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!.id;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 3, simHost: { cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 } });
    cat = await catalogue(env.admin);
    tenant = await createTenant(env, 'scaling');
    hostId = Object.fromEntries(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.id]));
  });
  afterAll(() => env.stop());

  /** Deploy and wait; the VM as the root admin's job result shows it. */
  async function deploy(params: Record<string, string | boolean>, as: CloudStackClient = tenant.user.client): Promise<Obj> {
    const submit = await as.ok('deployVirtualMachine', { serviceofferingid: offering('Small Instance'), templateid: cat.templateid, zoneid: cat.zoneid, ...params });
    const job = await env.admin.waitForJob(submit.jobid as string);
    expect(job).toMatchObject({ jobstatus: 1 });
    return (job.jobresult as Obj).virtualmachine as Obj;
  }
  const hostsByName = async () => Object.fromEntries(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h]));

  describe('findHostsForMigration', () => {
    let vm: Obj;

    beforeAll(async () => {
      // simhost-3 is filled to the last MHz by a custom VM; the VM to move runs on simhost-1.
      const free = (await hostsByName())['simhost-3'];
      const freeMhz = Number(free.cpuwithoverprovisioning) - (free.cpuallocatedvalue as number);
      await deploy(
        { serviceofferingid: offering('Custom Instance'), hostid: hostId['simhost-3'], 'details[0].cpuNumber': '1', 'details[0].cpuSpeed': String(freeMhz), 'details[0].memory': '512' },
        env.admin,
      );
      vm = await deploy({ hostid: hostId['simhost-1'] }, env.admin);
    });

    it('lists the other hosts of the cluster, flagging the full one and the disabled one with the reason', async () => {
      // Prepare
      await env.admin.ok('updateHost', { id: hostId['simhost-2'], allocationstate: 'Disable' });
      try {
        // Act
        const reply = await env.admin.call('findHostsForMigration', { virtualmachineid: vm.id });
        // Assess
        expect(reply.status).toBe(200);
        expect(Object.keys(reply.body)).toEqual(['findhostsformigrationresponse']);
        expect(reply.data.count).toBe(2);
        const hosts = reply.data.host as Obj[];
        expect(hosts.map((h) => h.name)).toEqual(['simhost-2', 'simhost-3']);
        expect(hosts[0]).toMatchObject({ id: hostId['simhost-2'], resourcestate: 'Disabled', suitableformigration: false, requiresStorageMotion: false, notsuitablereason: 'host simhost-2 is Disabled' });
        expect(hosts[1]).toMatchObject({ id: hostId['simhost-3'], state: 'Up', suitableformigration: false, requiresStorageMotion: false });
        expect(hosts[1].notsuitablereason).toMatch(/^host simhost-3 has 0 MHz CPU free, needs 500 /);
        // The fields listHosts shows are there too.
        expect(hosts[1]).toEqual(expect.objectContaining({ clusterid: env.stack.seed.cluster.id, cpuallocatedvalue: 4000, memorytotal: 4096 * 1024 * 1024, hypervisor: 'Simulator' }));
      } finally {
        await env.admin.ok('updateHost', { id: hostId['simhost-2'], allocationstate: 'Enable' });
      }
    });

    it('flags an enabled host with room as suitable, without a reason, and pages by keyword and pagesize', async () => {
      // Act
      const all = await env.admin.ok('findHostsForMigration', { virtualmachineid: vm.id });
      const byKeyword = await env.admin.ok('findHostsForMigration', { virtualmachineid: vm.id, keyword: 'host-3' });
      const page2 = await env.admin.ok('findHostsForMigration', { virtualmachineid: vm.id, page: 2, pagesize: 1 });
      // Assess
      const simhost2 = (all.host as Obj[]).find((h) => h.name === 'simhost-2')!;
      expect(simhost2).toMatchObject({ suitableformigration: true, requiresStorageMotion: false });
      expect(simhost2).not.toHaveProperty('notsuitablereason');
      expect(byKeyword).toMatchObject({ count: 1, host: [expect.objectContaining({ name: 'simhost-3' })] });
      expect(page2).toMatchObject({ count: 2, host: [expect.objectContaining({ name: 'simhost-3' })] });
    });

    it("refuses a VM that is not Running with CloudStack's error, and callers other than the root admin", async () => {
      // Prepare
      const stopped = await deploy({ startvm: false });
      // Act
      const reply = await env.admin.call('findHostsForMigration', { virtualmachineid: stopped.id });
      const asUser = await tenant.user.client.call('findHostsForMigration', { virtualmachineid: stopped.id });
      const missing = await env.admin.call('findHostsForMigration', {});
      // Assess
      expect(reply.status).toBe(431);
      expect(reply.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: 'VM is not Running, cannot migrate the vm with specified id' });
      expect(asUser.status).toBe(401);
      expect(missing.data.errortext).toBe('Unable to execute API command findhostsformigration due to missing parameter virtualmachineid');
    });

    it('refuses a VM on local storage: its disks cannot follow it', async () => {
      // Prepare
      const id = randomUUID();
      await createStore().inventory.putServiceOffering({ id, name: 'Small Local', displayText: 'Small Local', cpuNumber: 1, cpuSpeed: 500, memory: 512, offerHa: false, storageType: 'local', dynamicScalingEnabled: true, created: new Date().toISOString() });
      // Local storage on: each host gets its local pool, sized by its next heartbeat.
      await env.admin.ok('updateZone', { id: cat.zoneid, localstorageenabled: true });
      const localPool = async () => ((await env.admin.ok('listStoragePools', { hostid: hostId['simhost-2'], scope: 'host' })).storagepool as Obj[] | undefined)?.[0];
      for (let tries = 0; !((await localPool())?.disksizetotal > 0); tries++) {
        if (tries > 100) throw new Error('simhost-2 got no local storage pool');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await localPool()).toMatchObject({ type: 'Filesystem', scope: 'HOST', hostid: hostId['simhost-2'], name: 'simhost-2 Local Storage' });
      const local = await deploy({ serviceofferingid: id, hostid: hostId['simhost-2'] }, env.admin);
      expect((await env.admin.ok('listVolumes', { virtualmachineid: local.id, type: 'ROOT' })).volume).toEqual([expect.objectContaining({ storagetype: 'local', storageid: (await localPool())!.id })]);
      // Act
      const reply = await env.admin.call('findHostsForMigration', { virtualmachineid: local.id });
      // Assess
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe('Unsupported operation, VM uses Local storage, cannot migrate');
    });
  });

  describe('custom offerings', () => {
    // CloudStack's constrained custom offering: a speed of its own, the vCPUs and memory within bounds.
    let bounded = '';
    beforeAll(async () => {
      const created = (await env.admin.ok('createServiceOffering', { name: 'Bounded', customized: true, cpuspeed: 1000, mincpunumber: 1, maxcpunumber: 8, minmemory: 512, maxmemory: 16384 })).serviceoffering as Obj;
      bounded = created.id as string;
    });

    it('lists the seeded unconstrained custom offering with no size of its own, and a constrained one with its speed and bounds', async () => {
      const [custom] = (await tenant.user.client.ok('listServiceOfferings', { name: 'Custom Instance' })).serviceoffering as Obj[];
      // cpunumber and memory are libcloud's accommodation (CloudStack omits them): the lowest the offering allows.
      expect(custom).toMatchObject({ iscustomized: true, cpunumber: 1, memory: 32 });
      expect(custom).not.toHaveProperty('cpuspeed');
      expect(custom).not.toHaveProperty('serviceofferingdetails');
      const [constrained] = (await tenant.user.client.ok('listServiceOfferings', { id: bounded })).serviceoffering as Obj[];
      expect(constrained).toMatchObject({ iscustomized: true, cpuspeed: 1000, cpunumber: 1, memory: 512, serviceofferingdetails: { mincpunumber: '1', maxcpunumber: '8', minmemory: '512', maxmemory: '16384' } });
      const [small] = (await tenant.user.client.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[];
      expect(small).toMatchObject({ iscustomized: false, cpunumber: 1, cpuspeed: 500, memory: 512 });
      expect(small).not.toHaveProperty('serviceofferingdetails');
    });

    it.each<[string, 'Custom Instance' | 'Bounded', Record<string, string>, string]>([
      ['without details', 'Custom Instance', {}, 'Need to specify custom parameter values cpu, cpu speed and memory when using custom offering'],
      ['with too many vCPUs', 'Bounded', { 'details[0].cpuNumber': '9', 'details[0].memory': '1024' }, 'Invalid cpu cores value, specify a value between 1 and 8'],
      ['with too little memory', 'Bounded', { 'details[0].cpuNumber': '2', 'details[1].memory': '256' }, 'Invalid memory value, specify a value between 512 and 16384'],
      ['with a speed the offering fixes', 'Bounded', { 'details[0].cpuNumber': '2', 'details[0].cpuSpeed': '3000', 'details[1].memory': '1024' }, 'The cpu speed of this offering id:BOUNDED is not customizable. This is predefined in the template.'],
      ['without a speed', 'Custom Instance', { 'details[0].cpuNumber': '2', 'details[1].memory': '1024' }, 'Invalid cpu speed value, specify a value between 1 and 2147483647'],
    ])('refuses a deploy %s (431) before anything is created', async (_case, name, details, text) => {
      // Prepare
      const vmCount = async () => (((await tenant.user.client.ok('listVirtualMachines')).virtualmachine as Obj[] | undefined) ?? []).length;
      const before = await vmCount();
      const serviceofferingid = name === 'Bounded' ? bounded : offering(name);
      // Act
      const reply = await tenant.user.client.call('deployVirtualMachine', { serviceofferingid, templateid: cat.templateid, zoneid: cat.zoneid, startvm: false, ...details });
      // Assess
      expect(reply.status).toBe(431);
      expect(reply.data).toMatchObject({ errorcode: 431, cserrorcode: 4350, errortext: text.replace('BOUNDED', bounded) });
      expect(await vmCount()).toBe(before);
    });

    it('deploys at the size the details give, one key per index as the Go client sends them', async () => {
      // Act
      const vm = await deploy({ serviceofferingid: offering('Custom Instance'), startvm: false, 'details[0].cpuNumber': '2', 'details[1].cpuSpeed': '750', 'details[2].memory': '768' });
      const constrained = await deploy({ serviceofferingid: bounded, startvm: false, 'details[0].cpuNumber': '2', 'details[0].memory': '1024' });
      // Assess
      expect(vm).toMatchObject({ state: 'Stopped', serviceofferingname: 'Custom Instance', cpunumber: 2, cpuspeed: 750, memory: 768 });
      expect(vm.details).toMatchObject({ cpuNumber: '2', cpuSpeed: '750', memory: '768' });
      expect(constrained).toMatchObject({ serviceofferingname: 'Bounded', cpunumber: 2, cpuspeed: 1000, memory: 1024 });
    });
  });

  describe('changeServiceForVirtualMachine', () => {
    it("changes a Stopped VM's offering, records VM.UPGRADE, and its next start runs at the new size", async () => {
      // Prepare
      const vm = await deploy({ startvm: false });
      // Act
      const reply = await tenant.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: offering('Medium Instance') });
      // Assess
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body)).toEqual(['changeserviceforvirtualmachineresponse']);
      expect(reply.data.virtualmachine).toMatchObject({ id: vm.id, state: 'Stopped', serviceofferingid: offering('Medium Instance'), serviceofferingname: 'Medium Instance', cpunumber: 1, cpuspeed: 1000, memory: 1024 });
      const events = (await tenant.user.client.ok('listEvents', { type: 'VM.UPGRADE' })).event as Obj[];
      expect(events.find((e) => e.resourceid === vm.id)).toMatchObject({ level: 'INFO', state: 'Completed', username: tenant.user.username });

      const start = await tenant.user.client.ok('startVirtualMachine', { id: vm.id });
      const started = ((await env.admin.waitForJob(start.jobid as string)).jobresult as Obj).virtualmachine as Obj;
      expect(started).toMatchObject({ state: 'Running', cpuspeed: 1000, memory: 1024 });
      const host = env.stack.hosts.find((h) => h.name === started.hostname)!;
      expect(host.driver.domain(started.instancename as string)?.spec).toMatchObject({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });
    });

    it('re-sizes a VM within the same custom offering, and drops the custom size for a fixed one', async () => {
      // Prepare
      const custom = (((await env.admin.ok('listServiceOfferings', { name: 'Bounded' })).serviceoffering as Obj[])[0].id) as string;
      const vm = await deploy({ serviceofferingid: custom, startvm: false, 'details[0].cpuNumber': '1', 'details[0].memory': '512' });
      // Act
      const resized = (await tenant.user.client.ok('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: custom, 'details[0].cpuNumber': '4', 'details[0].memory': '2048' })).virtualmachine as Obj;
      const outOfBounds = await tenant.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: custom, 'details[0].cpuNumber': '4', 'details[0].memory': '32768' });
      const fixed = (await tenant.user.client.ok('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: offering('Small Instance') })).virtualmachine as Obj;
      // Assess
      expect(resized).toMatchObject({ cpunumber: 4, cpuspeed: 1000, memory: 2048, details: { cpuNumber: '4', memory: '2048' } });
      expect(outOfBounds.status).toBe(431);
      expect(outOfBounds.data.errortext).toBe('Invalid memory value, specify a value between 512 and 16384');
      expect(fixed).toMatchObject({ serviceofferingname: 'Small Instance', cpunumber: 1, cpuspeed: 500, memory: 512 });
      expect(fixed.details).not.toHaveProperty('cpuNumber');
    });

    it("refuses the VM's own fixed offering, an unknown offering, and another tenant's VM", async () => {
      // Prepare
      const vm = await deploy({ startvm: false });
      const instance = (((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0].instancename) as string;
      const unknown = randomUUID();
      const other = await createTenant(env, 'scaling-other');
      // Act
      const same = await tenant.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: offering('Small Instance') });
      const missing = await tenant.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: unknown });
      const foreign = await other.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: offering('Medium Instance') });
      // Assess
      expect(same.status).toBe(431);
      expect(same.data).toMatchObject({ cserrorcode: 4350, errortext: `Not upgrading vm VM[User|${instance}] since it already has the requested service offering (Small Instance)` });
      expect(missing.data.errortext).toContain(`Invalid parameter serviceofferingid value=${unknown} due to incorrect long value format, or entity does not exist`);
      expect(foreign.status).toBe(431);
      expect(foreign.data.errortext).toContain(`Invalid parameter id value=${vm.id}`);
    });

    it('refuses a Running VM with CloudStack\'s text and leaves it as it was', async () => {
      // Prepare
      const vm = await deploy({});
      // Act
      const reply = await tenant.user.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: offering('Medium Instance') });
      // Assess
      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(`Unable to upgrade virtual machine VM[User|${vm.instancename}]  in state Running; make sure the virtual machine is stopped`);
      const [after] = (await tenant.user.client.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[];
      expect(after).toMatchObject({ state: 'Running', serviceofferingname: 'Small Instance', memory: 512 });
    });
  });

  describe('the flags live scaling needs', () => {
    const template = () => cat.templateid;

    it('sets isdynamicallyscalable on a Stopped VM only, and only when the template, offering and setting allow it', async () => {
      // Prepare
      const running = await deploy({});
      const vm = await deploy({ startvm: false });
      // Act
      const whileRunning = await tenant.user.client.call('updateVirtualMachine', { id: running.id, isdynamicallyscalable: false });
      const cleared = (await tenant.user.client.ok('updateVirtualMachine', { id: vm.id, isdynamicallyscalable: false })).virtualmachine as Obj;
      const settingOff = await tenant.user.client.call('updateVirtualMachine', { id: vm.id, isdynamicallyscalable: true });
      await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'true' });
      const set = (await tenant.user.client.ok('updateVirtualMachine', { id: vm.id, isdynamicallyscalable: true })).virtualmachine as Obj;
      // Assess
      expect(running.isdynamicallyscalable).toBe(true); // never set: the template has tools and the offering allows it
      expect(whileRunning.status).toBe(431);
      expect(whileRunning.data.errortext).toContain('the VM must be Stopped; it is Running');
      expect(cleared.isdynamicallyscalable).toBe(false);
      expect(settingOff.status).toBe(431);
      expect(settingOff.data.errortext).toBe('Dynamic Scaling cannot be enabled for the VM since corresponding global setting is set to false');
      expect(set.isdynamicallyscalable).toBe(true);
    });

    it('updates a template as the root admin: tools, names, OS type; a VM of it can then not be made scalable', async () => {
      // Prepare
      const vm = await deploy({ startvm: false });
      const debian11 = ((await env.admin.ok('listOsTypes')).ostype as Obj[]).find((t) => t.name === 'Debian GNU/Linux 11 (64-bit)')!;
      try {
        // Act
        const reply = await env.admin.call('updateTemplate', { id: template(), isdynamicallyscalable: false, displaytext: 'no tools', ostypeid: debian11.id, passwordenabled: true });
        const refused = await tenant.user.client.call('updateVirtualMachine', { id: vm.id, isdynamicallyscalable: true });
        // Assess
        expect(reply.status).toBe(200);
        expect(Object.keys(reply.body)).toEqual(['updatetemplateresponse']);
        expect(reply.data.template).toMatchObject({ id: template(), isdynamicallyscalable: false, displaytext: 'no tools', ostypeid: debian11.id, ostypename: debian11.name, passwordenabled: true });
        const [listed] = (await tenant.user.client.ok('listTemplates', { templatefilter: 'executable', id: template() })).template as Obj[];
        expect(listed).toMatchObject({ isdynamicallyscalable: false, displaytext: 'no tools' });
        expect(refused.status).toBe(431);
        expect(refused.data.errortext).toBe('Dynamic Scaling cannot be enabled for the VM since its template does not have dynamic scaling enabled');
      } finally {
        await env.admin.ok('updateTemplate', { id: template(), isdynamicallyscalable: true, displaytext: 'Debian GNU/Linux 12 (64-bit), cloud image', ostypeid: vm.ostypeid, passwordenabled: false });
      }
    });

    it("lets a user update its own template, not the public one it does not own, and not see another's private one", async () => {
      // Prepare
      const store = createStore();
      const base = (await store.inventory.getTemplate(template()))!;
      const mine = { ...base, id: randomUUID(), name: 'mine', isPublic: false, isFeatured: false, accountId: tenant.user.accountId, domainId: tenant.domain.id, version: undefined };
      await store.inventory.putTemplate(mine);
      const other = await createTenant(env, 'scaling-third');
      // Act
      const own = await tenant.user.client.call('updateTemplate', { id: mine.id, name: 'mine-renamed', isdynamicallyscalable: false });
      const publicOne = await tenant.user.client.call('updateTemplate', { id: template(), name: 'taken' });
      const hidden = await other.user.client.call('updateTemplate', { id: mine.id, name: 'stolen' });
      const badOs = await tenant.user.client.call('updateTemplate', { id: mine.id, ostypeid: randomUUID() });
      // Assess
      expect(own.status).toBe(200);
      expect(own.data.template).toMatchObject({ id: mine.id, name: 'mine-renamed', isdynamicallyscalable: false });
      expect(((await tenant.user.client.ok('listTemplates', { templatefilter: 'self' })).template as Obj[]).map((t) => t.name)).toContain('mine-renamed');
      expect(publicOne.status).toBe(531);
      expect(publicOne.data).toMatchObject({ cserrorcode: 4365, errortext: 'Domain Admin and regular users can modify only their own Public templates' });
      expect(hidden.status).toBe(431);
      expect(hidden.data.errortext).toContain(`Invalid parameter id value=${mine.id}`);
      expect(badOs.status).toBe(431);
      expect(badOs.data.errortext).toContain('Invalid parameter ostypeid value=');
      expect((await store.inventory.getTemplate(mine.id))?.version).toBe(1);
    });
  });
});
