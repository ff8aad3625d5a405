import { expectExactListCounters, expectOneCopyAndExactAccounting, expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';
import { createTenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * unmanageVirtualMachine and listUnmanagedInstances through signed HTTP: the domain is left on its
 * host (running, or defined when stopped) without Stratus's metadata, the inventory lets the VM, its
 * volumes, snapshots, tags, addresses and capacity go in one step, the domain is listed as unmanaged
 * at once; CloudStack's refusals in its order and texts; a failed unmanage changes nothing.
 */
jest.setTimeout(180_000);

describe('unmanageVirtualMachine', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let clusterid: string;
  let diskOffering: string;

  const run = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const deploy = async (name: string, params: Obj = {}) =>
    ((await run('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name, ...params })).jobresult as Obj).virtualmachine as Obj;
  const hostOf = (instanceName: string) => env.stack.hosts.find((h) => h.driver.domain(instanceName));
  const unmanaged = async (params: Obj = {}) => ((await env.admin.ok('listUnmanagedInstances', { clusterid, ...params })).unmanagedinstance as Obj[] | undefined) ?? [];
  const refusal = async (params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call('unmanageVirtualMachine', params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    clusterid = env.stack.seed.cluster.id;
    diskOffering = ((await env.admin.ok('createDiskOffering', { name: 'unmanage-disk', disksize: 2 })).diskoffering as Obj).id as string;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('leaves a running VM running on its host, forgets it with its volumes, snapshots and tags, and lists its domain at once', async () => {
    const vm = await deploy('unmanage-running', { diskofferingid: diskOffering });
    await env.admin.ok('createTags', { resourcetype: 'UserVm', resourceids: vm.id, 'tags[0].key': 'team', 'tags[0].value': 'a' });
    expect(await run('createVMSnapshot', { virtualmachineid: vm.id, snapshotmemory: true })).toMatchObject({ jobstatus: 1 });
    const volumes = (await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume as Obj[];
    expect(volumes).toHaveLength(2);
    const host = hostOf(vm.instancename)!;
    const boots = host.driver.domain(vm.instancename)!.boots;

    const submitted = await env.admin.call('unmanageVirtualMachine', { id: vm.id });
    expect(submitted.status).toBe(200);
    expect(Object.keys(submitted.body)).toEqual(['unmanagevirtualmachineresponse']);
    const done = await env.admin.waitForJob(submitted.data.jobid as string);
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { success: true, details: 'VM unmanaged successfully', hostid: vm.hostid } });

    // The domain runs on, untouched but for Stratus's metadata; nothing of the VM is listed any more.
    expect(host.driver.domain(vm.instancename)).toMatchObject({ state: 'PowerOn', boots, unmanaged: true });
    expect((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine).toBeUndefined();
    for (const v of volumes) expect((await env.admin.ok('listVolumes', { id: v.id })).volume).toBeUndefined();
    expect((await env.admin.ok('listVMSnapshot', { listall: true, name: vm.instancename })).vmSnapshot).toBeUndefined();
    expect(((await env.admin.ok('listTags', { key: 'team', listall: true })).tag as Obj[] | undefined)?.filter((t) => t.resourceid === vm.id) ?? []).toEqual([]);
    // Its files stay where they were: an import adopts them.
    for (const v of volumes) expect(host.driver.volumeFile({ pool: undefined, path: v.path ?? v.id }) ?? 'shared').toBeDefined();

    // Listed at once: written with the VM's release, not left for a heartbeat.
    const [listed] = await unmanaged({ name: vm.instancename });
    expect(listed).toMatchObject({
      name: vm.instancename,
      clusterid,
      hostid: vm.hostid,
      powerstate: 'PowerOn',
      cpunumber: vm.cpunumber,
      cpuspeed: vm.cpuspeed,
      memory: vm.memory,
      nic: [{ id: '0', macaddress: vm.nic[0].macaddress, networkname: vm.nic[0].networkname, ipaddresses: [vm.nic[0].ipaddress] }],
    });
    expect(listed.disk.map((d: Obj) => d.label)).toEqual(['vda', 'vdb']);

    // R-UNM.4 step 8, and VM.UNMANAGE (written just after the job settles).
    let types: string[] = [];
    for (let i = 0; i < 50 && !types.includes('VM.UNMANAGE'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      const events = ((await env.admin.ok('listEvents', { listall: true, pagesize: 200, page: 1 })).event as Obj[]).filter((e) => e.resourceid === vm.id || volumes.some((v) => v.id === e.resourceid));
      types = events.filter((e) => e.created >= String(done.created)).map((e) => e.type).sort();
    }
    expect(types).toEqual(expect.arrayContaining(['NETWORK.OFFERING.REMOVE', 'VM.DESTROY', 'VM.STOP', 'VM.UNMANAGE', 'VMSNAPSHOT.DELETE', 'VMSNAPSHOT.OFF_PRIMARY', 'VOLUME.DELETE', 'VOLUME.DELETE']));

    // Unmanaged twice: CloudStack's words for a removed VM.
    await refusal({ id: vm.id }, 530, 'Could not find VM to unmanage, it is either removed or not existing VM');
    await expectOneCopyAndExactAccounting(env);
    await expectPoolLedgers(env, 'after unmanaging a running VM');
    await expectExactListCounters();
  });

  it('leaves a stopped VM defined on the host named, with its NICs kept under unmanage.vm.preserve.nics', async () => {
    const vm = await deploy('unmanage-stopped');
    expect(await run('stopVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1 });
    const last = hostOf(vm.instancename)!;
    const other = env.stack.hosts.find((h) => h !== last)!;
    await env.admin.ok('updateConfiguration', { name: 'unmanage.vm.preserve.nics', value: 'true', zoneid: cat.zoneid });
    try {
      expect(await run('unmanageVirtualMachine', { id: vm.id, hostid: other.hostId })).toMatchObject({ jobstatus: 1, jobresult: { success: true, hostid: other.hostId } });
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'unmanage.vm.preserve.nics', value: 'false', zoneid: cat.zoneid });
    }
    expect(other.driver.domain(vm.instancename)).toMatchObject({ state: 'PowerOff', unmanaged: true });
    // Defined on one host only: the last host's definition went first.
    expect(last.driver.domain(vm.instancename)).toBeUndefined();
    const [listed] = await unmanaged({ name: vm.instancename });
    expect(listed).toMatchObject({ hostid: other.hostId, powerstate: 'PowerOff' });
    // The kept NIC's address is still taken: a new VM on the network never gets it.
    const next = await deploy('unmanage-after-preserve');
    expect(next.nic[0].ipaddress).not.toBe(vm.nic[0].ipaddress);
    await expectExactListCounters();
  });

  it('refuses what CloudStack refuses, in its order and words', async () => {
    const vm = await deploy('unmanage-refused');
    await refusal({ id: vm.id, hostid: env.stack.hosts[0].hostId }, 530, 'Param hostid is only supported for KVM hypervisor for stopped Instances.');
    await refusal({ id: '00000000-0000-4000-8000-000000000000' }, 431, /Invalid parameter id value=00000000-0000-4000-8000-000000000000/);
    const never = await deploy('unmanage-never-started', { startvm: false });
    await refusal({ id: never.id }, 530, `VM unmanage-never-started (${never.id}) has never been started: no host has its domain or its disks to leave behind; destroy it instead`);
    expect(await run('destroyVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1 });
    await refusal({ id: vm.id }, 530, `VM with id = ${vm.id} must be running or stopped to be unmanaged`);
    // Root admins only: to anyone else the command does not exist.
    const tenant = await createTenant(env, 'unmanage');
    for (const client of [tenant.user.client, tenant.domainAdmin.client]) expect((await client.call('unmanageVirtualMachine', { id: never.id })).status).toBe(401);
  });

  it('fails the job and changes nothing when the host does not have the running domain', async () => {
    const vm = await deploy('unmanage-missing');
    const host = hostOf(vm.instancename)!;
    // Gone behind Stratus's back (before the next heartbeat tells it): unmanage must not forget a VM it cannot find.
    await host.driver.undefine(vm.instancename, { removeDisks: false });
    const done = await run('unmanageVirtualMachine', { id: vm.id });
    expect(done).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 530, errortext: expect.stringContaining(`VM ${vm.instancename} is not found in the hypervisor`) } });
    const still = ((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0];
    expect(still).toMatchObject({ id: vm.id, state: 'Running' });
    expect((await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume).toHaveLength(1);
    expect(await unmanaged({ name: vm.instancename })).toEqual([]);
  });
});

describe('listUnmanagedInstances', () => {
  let env: TestStack;

  beforeAll(async () => {
    env = await startTestStack();
  });
  afterAll(async () => {
    await env?.stop();
  });

  const listed = async (params: Obj = {}) => ((await env.admin.ok('listUnmanagedInstances', { clusterid: env.stack.seed.cluster.id, ...params })).unmanagedinstance as Obj[] | undefined) ?? [];
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('never happened');
  };

  it('lists the domains its hosts run that Stratus did not make, from their heartbeats, and drops those that go', async () => {
    const host = env.stack.hosts[0];
    const pool = { id: 'legacy', type: 'Filesystem' as const, host: 'localhost', path: '/var/lib/libvirt/images' };
    host.driver.seed([
      {
        spec: {
          vmId: '',
          instanceName: 'legacy-db',
          displayName: 'legacy-db',
          cpuNumber: 4,
          cpuSpeed: 1000,
          memory: 8192,
          template: { id: '', url: '', format: 'QCOW2' },
          nics: [{ macAddress: '52:54:00:aa:bb:01', networkName: 'br0', ipAddress: '' }],
          disks: [{ volumeId: 'legacy-db-0', type: 'ROOT', deviceId: 0, path: 'legacy-db.qcow2', size: 20 * 2 ** 30, pool }],
        },
        state: 'PowerOn',
        unmanaged: true,
      },
    ]);
    await eventually(async () => (await listed()).some((u) => u.name === 'legacy-db'));
    const [db] = await listed({ name: 'legacy-db' });
    expect(db).toMatchObject({
      name: 'legacy-db',
      hostid: host.hostId,
      hostname: host.name,
      powerstate: 'PowerOn',
      cpunumber: 4,
      memory: 8192,
      disk: [{ id: '0', label: 'vda', capacity: 20 * 2 ** 30, imagepath: '/var/lib/libvirt/images/legacy-db.qcow2', controller: 'virtio', datastorepath: '/var/lib/libvirt/images', datastoretype: 'file' }],
      nic: [{ id: '0', macaddress: '52:54:00:aa:bb:01', networkname: 'br0', adaptertype: 'virtio' }],
    });
    // Stratus's own VMs are not listed; keyword narrows.
    expect((await listed()).map((u) => u.name)).toEqual(['legacy-db']);
    expect(await listed({ keyword: 'nothing-like-it' })).toEqual([]);
    expect((await listed({ keyword: 'LEGACY' })).map((u) => u.name)).toEqual(['legacy-db']);

    // Powered off on the host: the next heartbeat says so.
    await host.driver.stop('legacy-db', { force: true, timeoutMs: 1000 });
    await eventually(async () => (await listed({ name: 'legacy-db' }))[0]?.powerstate === 'PowerOff');
    // Removed on the host: gone from the list.
    await host.driver.undefine('legacy-db', { removeDisks: false });
    await eventually(async () => (await listed({ name: 'legacy-db' })).length === 0);
    await expectExactListCounters();
  });

  it('refuses an unknown cluster and a caller who is not a root admin', async () => {
    const reply = await env.admin.call('listUnmanagedInstances', { clusterid: '00000000-0000-4000-8000-000000000000' });
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status: 431, text: expect.stringContaining('Invalid parameter clusterid value=00000000-0000-4000-8000-000000000000') });
    const missing = await env.admin.call('listUnmanagedInstances', {});
    expect(missing.status).toBe(431);
  });
});
