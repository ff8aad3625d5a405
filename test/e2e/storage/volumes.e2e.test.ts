import { simulatedSharedFiles } from '../../../agent/drivers/simulator';
import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GiB = 1024 ** 3;
const TEMPLATE_SIZE = 2 * GiB; // the seeded Debian template

/**
 * Volumes end to end over signed HTTP: a deploy's ROOT and data disks placed on primary storage by
 * the storage allocator with the pool's ledger in the same transaction, the volume commands on
 * stopped and running VMs (the agent hot-plugs, the simulator keeps the files), CloudStack's
 * refusals, and the ledger against what the volumes hold.
 */
describe('volumes end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let primary: Obj;
  let fixed5: Obj; // a 5 GB disk offering
  let custom: Obj; // a custom disk offering

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!.id;
  const pool = async (id: string) => ((await env.admin.ok('listStoragePools', { id })).storagepool as Obj[])[0];
  const volumes = async (params: Record<string, string>) => ((await env.admin.ok('listVolumes', params)).volume as Obj[] | undefined) ?? [];
  const volume = async (id: string) => (await volumes({ id }))[0];
  /** The ledger's claim: the pool's allocation equals the sizes of the volumes on it. */
  const ledgerHolds = async (poolId: string) => {
    const on = await volumes({ storageid: poolId, listall: 'true' });
    expect((await pool(poolId)).disksizeallocated).toBe(on.reduce((sum, v) => sum + (v.size as number), 0));
  };
  const deploy = async (params: Record<string, string | number | boolean> = {}) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small(), templateid: cat.templateid, zoneid: cat.zoneid, ...params })) as { jobid: string; id: string };
    return { id, job: await env.admin.waitForJob(jobid) };
  };
  const job = async (reply: Record<string, unknown>) => env.admin.waitForJob(reply.jobid as string);

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2 });
    cat = await catalogue(env.admin);
    primary = ((await env.admin.ok('listStoragePools', {})).storagepool as Obj[])[0];
    fixed5 = (await env.admin.ok('createDiskOffering', { name: 'Data 5 GB', displaytext: 'Five', disksize: 5 })).diskoffering as Obj;
    custom = (await env.admin.ok('createDiskOffering', { name: 'Data custom', customized: true, provisioningtype: 'sparse' })).diskoffering as Obj;
  });
  afterAll(() => env.stop());

  it("lists the seeded primary storage with CloudStack's fields", () => {
    expect(primary).toMatchObject({
      name: 'primary1',
      type: 'SharedMountPoint',
      scope: 'CLUSTER',
      state: 'Up',
      clusterid: env.stack.seed.cluster.id,
      zoneid: cat.zoneid,
      path: '/var/lib/stratus/primary1',
      disksizetotal: 4 * 1024 ** 4,
      overprovisionfactor: '2',
    });
  });

  it('deploys a VM with a ROOT volume of rootdisksize and a data disk of its disk offering, both on the pool, the ledger moved with them', async () => {
    // Prepare
    const before = (await pool(primary.id)).disksizeallocated as number;

    // Act
    const { id, job: deployed } = await deploy({ name: 'vol-1', rootdisksize: 10, diskofferingid: fixed5.id });

    // Assess
    expect(deployed).toMatchObject({ jobstatus: 1 });
    const disks = await volumes({ virtualmachineid: id });
    const [root, data] = ['ROOT', 'DATADISK'].map((t) => disks.find((v) => v.type === t)!);
    expect(root).toMatchObject({ type: 'ROOT', deviceid: 0, size: 10 * GiB, state: 'Ready', virtualmachineid: id, vmname: 'vol-1', vmstate: 'Running', storageid: primary.id, storage: 'primary1', storagetype: 'shared', templateid: cat.templateid });
    expect(root.name).toMatch(/^ROOT-\d+$/);
    expect(data).toMatchObject({ type: 'DATADISK', deviceid: 1, size: 5 * GiB, state: 'Ready', diskofferingid: fixed5.id, diskofferingname: 'Data 5 GB', storageid: primary.id });
    expect(data.name).toMatch(/^DATA-\d+$/);
    expect((await pool(primary.id)).disksizeallocated).toBe(before + 15 * GiB);
    const files = simulatedSharedFiles(primary.id);
    expect(files.get(root.id)).toBe(10 * GiB);
    expect(files.get(data.id)).toBe(5 * GiB);
    expect((await volumes({ virtualmachineid: id, type: 'ROOT' })).map((v) => v.id)).toEqual([root.id]); // what Terraform reads
    await ledgerHolds(primary.id);
  });

  it('refuses a rootdisksize below the template, a size without a custom offering, a custom size out of range', async () => {
    const base = { serviceofferingid: small(), templateid: cat.templateid, zoneid: cat.zoneid };
    const tooSmall = await env.admin.call('deployVirtualMachine', { ...base, rootdisksize: 1 });
    const sizeAlone = await env.admin.call('deployVirtualMachine', { ...base, size: 3 });
    const outOfRange = await env.admin.call('deployVirtualMachine', { ...base, diskofferingid: custom.id, size: 5000 });
    const noSize = await env.admin.call('deployVirtualMachine', { ...base, diskofferingid: custom.id });

    expect([tooSmall.status, tooSmall.data.errortext]).toEqual([431, 'Unsupported: rootdisksize override (1 GB) is smaller than template size (2.00 GB)']);
    expect(sizeAlone.status).toBe(431);
    expect([outOfRange.status, outOfRange.data.errortext]).toEqual([431, 'Volume size: 5000GB is out of allowed range. Max: 1024 Min:1']);
    expect([noSize.status, noSize.data.errortext]).toEqual([431, 'This disk offering requires a custom size specified']);
  });

  it('fails a deploy whose disk no pool can take with 533 naming each pool and why, holding no host capacity', async () => {
    // Prepare
    const ssd = (await env.admin.ok('createDiskOffering', { name: 'SSD 1 GB', disksize: 1, tags: 'ssd' })).diskoffering as Obj;
    const hostsBefore = ((await env.admin.ok('listHosts', { type: 'Routing' })).host as Obj[]).map((h) => h.memoryallocated as number);

    // Act
    const { id, job: failed } = await deploy({ name: 'no-pool', diskofferingid: ssd.id });

    // Assess
    // Placement looks for the pools before the hosts: no host is taken for a VM whose disks cannot be placed.
    expect(failed).toMatchObject({ jobstatus: 2, jobresultcode: 533, failedstep: 'ChooseHost' });
    expect((failed.jobresult as Obj).errortext).toMatch(/^Unable to create a deployment for VM\[User\|i-2-\d+-VM\]: no storage pool in zone zone1 can hold volume DATA-\d+ \(1 GiB, tags ssd\): pool primary1: it lacks the storage tag ssd$/);
    expect(((await env.admin.ok('listHosts', { type: 'Routing' })).host as Obj[]).map((h) => h.memoryallocated)).toEqual(hostsBefore);
    expect(((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0].state).toBe('Error');
    await ledgerHolds(primary.id);
  });

  it('creates a volume Allocated without a pool, hot-plugs it into a running VM, detaches it, grows and deletes it', async () => {
    // Prepare
    const { id: vmId } = await deploy({ name: 'hotplug' });
    const allocatedBefore = (await pool(primary.id)).disksizeallocated as number;

    // Act / Assess: created, nowhere yet
    const created = await job(await env.admin.ok('createVolume', { name: 'extra', zoneid: cat.zoneid, diskofferingid: custom.id, size: 3 }));
    const extra = (created.jobresult as Obj).volume as Obj;
    expect(extra).toMatchObject({ name: 'extra', type: 'DATADISK', state: 'Allocated', size: 3 * GiB, provisioningtype: 'sparse' });
    expect(extra.storageid).toBeUndefined();

    // attached to the running VM: placed on the pool its host reaches, the file made and plugged in
    const attached = await job(await env.admin.ok('attachVolume', { id: extra.id, virtualmachineid: vmId }));
    expect(attached).toMatchObject({ jobstatus: 1 });
    expect((attached.jobresult as Obj).volume).toMatchObject({ id: extra.id, state: 'Ready', deviceid: 1, virtualmachineid: vmId, storageid: primary.id });
    expect((attached.steps as Obj[]).map((s) => s.name)).toEqual(['AllocateVolumes', 'AttachOnHost', 'RecordVolumeSuccess']);
    expect(simulatedSharedFiles(primary.id).get(extra.id)).toBe(3 * GiB);
    const vm = ((await env.admin.ok('listVirtualMachines', { id: vmId })).virtualmachine as Obj[])[0];
    const host = env.stack.hosts.find((h) => h.hostId === vm.hostid)!;
    expect(host.driver.domain(vm.instancename)!.spec.disks.map((d) => [d.volumeId, d.deviceId])).toContainEqual([extra.id, 1]);
    expect((await pool(primary.id)).disksizeallocated).toBe(allocatedBefore + 3 * GiB);

    // device 3 is the CD-ROM's; a busy device is refused
    const other = (await job(await env.admin.ok('createVolume', { zoneid: cat.zoneid, diskofferingid: fixed5.id }))).jobresult as Obj;
    const cdrom = await env.admin.call('attachVolume', { id: other.volume.id, virtualmachineid: vmId, deviceid: 3 });
    expect([cdrom.status, cdrom.data.errortext]).toEqual([431, 'deviceId should be 0,1,2,4-33']);
    const busy = await env.admin.call('attachVolume', { id: other.volume.id, virtualmachineid: vmId, deviceid: 1 });
    expect(busy.status).toBe(431);
    const again = await env.admin.call('attachVolume', { id: extra.id, virtualmachineid: vmId });
    expect([again.status, again.data.errortext]).toEqual([431, 'Please specify a volume that is not attached to any VM.']);
    const attachedDelete = await env.admin.call('deleteVolume', { id: extra.id });
    expect([attachedDelete.status, attachedDelete.data.errortext]).toEqual([431, 'Please specify a volume that is not attached to any VM.']);

    // detached while running: unplugged, the file kept
    const detached = await job(await env.admin.ok('detachVolume', { id: extra.id }));
    expect(detached).toMatchObject({ jobstatus: 1 });
    expect((detached.jobresult as Obj).volume.virtualmachineid).toBeUndefined();
    expect(host.driver.domain(vm.instancename)!.spec.disks.map((d) => d.volumeId)).not.toContain(extra.id);
    expect(simulatedSharedFiles(primary.id).get(extra.id)).toBe(3 * GiB);

    // grown while detached: the ledger moves now; shrinking a volume with a file is refused
    const grown = await job(await env.admin.ok('resizeVolume', { id: extra.id, size: 4 }));
    expect((grown.jobresult as Obj).volume).toMatchObject({ size: 4 * GiB });
    expect((await pool(primary.id)).disksizeallocated).toBe(allocatedBefore + 4 * GiB);
    const shrink = await env.admin.call('resizeVolume', { id: extra.id, size: 2 });
    expect([shrink.status, shrink.data.errortext]).toEqual([431, `Going from existing size of ${4 * GiB} to size of ${2 * GiB} would shrink the volume.Need to sign off by supplying the shrinkok parameter with value of true.`]);
    expect((await env.admin.call('resizeVolume', { id: extra.id, size: 2, shrinkok: true })).status).toBe(431);

    // deleted: a host of the pool removes the file, then the record and the space go
    await env.admin.ok('deleteVolume', { id: extra.id });
    await waitFor(async () => (await volumes({ id: extra.id })).length === 0);
    expect(simulatedSharedFiles(primary.id).has(extra.id)).toBe(false);
    expect((await pool(primary.id)).disksizeallocated).toBe(allocatedBefore);
    await ledgerHolds(primary.id);

    // never placed: shrinks and goes at once
    expect(((await job(await env.admin.ok('resizeVolume', { id: other.volume.id, diskofferingid: custom.id, size: 1, shrinkok: true }))).jobresult as Obj).volume.size).toBe(GiB);
    expect((await env.admin.ok('deleteVolume', { id: other.volume.id })).success).toBe(true);
    expect(await volumes({ id: other.volume.id })).toEqual([]);
  });

  it('grows a volume of a running VM on its host, the ledger with it', async () => {
    // Prepare
    const { id: vmId } = await deploy({ name: 'grow', diskofferingid: custom.id, size: 2 });
    const data = (await volumes({ virtualmachineid: vmId, type: 'DATADISK' }))[0];
    const before = (await pool(primary.id)).disksizeallocated as number;

    // Act
    const grown = await job(await env.admin.ok('resizeVolume', { id: data.id, size: 6 }));

    // Assess
    expect(grown).toMatchObject({ jobstatus: 1 });
    expect((grown.steps as Obj[]).map((s) => s.name)).toEqual(['ResizeOnHost', 'RecordVolumeSuccess']);
    expect(simulatedSharedFiles(primary.id).get(data.id)).toBe(6 * GiB);
    expect((await pool(primary.id)).disksizeallocated).toBe(before + 4 * GiB);
    const inUse = await env.admin.call('resizeVolume', { id: data.id, size: 3, shrinkok: true });
    expect(inUse.status).toBe(431);
    await ledgerHolds(primary.id);
  });

  it('attaches to a stopped VM at once; its next start places and makes the disk', async () => {
    // Prepare
    const { id: vmId } = await deploy({ name: 'cold', startvm: false });
    const created = (await job(await env.admin.ok('createVolume', { zoneid: cat.zoneid, diskofferingid: fixed5.id }))).jobresult as Obj;

    // Act
    const attached = await job(await env.admin.ok('attachVolume', { id: created.volume.id, virtualmachineid: vmId }));
    const started = await job(await env.admin.ok('startVirtualMachine', { id: vmId }));

    // Assess
    expect(attached).toMatchObject({ jobstatus: 1 });
    expect((attached.jobresult as Obj).volume).toMatchObject({ state: 'Allocated', deviceid: 1, virtualmachineid: vmId, vmstate: 'Stopped' });
    expect(started).toMatchObject({ jobstatus: 1 });
    expect((await volumes({ virtualmachineid: vmId })).map((v) => [v.type, v.state, v.storageid]).sort()).toEqual([
      ['DATADISK', 'Ready', primary.id],
      ['ROOT', 'Ready', primary.id],
    ]);
    expect(simulatedSharedFiles(primary.id).get(created.volume.id)).toBe(5 * GiB);
  });

  it('expunges the ROOT volume with its VM and keeps its data disk, detached, giving the ROOT space back', async () => {
    // Prepare
    const { id: vmId } = await deploy({ name: 'gone', diskofferingid: fixed5.id });
    const disks = await volumes({ virtualmachineid: vmId });
    const [root, data] = ['ROOT', 'DATADISK'].map((t) => disks.find((v) => v.type === t)!);
    const before = (await pool(primary.id)).disksizeallocated as number;

    // Act
    await job(await env.admin.ok('destroyVirtualMachine', { id: vmId, expunge: true }));

    // Assess
    expect(await volumes({ id: root.id })).toEqual([]);
    expect(await volume(data.id)).toMatchObject({ id: data.id, state: 'Ready' });
    expect((await volume(data.id)).virtualmachineid).toBeUndefined();
    expect((await pool(primary.id)).disksizeallocated).toBe(before - TEMPLATE_SIZE);
    expect(simulatedSharedFiles(primary.id).has(root.id)).toBe(false);
    expect(simulatedSharedFiles(primary.id).has(data.id)).toBe(true);
    await ledgerHolds(primary.id);
  });

  it("shows a user only their volumes, and refuses another tenant's", async () => {
    // Prepare
    const acme = await createTenant(env, 'volacme');
    const mine = (await acme.user.client.waitForJob((await acme.user.client.ok('createVolume', { zoneid: cat.zoneid, diskofferingid: fixed5.id, name: 'mine' })).jobid as string)).jobresult as Obj;

    // Act
    const listed = (await acme.user.client.ok('listVolumes', {})).volume as Obj[];
    const adminsVolume = (await volumes({ listall: 'true' })).find((v) => v.account === 'admin')!;
    const foreign = await acme.user.client.call('deleteVolume', { id: adminsVolume.id });

    // Assess
    expect(listed.map((v) => v.name)).toEqual(['mine']);
    expect(listed[0].storageid).toBeUndefined(); // pools are the root admin's
    expect(mine.volume.account).toBe(acme.user.accountName);
    expect(foreign.status).toBe(431);
  });

  it('never overcommits a nearly full pool under racing creates: the ledger equals its volumes after a randomised run', async () => {
    // Prepare: a zone-wide pool of 10 GiB (x2 overprovisioning: 20 GiB to allocate), tagged apart
    const racePool = (await env.admin.ok('createStoragePool', { zoneid: cat.zoneid, name: 'race', url: 'SharedMountPoint://localhost/srv/race', scope: 'zone', hypervisor: 'Simulator', capacitybytes: 10 * GiB, tags: 'race' })).storagepool as Obj;
    const raceOffering = (await env.admin.ok('createDiskOffering', { name: 'Race', customized: true, tags: 'race' })).diskoffering as Obj;
    const sizes = Array.from({ length: 24 }, (_, i) => 1 + ((i * 7) % 3)); // 1..3 GB, 48 GB asked in all

    // Act: every create at once
    const replies = await Promise.all(sizes.map((size) => env.admin.call('createVolume', { zoneid: cat.zoneid, diskofferingid: raceOffering.id, size, storageid: racePool.id })));
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status !== 200);
    await Promise.all(ok.map((r) => env.admin.waitForJob((r.data as Obj).createvolumeresponse?.jobid ?? (r.data as Obj).jobid)));
    // then random deletes and creates
    const on = await volumes({ storageid: racePool.id, listall: 'true' });
    for (const v of on.filter((_, i) => i % 3 === 0)) await env.admin.ok('deleteVolume', { id: v.id });
    await Promise.all([2, 2, 3].map((size) => env.admin.call('createVolume', { zoneid: cat.zoneid, diskofferingid: raceOffering.id, size, storageid: racePool.id })));

    // Assess
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.data.errortext).toMatch(/^Unable to create volume .* on storage pool race: /);
    await waitFor(async () => (await volumes({ storageid: racePool.id, listall: 'true' })).every((v) => v.state !== 'Destroy'));
    const final = await pool(racePool.id);
    expect(final.disksizeallocated).toBeLessThanOrEqual(20 * GiB);
    await ledgerHolds(racePool.id);
    await expectExactListCounters(); // the volumes' list counters too
  });

  it('reports a pool the hosts measure, and marks it Down with an alert when a host cannot reach it', async () => {
    // Prepare: a cluster pool without a given size, and a host whose view of it fails on demand
    let unreachable = false;
    const probe = await env.stack.addSimHost('storage-probe', {
      poolCapacityBytes: 3 * 1024 ** 4,
      faults: (operation, target) => (operation === 'poolStats' && unreachable && target === measured.id ? Object.assign(new Error('mount.nfs: Connection timed out'), { name: 'ResourceUnavailableError' }) : undefined),
    });
    const measured = (await env.admin.ok('createStoragePool', { zoneid: cat.zoneid, podid: env.stack.seed.pod.id, clusterid: env.stack.seed.cluster.id, name: 'measured', url: 'nfs://10.0.0.9/export/measured' })).storagepool as Obj;
    expect(measured).toMatchObject({ type: 'NetworkFilesystem', ipaddress: '10.0.0.9', path: '/export/measured', disksizetotal: 0 });

    // Act / Assess: the hosts' heartbeats size it
    await waitFor(async () => (await pool(measured.id)).disksizetotal > 0);
    expect([4 * 1024 ** 4, 3 * 1024 ** 4]).toContain((await pool(measured.id)).disksizetotal);

    unreachable = true;
    await waitFor(async () => (await pool(measured.id)).state === 'Down');
    const alerts = ((await env.admin.ok('listAlerts', {})).alert as Obj[]).filter((a) => a.name === 'ALERT.STORAGE.MISC');
    expect(alerts.map((a) => [a.description, a.content])).toContainEqual([`Storage pool measured is Down: host storage-probe cannot reach it`, "mount.nfs: Connection timed out"]);

    unreachable = false;
    await waitFor(async () => (await pool(measured.id)).state === 'Up');
    expect(probe.hostId).toBeDefined();
    await env.admin.ok('deleteStoragePool', { id: measured.id });
  });

  it('puts a pool in maintenance: its VMs are stopped, nothing new is placed on it; cancelled, they start again', async () => {
    // Prepare: a tagged zone-wide pool, a running VM with a data disk on it and one without
    const maint = (await env.admin.ok('createStoragePool', { zoneid: cat.zoneid, name: 'maint', url: 'SharedMountPoint:///srv/maint', scope: 'zone', hypervisor: 'Simulator', capacitybytes: 100 * GiB, tags: 'maint' })).storagepool as Obj;
    const onMaint = (await env.admin.ok('createDiskOffering', { name: 'On maint', disksize: 1, tags: 'maint' })).diskoffering as Obj;
    const { id: using } = await deploy({ name: 'uses-maint', diskofferingid: onMaint.id });
    const { id: other } = await deploy({ name: 'not-on-maint' });
    const vmState = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0].state;

    // Act
    const entered = await job(await env.admin.ok('enableStorageMaintenance', { id: maint.id }));

    // Assess
    expect(entered).toMatchObject({ jobstatus: 1, jobresult: { storagepool: { id: maint.id, state: 'Maintenance' } } });
    expect(await vmState(using)).toBe('Stopped');
    expect(await vmState(other)).toBe('Running');
    const start = await job(await env.admin.ok('startVirtualMachine', { id: using }));
    expect(start).toMatchObject({ jobstatus: 2, jobresultcode: 533 });
    expect((start.jobresult as Obj).errortext).toContain('its volumes are on storage pool maint, which is Maintenance');
    const newOne = await deploy({ name: 'new-on-maint', diskofferingid: onMaint.id });
    expect((newOne.job.jobresult as Obj).errortext).toMatch(/pool maint: it is Maintenance/);
    const again = await env.admin.call('enableStorageMaintenance', { id: maint.id });
    expect(again.status).toBe(431);
    const events = ((await env.admin.ok('listEvents', { type: 'MAINT.PREPARE.PS' })).event as Obj[]).map((e) => e.description);
    expect(events).toContainEqual('Storage pool maint is in Maintenance: 1 VM(s) stopped');

    // cancelled: Up again, and the VM it stopped starts
    const cancelled = await job(await env.admin.ok('cancelStorageMaintenance', { id: maint.id }));
    expect(cancelled).toMatchObject({ jobstatus: 1, jobresult: { storagepool: { state: 'Up' } } });
    await waitFor(async () => (await vmState(using)) === 'Running');
    expect((await env.admin.call('cancelStorageMaintenance', { id: maint.id })).status).toBe(431);
    await ledgerHolds(maint.id);
  });

  it('administers pools: refusals, disable and enable, tags, capacity not below the ledger, delete only when empty', async () => {
    const noCluster = await env.admin.call('createStoragePool', { zoneid: cat.zoneid, name: 'x', url: 'nfs://10.0.0.1/x', scope: 'cluster' });
    expect([noCluster.status, noCluster.data.errortext]).toEqual([431, "cluster id can't be null, if scope is cluster"]);
    const badUrl = await env.admin.call('createStoragePool', { zoneid: cat.zoneid, name: 'x', url: 'iscsi://10.0.0.1/x', scope: 'zone', hypervisor: 'KVM' });
    expect(badUrl.status).toBe(431);

    const spare = (await env.admin.ok('createStoragePool', { zoneid: cat.zoneid, name: 'spare', url: 'SharedMountPoint:///srv/spare', scope: 'zone', hypervisor: 'KVM', capacitybytes: 100 * GiB })).storagepool as Obj;
    expect((await env.admin.ok('updateStoragePool', { id: spare.id, enabled: false })).storagepool).toMatchObject({ state: 'Disabled' });
    expect(((await env.admin.ok('listStoragePools', { status: 'Disabled' })).storagepool as Obj[]).map((p) => p.id)).toEqual([spare.id]);
    expect((await env.admin.ok('updateStoragePool', { id: spare.id, enabled: true, tags: 'gold,fast' })).storagepool).toMatchObject({ state: 'Up', tags: 'gold,fast' });
    expect(((await env.admin.ok('listStoragePools', { scope: 'zone', name: 'spare' })).storagepool as Obj[]).length).toBe(1);

    const full = await env.admin.call('updateStoragePool', { id: primary.id, capacitybytes: 1 });
    expect(full.status).toBe(431);
    const inUse = await env.admin.call('deleteStoragePool', { id: primary.id });
    expect([inUse.status, inUse.data.errortext]).toEqual([431, 'Cannot delete pool primary1 as there are associated non-destroyed vols for this pool']);
    expect((await env.admin.ok('deleteStoragePool', { id: spare.id })).success).toBe(true);
    expect(((await env.admin.ok('listStoragePools', { id: spare.id })).storagepool as Obj[] | undefined) ?? []).toEqual([]);
  });

  it('administers disk offerings with their refusals, hiding unlisted ones from users', async () => {
    const noSize = await env.admin.call('createDiskOffering', { name: 'x' });
    expect([noSize.status, noSize.data.errortext]).toEqual([431, 'Disksize is required for a non-customized disk offering']);
    const both = await env.admin.call('createDiskOffering', { name: 'x', customized: true, disksize: 3 });
    expect(both.status).toBe(431);
    const hidden = (await env.admin.ok('createDiskOffering', { name: 'Hidden', disksize: 1, displayoffering: false })).diskoffering as Obj;
    const acme = await createTenant(env, 'diskacme');
    const seen = ((await acme.user.client.ok('listDiskOfferings', {})).diskoffering as Obj[]).map((o) => o.name);
    expect(seen).not.toContain('Hidden');
    expect(seen).toContain('Data 5 GB');
    const renamed = (await env.admin.ok('updateDiskOffering', { id: hidden.id, name: 'Shown', displayoffering: true, tags: 'a,b' })).diskoffering as Obj;
    expect(renamed).toMatchObject({ name: 'Shown', displayoffering: true, tags: 'a,b' });
    expect((await env.admin.ok('deleteDiskOffering', { id: hidden.id })).success).toBe(true);
    expect(((await env.admin.ok('listDiskOfferings', { id: hidden.id })).diskoffering as Obj[] | undefined) ?? []).toEqual([]);
    const denied = await acme.user.client.call('createDiskOffering', { name: 'mine', disksize: 1 });
    expect(denied.status).toBe(401);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
