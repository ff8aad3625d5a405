import { randomUUID } from 'node:crypto';
import { minimalIso, startImageServer } from '../../../local/image-server';
import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, startRecordingProxy, type CompatStack, type RecordingProxy } from '../helpers';

/**
 * The `cloudstack` CLI from Debian's `cs` package (Exoscale's client) against the local stack,
 * configured only by CLOUDSTACK_ENDPOINT/KEY/SECRET as a user would after `source credentials.env`.
 * The tests run in order: the first one needs a stack with no VM yet.
 */
type Obj = Record<string, unknown>;
type Vm = { id: string; name: string; state: string; hostid?: string; memory: number; nic: Array<{ ipaddress: string }> };
type Host = { id: string; name: string; memoryallocated: number };

describe('the cs CLI (cloudstack) against Stratus', () => {
  let env: CompatStack;
  let proxy: RecordingProxy;
  let ids: { zone: string; small: string; template: string };
  const cs = (...args: string[]) => cloudstack(proxy.apiUrl, env.stack.credentials, args);
  const deployArgs = () => [`serviceofferingid=${ids.small}`, `templateid=${ids.template}`, `zoneid=${ids.zone}`];

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack();
    proxy = await startRecordingProxy(env.stack.endpoint);
    const api = env.admin;
    const offerings = (await api.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[];
    const templates = (await api.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[];
    ids = { zone: env.stack.seed.zone.id, small: String(offerings[0].id), template: String(templates[0].id) };
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    await env?.stop();
  }, 60_000);

  beforeEach(() => proxy.clear());

  it('prints nothing and exits 0 for listVirtualMachines before any deploy', async () => {
    // Act
    const r = await cs('listVirtualMachines');
    // Assess
    expect(r).toMatchObject({ code: 0, stdout: '' });
  });

  it.each([
    [['listZones'], 'zone'],
    [['listServiceOfferings'], 'serviceoffering'],
    [['listTemplates', 'templatefilter=executable'], 'template'],
  ])('lists with %j: exit 0, a count and the items', async (args, key) => {
    // Act
    const r = await cs(...args);
    // Assess
    expect(r.code).toBe(0);
    const out = jsonOf<Obj>(r);
    const items = out[key] as Obj[];
    expect(out.count).toBeGreaterThanOrEqual(1);
    expect(items).toHaveLength(out.count as number);
    for (const item of items) expect(item).toEqual(expect.objectContaining({ id: expect.any(String), name: expect.any(String) }));
  });

  it('deploys vm1, waits for the job and prints the Running VM, which then shows on a host whose allocated memory went up', async () => {
    // Prepare
    const hostsBefore = jsonOf<{ host: Host[] }>(await cs('listHosts')).host;
    proxy.clear();
    // Act
    const r = await cs('deployVirtualMachine', ...deployArgs(), 'name=vm1');
    // Assess
    expect(r.code).toBe(0);
    const out = jsonOf<{ virtualmachine: Vm }>(r);
    expect(Object.keys(out)).toEqual(['virtualmachine']);
    expect(out.virtualmachine).toMatchObject({ name: 'vm1', state: 'Running', memory: 512 });
    // One submit, then polling until the job ended.
    const [submit, ...polls] = proxy.commands();
    expect(submit).toBe('deployVirtualMachine');
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(new Set(polls)).toEqual(new Set(['queryAsyncJobResult']));

    const listed = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine;
    expect(listed).toEqual([expect.objectContaining({ id: out.virtualmachine.id, state: 'Running', hostid: expect.any(String) })]);
    const hostsAfter = jsonOf<{ host: Host[] }>(await cs('listHosts')).host;
    const before = hostsBefore.find((h) => h.id === listed[0].hostid);
    const after = hostsAfter.find((h) => h.id === listed[0].hostid);
    expect(after!.memoryallocated - before!.memoryallocated).toBe(512 * 1024 * 1024);
  });

  it('adds a disk offering and a volume, attaches it to the running vm1 and lists vm1\'s volumes, as an operator would', async () => {
    // Act
    const offering = jsonOf<{ diskoffering: Obj }>(await cs('createDiskOffering', 'name=cs-data', 'displaytext=cs data', 'disksize=3')).diskoffering;
    const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];
    const created = await cs('createVolume', 'name=cs-vol', `zoneid=${ids.zone}`, `diskofferingid=${offering.id}`);
    const volume = jsonOf<{ volume: Obj }>(created).volume;
    const attached = await cs('attachVolume', `id=${volume.id}`, `virtualmachineid=${vm1.id}`);
    const listed = jsonOf<{ volume: Obj[]; count: number }>(await cs('listVolumes', `virtualmachineid=${vm1.id}`));
    const root = jsonOf<{ volume: Obj[] }>(await cs('listVolumes', `virtualmachineid=${vm1.id}`, 'type=ROOT')).volume;
    const tooSmall = await cs('deployVirtualMachine', ...deployArgs(), 'rootdisksize=1');

    // Assess
    expect(created.code).toBe(0);
    expect(volume).toMatchObject({ name: 'cs-vol', state: 'Allocated', size: 3 * 1024 ** 3, diskofferingname: 'cs-data' });
    expect(attached.code).toBe(0);
    expect(jsonOf<{ volume: Obj }>(attached).volume).toMatchObject({ id: volume.id, state: 'Ready', deviceid: 1, virtualmachineid: vm1.id });
    expect(listed.count).toBe(2);
    expect(listed.volume.map((v) => [v.type, v.deviceid])).toEqual([
      ['ROOT', 0],
      ['DATADISK', 1],
    ]);
    expect(root).toHaveLength(1);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr + tooSmall.stdout).toContain('rootdisksize override (1 GB) is smaller than template size');
  });

  it('with --async prints only {id, jobid}, and queryAsyncJobResult then gives the job', async () => {
    // Act
    const submitted = await cs('--async', 'deployVirtualMachine', ...deployArgs(), 'name=vm2');
    // Assess
    expect(submitted.code).toBe(0);
    const { id, jobid } = jsonOf<{ id: string; jobid: string }>(submitted);
    expect(Object.keys(jsonOf(submitted)).sort()).toEqual(['id', 'jobid']);
    expect(proxy.commands()).toEqual(['deployVirtualMachine']);

    const queried = await cs('queryAsyncJobResult', `jobid=${jobid}`);
    expect(queried.code).toBe(0);
    const job = jsonOf<Obj>(queried);
    expect(job).toMatchObject({ jobid, jobinstanceid: id, jobstatus: expect.any(Number), jobresultcode: expect.any(Number) });
  });

  it('lists zones over a form POST with --post', async () => {
    // Act
    const r = await cs('--post', 'listZones');
    // Assess
    expect(r.code).toBe(0);
    expect(jsonOf<{ zone: Obj[] }>(r).zone).toEqual([expect.objectContaining({ id: ids.zone, name: 'zone1' })]);
    expect(proxy.requests).toEqual([expect.objectContaining({ method: 'POST', query: '', command: 'listZones', contentType: expect.stringMatching(/^application\/x-www-form-urlencoded/) })]);
  });

  it('accepts the signature of a keyword with a space, *, ~ and / (and finds nothing)', async () => {
    // Act
    const r = await cs('listVirtualMachines', 'keyword=a b*c~d/e');
    // Assess
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(proxy.requests[0].params.keyword).toBe('a b*c~d/e');
  });

  it('deploys with a map parameter details[0].cpuNumber=2', async () => {
    // Act
    const r = await cs('deployVirtualMachine', ...deployArgs(), 'name=vm3', 'details[0].cpuNumber=2');
    // Assess
    expect(r.code).toBe(0);
    expect(jsonOf<{ virtualmachine: Vm }>(r).virtualmachine).toMatchObject({ name: 'vm3', state: 'Running' });
    expect(proxy.requests.find((q) => q.command === 'deployVirtualMachine')?.params['details[0].cpuNumber']).toBe('2');
  });

  it('finds hosts for migrating vm1, live-migrates it there, and drains and restores that host, as an operator would', async () => {
    // Prepare
    const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];
    // Act: the candidates, then the move to the suitable one (the CLI waits for the job).
    const found = await cs('findHostsForMigration', `virtualmachineid=${vm1.id}`);
    expect(found.code).toBe(0);
    const candidates = jsonOf<{ host: Array<Host & { suitableformigration: boolean }> }>(found).host;
    const target = candidates.find((h) => h.suitableformigration)!;
    expect(target).toBeDefined();
    const moved = await cs('migrateVirtualMachine', `virtualmachineid=${vm1.id}`, `hostid=${target.id}`);
    // Assess
    expect(moved.code).toBe(0);
    expect(jsonOf<{ virtualmachine: Vm }>(moved).virtualmachine).toMatchObject({ id: vm1.id, state: 'Running', hostid: target.id });
    // The host it came from is drained into maintenance (its other VMs move too) and back.
    const drained = await cs('prepareHostForMaintenance', `id=${vm1.hostid}`);
    expect(drained.code).toBe(0);
    expect(jsonOf<{ host: Obj }>(drained).host).toMatchObject({ id: vm1.hostid, resourcestate: 'Maintenance' });
    const restored = await cs('cancelHostMaintenance', `id=${vm1.hostid}`);
    expect(jsonOf<{ host: Obj }>(restored).host).toMatchObject({ id: vm1.hostid, resourcestate: 'Enabled' });
  });

  it('takes a snapshot of the running vm1 with its memory, lists it (vmSnapshot), reverts vm1 to it and deletes it, as an operator would', async () => {
    // Prepare
    const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];

    // Act: the CLI waits for each job
    const taken = await cs('createVMSnapshot', `virtualmachineid=${vm1.id}`, 'snapshotmemory=true', 'name=cs-snap', 'description=before change');
    const snapshot = jsonOf<{ vmsnapshot: Obj }>(taken).vmsnapshot;
    const listed = jsonOf<{ vmSnapshot: Obj[]; count: number }>(await cs('listVMSnapshot', `virtualmachineid=${vm1.id}`));
    const reverted = await cs('revertToVMSnapshot', `vmsnapshotid=${String(snapshot.id)}`);
    const refused = await cs('detachVolume', `virtualmachineid=${vm1.id}`, 'deviceid=1');
    const deleted = await cs('deleteVMSnapshot', `vmsnapshotid=${String(snapshot.id)}`);

    // Assess
    expect(taken.code).toBe(0);
    expect(snapshot).toMatchObject({ displayname: 'cs-snap', description: 'before change', type: 'DiskAndMemory', state: 'Ready', current: true, virtualmachineid: vm1.id });
    expect(listed.count).toBe(1);
    expect(listed.vmSnapshot[0]).toMatchObject({ id: snapshot.id, current: true });
    expect(listed.vmSnapshot[0]).not.toHaveProperty('parentName'); // a first snapshot has no parent
    expect(reverted.code).toBe(0);
    expect(jsonOf<{ virtualmachine: Vm }>(reverted).virtualmachine).toMatchObject({ id: vm1.id, state: 'Running' });
    expect(refused.code).toBe(1);
    expect(refused.stderr + refused.stdout).toContain('Unable to detach volume, please specify a VM that does not have VM snapshots');
    expect(deleted.code).toBe(0);
    const after = await cs('listVMSnapshot', `virtualmachineid=${vm1.id}`);
    expect([after.code, after.stdout.trim()]).toEqual([0, '']); // an empty list prints nothing
  });

  it('registers an ISO from a URL, waits for it, attaches and detaches it on the running vm1, and restores vm1\'s ROOT disk, as an operator would', async () => {
    // Prepare: the ISO on an HTTP server the simulated hosts download from
    const images = await startImageServer({ images: { 'tools.iso': minimalIso('TOOLS') } });
    try {
      const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];
      const rootBefore = jsonOf<{ volume: Obj[] }>(await cs('listVolumes', `virtualmachineid=${vm1.id}`, 'type=ROOT')).volume[0];

      // Act
      const registered = await cs('registerIso', 'name=tools', 'displaytext=Guest tools', `url=${images.url('tools.iso')}`, `zoneid=${ids.zone}`, 'bootable=false');
      const iso = jsonOf<{ iso: Obj[] }>(registered).iso[0];
      let ready: Obj | undefined;
      for (let i = 0; i < 100 && !ready?.isready; i++) {
        ready = jsonOf<{ iso: Obj[] }>(await cs('listIsos', 'isofilter=self', `id=${String(iso.id)}`)).iso[0];
        if (!ready.isready) await new Promise((r) => setTimeout(r, 100));
      }
      const attached = await cs('attachIso', `id=${String(iso.id)}`, `virtualmachineid=${vm1.id}`);
      const detached = await cs('detachIso', `virtualmachineid=${vm1.id}`);
      const restored = await cs('restoreVirtualMachine', `virtualmachineid=${vm1.id}`);
      const rootAfter = jsonOf<{ volume: Obj[] }>(await cs('listVolumes', `virtualmachineid=${vm1.id}`, 'type=ROOT')).volume[0];

      // Assess
      expect(registered.code).toBe(0);
      expect(iso).toMatchObject({ name: 'tools', isready: false, bootable: false });
      expect(ready).toMatchObject({ isready: true, status: 'Download Complete' });
      expect(attached.code).toBe(0);
      expect(jsonOf<{ virtualmachine: Obj }>(attached).virtualmachine).toMatchObject({ id: vm1.id, isoid: iso.id, isoname: 'tools' });
      expect(detached.code).toBe(0);
      expect(jsonOf<{ virtualmachine: Obj }>(detached).virtualmachine).not.toHaveProperty('isoid');
      expect(restored.code).toBe(0);
      expect(jsonOf<{ virtualmachine: Obj }>(restored).virtualmachine).toMatchObject({ id: vm1.id, state: 'Running' });
      expect(rootAfter.id).not.toBe(rootBefore.id);
      expect(await cs('deleteIso', `id=${String(iso.id)}`)).toMatchObject({ code: 0 });
    } finally {
      await images.close();
    }
  });

  it('stops, starts, reboots, destroys and recovers vm1, each printing the VM in its new state', async () => {
    // Prepare
    const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];
    const run = async (...args: string[]) => {
      const r = await cs(...args);
      expect(r.code).toBe(0);
      return jsonOf<{ virtualmachine: Vm }>(r).virtualmachine;
    };
    // Act and assess, one command at a time: async ones are waited for by the CLI.
    expect(await run('stopVirtualMachine', `id=${vm1.id}`)).toMatchObject({ id: vm1.id, state: 'Stopped' });
    expect(await run('startVirtualMachine', `id=${vm1.id}`)).toMatchObject({ id: vm1.id, state: 'Running' });
    expect(await run('rebootVirtualMachine', `id=${vm1.id}`)).toMatchObject({ id: vm1.id, state: 'Running' });
    expect(await run('destroyVirtualMachine', `id=${vm1.id}`)).toMatchObject({ id: vm1.id, state: 'Destroyed' });
    expect(await run('recoverVirtualMachine', `id=${vm1.id}`)).toMatchObject({ id: vm1.id, state: 'Stopped' });
  });

  it('exits 1 with 431 naming the state when stopping a stopped VM', async () => {
    // Prepare
    const vm1 = jsonOf<{ virtualmachine: Vm[] }>(await cs('listVirtualMachines', 'name=vm1')).virtualmachine[0];
    // Act
    const r = await cs('stopVirtualMachine', `id=${vm1.id}`);
    // Assess
    expect(r.code).toBe(1);
    expect(jsonOf<Obj>(r)).toEqual({ stopvirtualmachineresponse: expect.objectContaining({ errorcode: 431, errortext: expect.stringContaining('it is Stopped') }) });
  });

  it('unmanages a running VM, lists its domain among the unmanaged instances of its cluster, and exits 1 with 530 on a second unmanage, as an operator would', async () => {
    // Prepare
    const deployed = await cs('deployVirtualMachine', ...deployArgs(), 'name=vm-leaving');
    expect(deployed.code).toBe(0);
    const vm = jsonOf<{ virtualmachine: Vm & { instancename: string } }>(deployed).virtualmachine;

    // Act
    const unmanaged = await cs('unmanageVirtualMachine', `id=${vm.id}`);
    const listed = await cs('listUnmanagedInstances', `clusterid=${env.stack.seed.cluster.id}`, `name=${vm.instancename}`);
    const again = await cs('unmanageVirtualMachine', `id=${vm.id}`);

    // Assess: the CLI waited for the job and printed its result
    expect(unmanaged.code).toBe(0);
    expect(jsonOf<Obj>(unmanaged)).toMatchObject({ success: true, details: 'VM unmanaged successfully', hostid: vm.hostid });
    expect(listed.code).toBe(0);
    expect(jsonOf<{ count: number; unmanagedinstance: Obj[] }>(listed)).toMatchObject({ count: 1, unmanagedinstance: [{ name: vm.instancename, hostid: vm.hostid, powerstate: 'PowerOn', memory: vm.memory }] });
    expect(await cs('listVirtualMachines', `id=${vm.id}`)).toMatchObject({ code: 0, stdout: '' });
    expect(again.code).toBe(1);
    expect(jsonOf<Obj>(again)).toEqual({ unmanagevirtualmachineresponse: expect.objectContaining({ errorcode: 530, errortext: 'Could not find VM to unmanage, it is either removed or not existing VM' }) });
  });

  it('exits 1 with errorcode 401 when the secret is wrong', async () => {
    // Act
    const r = await cloudstack(proxy.apiUrl, { ...env.stack.credentials, secretKey: 'not-the-secret' }, ['listZones']);
    // Assess
    expect(r.code).toBe(1);
    expect(jsonOf<Obj>(r)).toEqual({ listzonesresponse: expect.objectContaining({ errorcode: 401 }) });
    expect(r.stderr).toContain('HTTP 401');
  });

  it('exits 1 with 431 "missing parameter zoneid" for a deploy without zoneid', async () => {
    // Act
    const r = await cs('deployVirtualMachine', `serviceofferingid=${ids.small}`, `templateid=${ids.template}`);
    // Assess
    expect(r.code).toBe(1);
    expect(jsonOf<Obj>(r)).toEqual({
      deployvirtualmachineresponse: expect.objectContaining({ errorcode: 431, errortext: expect.stringContaining('missing parameter zoneid') }),
    });
  });

  it('exits 1 with 431 "Invalid parameter jobid value=" for an unknown job', async () => {
    // Prepare
    const jobid = randomUUID();
    // Act
    const r = await cs('queryAsyncJobResult', `jobid=${jobid}`);
    // Assess
    expect(r.code).toBe(1);
    expect(jsonOf<Obj>(r)).toEqual({
      queryasyncjobresultresponse: expect.objectContaining({ errorcode: 431, errortext: expect.stringContaining(`Invalid parameter jobid value=${jobid}`) }),
    });
  });
});
