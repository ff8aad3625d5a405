import type { VmSpec } from '../../../core/agent-protocol';
import { seededPool } from '../../../functions/bootstrap/seed';
import { createStore } from '../../../functions/store';
import { expectExactListCounters, expectOneCopyAndExactAccounting, expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * importUnmanagedInstance through signed HTTP: a domain Stratus let go, or one it never made, becomes
 * a VM as it is (running on its host, its disks where they are, its MACs and addresses), or is
 * refused in CloudStack's words with nothing changed; a dry run answers the plan; migrateallowed moves
 * a running VM off a host its offering's tags rule out; a failed import leaves no VM behind.
 */
jest.setTimeout(240_000);

describe('importUnmanagedInstance', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let clusterid: string;
  let dataOffering: string;
  let seq = 0;

  const run = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const deploy = async (name: string, params: Obj = {}) =>
    ((await run('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name, ...params })).jobresult as Obj).virtualmachine as Obj;
  const listed = async (name: string) => ((await env.admin.ok('listUnmanagedInstances', { clusterid, name })).unmanagedinstance as Obj[] | undefined) ?? [];
  const importing = (name: string, params: Obj = {}) => ({ clusterid, name, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, ...params });
  const refusal = async (params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call('importUnmanagedInstance', params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never: ${what}`);
  };
  /** A guest Stratus never made, on host `h`, its disk on the seeded pool, the size of the first offering. */
  const foreign = (h: number, o: { state?: 'PowerOn' | 'PowerOff'; mac?: string; cpuNumber?: number; memory?: number } = {}) => {
    const name = `foreign-${++seq}`;
    const pool = seededPool(clusterid, 'Simulator');
    const spec: VmSpec = {
      vmId: '',
      instanceName: name,
      displayName: name,
      cpuNumber: o.cpuNumber ?? cat.offerings[0].cpunumber,
      cpuSpeed: cat.offerings[0].cpuspeed,
      memory: o.memory ?? cat.offerings[0].memory,
      template: { id: '', url: '', format: 'QCOW2' },
      nics: [{ macAddress: o.mac ?? `52:54:00:77:00:${String(seq).padStart(2, '0')}`, networkName: 'br0', ipAddress: '' }],
      disks: [{ volumeId: `${name}-0`, type: 'ROOT', deviceId: 0, path: `${name}.qcow2`, size: 8 * 2 ** 30, pool: { ...pool, type: 'SharedMountPoint', host: 'localhost' } }],
    };
    env.stack.hosts[h].driver.seed([{ spec, state: o.state ?? 'PowerOn', unmanaged: true }]);
    return name;
  };

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    clusterid = env.stack.seed.cluster.id;
    dataOffering = ((await env.admin.ok('createDiskOffering', { name: 'import-data', disksize: 4 })).diskoffering as Obj).id as string;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('takes back a VM it let go, running, with its disks, MAC and address as they were', async () => {
    const before = await deploy('round-trip', { diskofferingid: dataOffering });
    const volumesBefore = (await env.admin.ok('listVolumes', { virtualmachineid: before.id })).volume as Obj[];
    expect(await run('unmanageVirtualMachine', { id: before.id })).toMatchObject({ jobstatus: 1 });
    const [instance] = await listed(before.instancename);
    const dataDisk = (instance.disk as Obj[]).find((d) => d.label === 'vdb')!;

    // The plan first: nothing changes.
    const plan = (await env.admin.ok('importUnmanagedInstance', importing(before.instancename, { 'datadiskofferinglist[0].disk': dataDisk.id, 'datadiskofferinglist[0].diskOffering': dataOffering, 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': 'auto', dryrun: true }))).importplan as Obj;
    expect(plan).toMatchObject({ importable: true, hostid: before.hostid, powerstate: 'PowerOn', offeringfit: 'matches', move: 'none', nic: [{ macaddress: before.nic[0].macaddress, ipaddress: before.nic[0].ipaddress, matchedby: 'vlan' }] });
    expect(plan.disk.map((d: Obj) => d.type)).toEqual(['ROOT', 'DATADISK']);
    expect(await listed(before.instancename)).toHaveLength(1);

    const done = await run('importUnmanagedInstance', importing(before.instancename, { displayname: 'Round trip', 'datadiskofferinglist[0].disk': dataDisk.id, 'datadiskofferinglist[0].diskOffering': dataOffering, 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': 'auto' }));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { name: before.instancename, displayname: 'Round trip', instancename: before.instancename, state: 'Running', hostid: before.hostid, nic: [{ macaddress: before.nic[0].macaddress, ipaddress: before.nic[0].ipaddress }] } } });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    const volumes = (await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume as Obj[];
    expect(volumes.map((v) => ({ type: v.type, path: v.path, storageid: v.storageid, state: v.state }))).toEqual(volumesBefore.map((v) => ({ type: v.type, path: v.path, storageid: v.storageid, state: 'Ready' })));
    // The domain is Stratus's again: its metadata names the VM; it is no longer listed as unmanaged.
    const host = env.stack.hosts.find((h) => h.hostId === vm.hostid)!;
    expect(host.driver.domain(vm.instancename)).toMatchObject({ state: 'PowerOn', unmanaged: false, spec: { vmId: vm.id } });
    expect(await listed(vm.instancename)).toEqual([]);
    // It is a VM like any other: stop and start it.
    expect(await run('stopVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Stopped' } } });
    expect(await run('startVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running' } } });
    await eventually(async () => ((await env.admin.ok('listEvents', { listall: true, type: 'VM.IMPORT' })).event as Obj[] | undefined)?.some((e) => e.resourceid === vm.id) ?? false, 'VM.IMPORT');
    await expectOneCopyAndExactAccounting(env);
    await expectPoolLedgers(env, 'after a round trip');
    await expectExactListCounters();
  });

  it('imports a stopped guest it never made, its NIC on the network of its VLAN with a new address', async () => {
    const name = foreign(1, { state: 'PowerOff' });
    await eventually(async () => (await listed(name)).length === 1, `${name} listed`);
    const done = await run('importUnmanagedInstance', importing(name, { hostname: 'adopted-one' }));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { name: 'adopted-one', instancename: name, state: 'Stopped' } } });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    expect(vm.nic[0].ipaddress).toMatch(/^10\.1\.1\./);
    expect(await run('startVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running' } } });
    await expectPoolLedgers(env, 'after a foreign import');
  });

  it('takes back the address a preserved NIC kept', async () => {
    const before = await deploy('preserved');
    await env.admin.ok('updateConfiguration', { name: 'unmanage.vm.preserve.nics', value: 'true', zoneid: cat.zoneid });
    try {
      expect(await run('unmanageVirtualMachine', { id: before.id })).toMatchObject({ jobstatus: 1 });
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'unmanage.vm.preserve.nics', value: 'false', zoneid: cat.zoneid });
    }
    const plan = (await env.admin.ok('importUnmanagedInstance', importing(before.instancename, { dryrun: true }))).importplan as Obj;
    expect(plan.nic[0]).toMatchObject({ ipaddress: before.nic[0].ipaddress, takenfromvmid: before.id });
    const done = await run('importUnmanagedInstance', importing(before.instancename));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { nic: [{ ipaddress: before.nic[0].ipaddress, macaddress: before.nic[0].macaddress }] } } });
  });

  it('refuses in CloudStack\'s words, and a dry run names every refusal', async () => {
    const name = foreign(0, { cpuNumber: 3 });
    await eventually(async () => (await listed(name)).length === 1, `${name} listed`);
    const { templateid: _template, ...withoutTemplate } = importing(name);
    await refusal(withoutTemplate, 530, 'Template is needed and unable to use default template for hypervisor KVM');
    await refusal(importing(name, { projectid: cat.zoneid }), 431, /^Parameter projectid is not supported/);
    await refusal(importing(name, { account: 'admin' }), 431, 'account and domainid must be given together');
    await refusal(importing('no-such-domain'), 431, /^VM with name: no-such-domain not found/);
    await refusal(importing(name, { 'nicnetworklist[0].nic': '0' }), 431, 'Unable to execute API command importunmanagedinstance due to invalid value: nicnetworklist[0] needs both nicnetworklist[0].nic and nicnetworklist[0].network');
    await refusal(importing(name, { 'nicnetworklist[0].nic': '0', 'nicnetworklist[0].network': '00000000-0000-4000-8000-000000000000' }), 431, /Invalid parameter nicnetworklist value=00000000-0000-4000-8000-000000000000/);
    await refusal(
      importing(name),
      530,
      `Failed to import Unmanaged VM [${name}] because the service offering [${cat.offerings[0].name}] is not compatible due to [Service offering (${cat.offerings[0].name}) ${cat.offerings[0].cpunumber} CPU cores do not match VM CPU cores 3 and VM is not in powered off state (Power state: PowerOn)].`,
    );
    await refusal(importing(name, { 'datadiskofferinglist[0].disk': '0', 'datadiskofferinglist[0].diskOffering': dataOffering, serviceofferingid: cat.offerings.find((o) => o.iscustomized)!.id, 'details[0].cpuSpeed': '1000' }), 431, 'VM has total 1 disks for which 1 disk offering mappings provided. 0 disks need a disk offering for import');
    const dry = (await env.admin.ok('importUnmanagedInstance', importing(name, { 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': '192.0.2.9', dryrun: true }))).importplan as Obj;
    expect(dry.importable).toBe(false);
    expect(dry.refusals.map((r: Obj) => r.errortext)).toEqual([expect.stringContaining('CPU cores do not match'), 'IP address 192.0.2.9 for NIC(ID: 0) is not available in network(ID: ' + ((await env.admin.ok('listNetworks', { listall: true })).network as Obj[])[0].id + ')']);
    // A custom offering takes the domain's size.
    const custom = cat.offerings.find((o) => o.iscustomized)!;
    const done = await run('importUnmanagedInstance', importing(name, { serviceofferingid: custom.id, 'details[0].cpuSpeed': '1000' }));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { cpunumber: 3, cpuspeed: 1000, state: 'Running' } } });
    await refusal(importing(name), 431, /^VM with name: .* not found/);
  });

  it('refuses a MAC another VM holds unless forced, which gives the NIC a new one', async () => {
    const holder = await deploy('mac-holder');
    const name = foreign(0, { state: 'PowerOff', mac: holder.nic[0].macaddress });
    await eventually(async () => (await listed(name)).length === 1, `${name} listed`);
    await refusal(importing(name), 530, `Failed to import NICs while importing vm: ${name}. NIC with MAC address ${holder.nic[0].macaddress} exists on network ${holder.nic[0].networkname} and forced flag is disabled`);
    const done = await run('importUnmanagedInstance', importing(name, { forced: true }));
    expect(done).toMatchObject({ jobstatus: 1 });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    expect(vm.nic[0].macaddress).not.toBe(holder.nic[0].macaddress);
  });

  it('with migrateallowed moves a running VM off a host its offering\'s tags rule out; without, refuses', async () => {
    const [first, second] = env.stack.hosts;
    await env.admin.ok('updateHost', { id: second.hostId, hosttags: 'fast' });
    const fast = ((await env.admin.ok('createServiceOffering', { name: 'fast', displaytext: 'fast', cpunumber: cat.offerings[0].cpunumber, cpuspeed: cat.offerings[0].cpuspeed, memory: cat.offerings[0].memory, hosttags: 'fast' })).serviceoffering as Obj).id as string;
    const name = foreign(0);
    await eventually(async () => (await listed(name)).length === 1, `${name} listed`);
    await refusal(importing(name, { serviceofferingid: fast }), 530, new RegExp(`^Service offering: fast or template is not compatible with host: ${first.name} of unmanaged VM: ${name}`));
    const done = await run('importUnmanagedInstance', importing(name, { serviceofferingid: fast, migrateallowed: true }));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running', hostid: first.hostId } } });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    // Then its own live migration moves it where the tags allow.
    await eventually(async () => ((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[]).some((v) => v.hostid === second.hostId && v.state === 'Running' && !v.jobid), 'moved to the fast host, its job done');
    await eventually(async () => second.driver.domain(name)?.state === 'PowerOn' && !first.driver.domain(name), 'domain moved');
    await expectOneCopyAndExactAccounting(env);
  });

  it('gives back all it took when the host no longer has the domain as described', async () => {
    const name = foreign(1);
    await eventually(async () => (await listed(name)).length === 1, `${name} listed`);
    const host = env.stack.hosts[1];
    // Powered off behind Stratus's back after it was described: the adoption finds it changed.
    await host.driver.stop(name, { force: true, timeoutMs: 1 });
    const done = await run('importUnmanagedInstance', importing(name));
    expect(done).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 530, errortext: expect.stringContaining(`VM ${name} changed since its host described it`) } });
    expect(((await env.admin.ok('listVirtualMachines', { listall: true, name })).virtualmachine as Obj[] | undefined) ?? []).toEqual([]);
    // Its MAC is nobody's again.
    expect(await createStore().addresses.macHolders([(await listed(name))[0]?.nic[0].macaddress ?? ''])).toEqual({});
    await eventually(async () => (await listed(name))[0]?.powerstate === 'PowerOff', 'listed again, off');
    await expectOneCopyAndExactAccounting(env);
    await expectPoolLedgers(env, 'after a failed import');
    await expectExactListCounters();
  });
});
