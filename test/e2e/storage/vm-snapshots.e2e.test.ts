import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * VM snapshots end to end over signed HTTP: the three workflows through the local Step Functions
 * engine and the simulated hosts' agents, the chain (parent, current) and its mending on delete and
 * on an offering change, CloudStack's refusals and texts, vmsnapshot.max, one operation per VM at a
 * time, a host's failure leaving nothing half-made, tags, and everything gone with a destroyed VM.
 */
describe('VM snapshots end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let slow: { hostId: string };
  let faulty: { hostId: string };
  let failSnapshots = false;

  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!.id;
  const job = async (reply: Record<string, unknown>) => env.admin.waitForJob(reply.jobid as string);
  const deploy = async (params: Record<string, string | number | boolean> = {}) => {
    const reply = await env.admin.ok('deployVirtualMachine', { serviceofferingid: offering('Small Instance'), templateid: cat.templateid, zoneid: cat.zoneid, ...params });
    expect(await job(reply)).toMatchObject({ jobstatus: 1 });
    return reply.id as string;
  };
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const snapshotsOf = async (vmId: string, params: Record<string, string> = {}) => ((await env.admin.ok('listVMSnapshot', { virtualmachineid: vmId, ...params })).vmSnapshot as Obj[] | undefined) ?? [];
  const take = async (vmId: string, params: Record<string, string | boolean> = {}) => job(await env.admin.ok('createVMSnapshot', { virtualmachineid: vmId, ...params }));
  const taken = async (vmId: string, params: Record<string, string | boolean> = {}) => {
    const done = await take(vmId, params);
    expect(done).toMatchObject({ jobstatus: 1 });
    return (done.jobresult as Obj).vmsnapshot as Obj;
  };
  /** The snapshots the hosts keep of a VM's domain (a VM that moved: every host it was defined on). */
  const onHost = async (vmId: string) => {
    const name = (await vmOf(vmId)).instancename as string;
    return [...new Set(env.stack.hosts.flatMap((h) => h.driver.snapshotsOf(name)))];
  };

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2 });
    cat = await catalogue(env.admin);
    slow = await env.stack.addSimHost('snap-slow', { latencyMs: { createSnapshot: 1500 } });
    faulty = await env.stack.addSimHost('snap-faulty', {
      faults: (operation) => (failSnapshots && operation === 'createSnapshot' ? Object.assign(new Error('qemu: savevm failed: No space left on device'), { name: 'ResourceUnavailableError' }) : undefined),
    });
  });
  afterAll(() => env.stop());

  it("takes a running VM's snapshot with its memory, then another as its child, each current in turn, with CloudStack's fields", async () => {
    // Prepare
    const id = await deploy({ name: 'snap-1' });

    // Act
    const first = await taken(id, { snapshotmemory: true, name: 'before upgrade', description: 'known good' });
    const second = await taken(id, { snapshotmemory: true });

    // Assess
    const vm = await vmOf(id);
    expect(first).toMatchObject({
      displayname: 'before upgrade',
      description: 'known good',
      type: 'DiskAndMemory',
      state: 'Ready',
      current: true,
      virtualmachineid: id,
      virtualmachinename: 'snap-1',
      zoneid: cat.zoneid,
      hypervisor: 'KVM',
      account: 'admin',
    });
    expect(first.name).toMatch(new RegExp(`^${vm.instancename}_VS_\\d{14}$`));
    expect(first.parent).toBeUndefined();
    expect(second).toMatchObject({ parent: first.id, parentName: 'before upgrade', current: true, displayname: second.name });
    const listed = await env.admin.ok('listVMSnapshot', { virtualmachineid: id });
    expect(listed.count).toBe(2);
    expect((listed.vmSnapshot as Obj[]).map((s) => [s.id, s.current])).toEqual([
      [first.id, false],
      [second.id, true],
    ]);
    expect(await onHost(id)).toEqual([first.name, second.name]);
    expect(vm.state).toBe('Running');
    // filters: by id, several ids, name (internal or display), state, keyword
    expect((await env.admin.ok('listVMSnapshot', { vmsnapshotid: first.id })).vmSnapshot).toHaveLength(1);
    expect((await env.admin.ok('listVMSnapshot', { vmsnapshotids: `${first.id},${second.id}` })).count).toBe(2);
    expect((await snapshotsOf(id, { name: 'before upgrade' })).map((s) => s.id)).toEqual([first.id]);
    expect((await snapshotsOf(id, { name: second.name })).map((s) => s.id)).toEqual([second.id]);
    expect(await snapshotsOf(id, { state: 'Error' })).toEqual([]);
    expect((await env.admin.ok('listVMSnapshot', { keyword: 'KNOWN' })).count).toBe(1);
    await expectExactListCounters();
  });

  it("refuses what CloudStack refuses, with its texts: a running VM's disks alone, a stopped VM's memory, volume changes while snapshots exist", async () => {
    // Prepare
    const id = await deploy({ name: 'snap-2', diskofferingid: ((await env.admin.ok('createDiskOffering', { name: 'snap-data', disksize: 1 })).diskoffering as Obj).id });
    await taken(id, { snapshotmemory: true });
    const data = ((await env.admin.ok('listVolumes', { virtualmachineid: id, type: 'DATADISK' })).volume as Obj[])[0];
    const root = ((await env.admin.ok('listVolumes', { virtualmachineid: id, type: 'ROOT' })).volume as Obj[])[0];
    const spare = (await job(await env.admin.ok('createVolume', { zoneid: cat.zoneid, name: 'spare', diskofferingid: data.diskofferingid }))).jobresult as Obj;

    // Act
    const diskOnly = await env.admin.call('createVMSnapshot', { virtualmachineid: id });
    const attach = await env.admin.call('attachVolume', { id: spare.volume.id, virtualmachineid: id });
    const detach = await env.admin.call('detachVolume', { id: data.id });
    const resize = await env.admin.call('resizeVolume', { id: root.id, size: 20 });
    await job(await env.admin.ok('stopVirtualMachine', { id }));
    const memoryWhenStopped = await env.admin.call('createVMSnapshot', { virtualmachineid: id, snapshotmemory: true });

    // Assess
    const vm = await vmOf(id);
    expect([diskOnly.status, diskOnly.data.errortext]).toEqual([431, expect.stringMatching(/^No strategy was able to handle requested snapshot for VM \[snap-2\]\. A running VM's snapshot includes its memory/)]);
    expect([attach.status, attach.data.errortext]).toEqual([431, `Unable to attach volume to VM ${vm.name}/${id}, please specify a VM that does not have VM snapshots`]);
    expect([detach.status, detach.data.errortext]).toEqual([431, 'Unable to detach volume, please specify a VM that does not have VM snapshots']);
    expect([resize.status, resize.data.errortext]).toEqual([431, `Unable to resize volume ${root.name}: its VM snap-2 has VM snapshots; delete them first`]);
    expect([memoryWhenStopped.status, memoryWhenStopped.data.errortext]).toEqual([431, 'Can not snapshot memory when VM is not in Running state']);
    expect(await snapshotsOf(id)).toHaveLength(1);
    // bad input: an unknown snapshot, a malformed VM id, a missing one, as CloudStack answers them
    const unknown = '7a1f0c7e-5b44-4c55-9d1e-2f0d1d6c0aff';
    for (const command of ['revertToVMSnapshot', 'deleteVMSnapshot']) {
      const r = await env.admin.call(command, { vmsnapshotid: unknown });
      expect([r.status, r.data.errortext]).toEqual([431, expect.stringContaining(`Invalid parameter vmsnapshotid value=${unknown}`)]);
    }
    const malformed = await env.admin.call('createVMSnapshot', { virtualmachineid: 'not-a-uuid' });
    expect(malformed.status).toBe(431);
    const missing = await env.admin.call('createVMSnapshot', {});
    expect([missing.status, missing.data.errortext]).toEqual([431, expect.stringContaining('virtualmachineid')]);
  });

  it('reverts a running VM to a memory snapshot and a stopped one to a disk snapshot, never changing its power state', async () => {
    // Prepare: a memory snapshot while running, a disk one while stopped (its domain defined on its last host)
    const id = await deploy({ name: 'snap-3' });
    const memory = await taken(id, { snapshotmemory: true });
    await job(await env.admin.ok('stopVirtualMachine', { id }));
    const disk = await taken(id, { name: 'cold' });
    expect(disk).toMatchObject({ type: 'Disk', parent: memory.id, current: true });

    // Act / Assess: stopped, back to the disk snapshot; not to the memory one (it would start the VM)
    const toMemoryStopped = await env.admin.call('revertToVMSnapshot', { vmsnapshotid: memory.id });
    expect([toMemoryStopped.status, toMemoryStopped.data.errortext]).toEqual([
      431,
      'VM Snapshot revert not allowed. This will result in VM state change. You can revert running VM to disk and memory type snapshot and stopped VM to disk type snapshot',
    ]);
    const coldRevert = await job(await env.admin.ok('revertToVMSnapshot', { vmsnapshotid: disk.id }));
    expect(coldRevert).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Stopped' } } });

    // running again (on whichever host): back to the memory snapshot, defined there from the chain if the VM moved
    await job(await env.admin.ok('startVirtualMachine', { id }));
    const toDiskRunning = await env.admin.call('revertToVMSnapshot', { vmsnapshotid: disk.id });
    expect(toDiskRunning.status).toBe(431);
    const warmRevert = await job(await env.admin.ok('revertToVMSnapshot', { vmsnapshotid: memory.id }));
    expect(warmRevert).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Running' } } });
    expect((await snapshotsOf(id)).map((s) => [s.id, s.current, s.state])).toEqual([
      [memory.id, true, 'Ready'],
      [disk.id, false, 'Ready'],
    ]);
    // a new snapshot's parent is the one reverted to
    const third = await taken(id, { snapshotmemory: true });
    expect(third.parent).toBe(memory.id);
    expect((await onHost(id)).sort()).toEqual([memory.name, disk.name, third.name].sort());
  });

  it('deletes a snapshot: its children move under its parent, current moves to its parent, the host loses it', async () => {
    // Prepare: a -> b -> c, c current
    const id = await deploy({ name: 'snap-4' });
    const [a, b, c] = [await taken(id, { snapshotmemory: true }), await taken(id, { snapshotmemory: true }), await taken(id, { snapshotmemory: true })];

    // Act
    const middle = await job(await env.admin.ok('deleteVMSnapshot', { vmsnapshotid: b.id }));
    const last = await job(await env.admin.ok('deleteVMSnapshot', { vmsnapshotid: c.id }));

    // Assess
    expect(middle).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect(last).toMatchObject({ jobstatus: 1 });
    expect((await snapshotsOf(id)).map((s) => [s.id, s.parent, s.current])).toEqual([[a.id, undefined, true]]);
    expect(await onHost(id)).toEqual([a.name]);
    const again = await env.admin.call('deleteVMSnapshot', { vmsnapshotid: c.id });
    expect(again.status).toBe(431);
    await expectExactListCounters();
  });

  it('refuses one snapshot beyond vmsnapshot.max with CloudStack\'s text, and a second operation while one runs', async () => {
    // Prepare
    const tooMany = await env.admin.call('updateConfiguration', { name: 'vmsnapshot.max', value: 51 });
    expect([tooMany.status, tooMany.data.errortext]).toEqual([431, "vmsnapshot.max can be at most 50: a VM's snapshots go in one transaction with its destroy"]);
    await env.admin.ok('updateConfiguration', { name: 'vmsnapshot.max', value: 3 });
    const id = await deploy({ name: 'snap-5', hostid: slow.hostId });
    try {
      await taken(id, { snapshotmemory: true });
      // Act: a second create takes 1.5 s on this host; one more asked meanwhile is refused
      const running = await env.admin.ok('createVMSnapshot', { virtualmachineid: id, snapshotmemory: true });
      const meanwhile = await env.admin.call('createVMSnapshot', { virtualmachineid: id, snapshotmemory: true });
      expect(await job(running)).toMatchObject({ jobstatus: 1 });
      await taken(id, { snapshotmemory: true });
      const beyond = await env.admin.call('createVMSnapshot', { virtualmachineid: id, snapshotmemory: true });

      // Assess
      expect([meanwhile.status, meanwhile.data.errortext]).toEqual([530, 'Failed to create vm snapshot: There is other active vm snapshot tasks on the instance, please try again later']);
      expect([beyond.status, beyond.data.errortext]).toEqual([530, 'Failed to create vm snapshot: Creating vm snapshot failed due to a VM can just have : 3 VM snapshots. Please delete old ones']);
      expect(await snapshotsOf(id)).toHaveLength(3);
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'vmsnapshot.max', value: 10 });
    }
  });

  it('leaves no record and nothing on the host when the host fails to take the snapshot', async () => {
    // Prepare
    const id = await deploy({ name: 'snap-6', hostid: faulty.hostId });
    const kept = await taken(id, { snapshotmemory: true });
    failSnapshots = true;

    // Act
    const failed = await take(id, { snapshotmemory: true });
    failSnapshots = false;

    // Assess
    expect(failed).toMatchObject({ jobstatus: 2, jobresult: { errorcode: 534, errortext: expect.stringContaining('No space left on device') } });
    expect((await snapshotsOf(id)).map((s) => [s.id, s.current])).toEqual([[kept.id, true]]);
    expect(await onHost(id)).toEqual([kept.name]);
    expect((await vmOf(id)).state).toBe('Running');
    expect((await taken(id, { snapshotmemory: true })).parent).toBe(kept.id); // and the next one works
  });

  it('discards memory snapshots on an offering change, mending the chain, and the host drops them at its next snapshot command', async () => {
    // Prepare: memory m1, then (stopped) disk d1 under it, then memory m2 ... m2 is discarded, d1 kept under nothing
    const id = await deploy({ name: 'snap-7' });
    const m1 = await taken(id, { snapshotmemory: true });
    await job(await env.admin.ok('stopVirtualMachine', { id }));
    const d1 = await taken(id);

    // Act
    await env.admin.ok('changeServiceForVirtualMachine', { id, serviceofferingid: offering('Medium Instance') });

    // Assess
    expect((await snapshotsOf(id)).map((s) => [s.id, s.parent, s.current])).toEqual([[d1.id, undefined, true]]);
    const d2 = await taken(id, { name: 'after' });
    expect(d2.parent).toBe(d1.id);
    expect((await onHost(id)).sort()).toEqual([d1.name, d2.name].sort());
    expect(await onHost(id)).not.toContain(m1.name);
  });

  it('tags a VM snapshot and filters by its tags', async () => {
    // Prepare
    const id = await deploy({ name: 'snap-8' });
    const s = await taken(id, { snapshotmemory: true });

    // Act
    await job(await env.admin.ok('createTags', { resourcetype: 'VMSnapshot', 'resourceids': s.id, 'tags[0].key': 'keep', 'tags[0].value': 'yes' }));

    // Assess
    expect((await snapshotsOf(id, { 'tags[0].key': 'keep', 'tags[0].value': 'yes' })).map((x) => x.id)).toEqual([s.id]);
    expect(await snapshotsOf(id, { 'tags[0].key': 'keep', 'tags[0].value': 'no' })).toEqual([]);
    expect((await snapshotsOf(id))[0].tags).toEqual([expect.objectContaining({ key: 'keep', value: 'yes', resourcetype: 'VMSnapshot', resourceid: s.id })]);
    expect(((await env.admin.ok('listTags', { resourceid: s.id })).tag as Obj[]).map((t) => t.key)).toEqual(['keep']);
    // its tags go with it
    await job(await env.admin.ok('deleteVMSnapshot', { vmsnapshotid: s.id }));
    expect((await env.admin.ok('listTags', { resourcetype: 'VMSnapshot', listall: true })).count ?? 0).toBe(0);
    await expectExactListCounters();
  });

  it("deletes every snapshot of a VM with the VM's destroy", async () => {
    // Prepare
    const id = await deploy({ name: 'snap-9' });
    await taken(id, { snapshotmemory: true });
    await taken(id, { snapshotmemory: true });

    // Act
    await job(await env.admin.ok('destroyVirtualMachine', { id }));

    // Assess
    expect((await env.admin.ok('listVMSnapshot', { virtualmachineid: id })).count ?? 0).toBe(0);
    await expectExactListCounters();
  });
});
