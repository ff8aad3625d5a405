import type { FaultFunction } from '../../../agent/drivers/simulator';
import { DriverError } from '../../../agent/drivers/driver';
import { expectOneCopyAndExactAccounting } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * scaleVirtualMachine on running VMs through signed HTTP (workflows/scale-vm.asl.json) on three
 * small simulated hosts of one cluster: in place, by a move to a host with room, failing with the
 * VM untouched, and retried past a failed hot scale. After each, the inventory and the hosts agree.
 */
describe('live scaling end to end', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const hostIds: Record<string, string> = {};
  // Faults the tests switch on: `scale` fails this many more times on the named host.
  const scaleFailures = new Map<string, number>();
  const lostHosts = new Set<string>(); // a source whose migrations fail: it is lost mid-move
  const faultsFor =
    (name: string): FaultFunction =>
    (operation) => {
      if (operation === 'migrate' && lostHosts.has(name)) return new DriverError('ResourceUnavailableError', `Injected: host ${name} lost during the migration`, true);
      const left = scaleFailures.get(name) ?? 0;
      if (operation !== 'scale' || left <= 0) return undefined;
      scaleFailures.set(name, left - 1);
      return new DriverError('ResourceUnavailableError', `Injected: hot scale failed on ${name}`, true);
    };

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0 });
    for (const name of ['scale-a', 'scale-b', 'scale-c']) {
      const h = await env.stack.addSimHost(name, { cpuNumber: 4, cpuSpeed: 2000, memoryTotal: 8192, faults: faultsFor(name) });
      hostIds[name] = h.hostId;
    }
    cat = await catalogue(env.admin);
    await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'true' });
  });
  afterAll(() => env.stop());

  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!;
  const custom = (cpuNumber: number, cpuSpeed: number, memory: number) => ({
    serviceofferingid: offering('Custom Instance').id,
    'details[0].cpuNumber': cpuNumber,
    'details[0].cpuSpeed': cpuSpeed,
    'details[0].memory': memory,
  });
  const deployOn = async (host: string, name: string, size: Obj) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { templateid: cat.templateid, zoneid: cat.zoneid, name, hostid: hostIds[host], ...size })) as { jobid: string; id: string };
    const done = await env.admin.waitForJob(jobid);
    // The job's result too: a failed deploy says why.
    expect({ jobstatus: done.jobstatus, result: done.jobstatus === 1 ? undefined : done.jobresult }).toEqual({ jobstatus: 1, result: undefined });
    return id;
  };
  const scale = async (id: string, params: Obj) => env.admin.waitForJob(((await env.admin.ok('scaleVirtualMachine', { id, ...params })) as { jobid: string }).jobid);
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const destroy = async (id: string) => env.admin.waitForJob(((await env.admin.ok('destroyVirtualMachine', { id, expunge: true })) as { jobid: string }).jobid);
  const domainSize = (host: string, instanceName: string) => {
    const spec = env.stack.hosts.find((h) => h.name === host)!.driver.domain(instanceName)?.spec;
    return spec && { cpuNumber: spec.cpuNumber, memory: spec.memory };
  };

  it('scales a running VM in place when its host has room, and the domain changes with it', async () => {
    const id = await deployOn('scale-a', 'grow-here', { serviceofferingid: offering('Medium Instance').id });
    const job = await scale(id, custom(2, 1000, 2048));
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Running', cpunumber: 2, cpuspeed: 1000, memory: 2048, serviceofferingid: offering('Custom Instance').id, hostid: hostIds['scale-a'] } } });
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ReserveInPlace', 'ScaleInPlace', 'CommitScale', 'RecordJobSuccess']);
    const vm = await vmOf(id);
    expect(domainSize('scale-a', vm.instancename)).toEqual({ cpuNumber: 2, memory: 2048 });
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('retries a failed hot scale and succeeds on the second attempt', async () => {
    const id = await deployOn('scale-a', 'grow-retry', { serviceofferingid: offering('Medium Instance').id });
    scaleFailures.set('scale-a', 1);
    const job = await scale(id, custom(2, 1000, 1536));
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { cpunumber: 2, memory: 1536, hostid: hostIds['scale-a'] } } });
    expect(scaleFailures.get('scale-a')).toBe(0); // the injected failure was hit
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('fails after scale.retry failed attempts and leaves the VM as it was', async () => {
    const id = await deployOn('scale-a', 'grow-never', { serviceofferingid: offering('Medium Instance').id });
    const before = await vmOf(id);
    scaleFailures.set('scale-a', 2); // scale.retry is 2: both attempts fail
    const job = await scale(id, custom(2, 1000, 1536));
    expect(job).toMatchObject({ jobstatus: 2, failedstep: 'ScaleInPlace', jobresult: { errortext: expect.stringContaining('Injected: hot scale failed on scale-a') } });
    const after = await vmOf(id);
    expect(after).toMatchObject({ state: 'Running', cpunumber: before.cpunumber, memory: before.memory, serviceofferingid: before.serviceofferingid, hostid: before.hostid });
    expect(domainSize('scale-a', before.instancename)).toEqual({ cpuNumber: 1, memory: 1024 });
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('moves the VM to a host of its cluster with room when its own host has none, and scales it there', async () => {
    const id = await deployOn('scale-a', 'grow-away', { serviceofferingid: offering('Medium Instance').id });
    const filler = await deployOn('scale-a', 'filler-a', custom(3, 2300, 6500)); // scale-a: 7900 of 8000 MHz used
    const job = await scale(id, custom(2, 1000, 2048));
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { cpunumber: 2, memory: 2048, state: 'Running' } } });
    const moved = await vmOf(id);
    expect(moved.hostid).not.toBe(hostIds['scale-a']);
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ChooseDestination', 'ReserveOnDestination', 'MigrateOnHost', 'ScaleOnDestination', 'CommitMigration', 'RecordJobSuccess']);
    const there = env.stack.hosts.find((h) => h.hostId === moved.hostid)!;
    expect(domainSize(there.name, moved.instancename)).toEqual({ cpuNumber: 2, memory: 2048 });
    expect(domainSize('scale-a', moved.instancename)).toBeUndefined();
    await expectOneCopyAndExactAccounting(env);
    await Promise.all([destroy(id), destroy(filler)]);
  });

  it('undoes a scale whose source host is lost during the move: the VM runs on as it was, where it was', async () => {
    const id = await deployOn('scale-a', 'grow-lost', { serviceofferingid: offering('Medium Instance').id });
    const filler = await deployOn('scale-a', 'filler-lost', custom(3, 2300, 6500));
    const before = await vmOf(id);
    const hostsBefore = ((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.cpuallocatedvalue, h.memoryallocated]);
    lostHosts.add('scale-a');
    try {
      const job = await scale(id, custom(2, 1000, 2048));
      expect(job).toMatchObject({ jobstatus: 2, failedstep: 'MigrateOnHost', jobresult: { errortext: expect.stringContaining('Injected: host scale-a lost') } });
      expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ChooseDestination', 'ReserveOnDestination', 'ResolveOnDestination', 'ReleaseMigration', 'ReleaseScale', 'RecordJobFailure']);
    } finally {
      lostHosts.delete('scale-a');
    }
    expect(await vmOf(id)).toMatchObject({ state: 'Running', cpunumber: before.cpunumber, memory: before.memory, hostid: hostIds['scale-a'] });
    expect(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.cpuallocatedvalue, h.memoryallocated])).toEqual(hostsBefore);
    await expectOneCopyAndExactAccounting(env);
    await Promise.all([destroy(id), destroy(filler)]);
  });

  it('fails with a clear error when no host of the cluster can take the new size, and the VM runs on unchanged', async () => {
    const id = await deployOn('scale-a', 'grow-nowhere', { serviceofferingid: offering('Medium Instance').id });
    const fillers = [await deployOn('scale-a', 'full-a', custom(3, 2300, 6500)), await deployOn('scale-b', 'full-b', custom(4, 1900, 7800)), await deployOn('scale-c', 'full-c', custom(4, 1900, 7800))];
    const hostsBefore = ((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.cpuallocatedvalue, h.memoryallocated]);
    const job = await scale(id, custom(2, 1000, 2048));
    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533, failedstep: 'ChooseDestination' });
    expect((job.jobresult as Obj).errortext).toMatch(/Unable to find a host to migrate VM\[User\|.*\]: no host in cluster cluster1 of zone zone1 can take it; 2 host\(s\) ruled out by insufficient CPU/);
    expect(await vmOf(id)).toMatchObject({ state: 'Running', cpunumber: 1, memory: 1024, serviceofferingid: offering('Medium Instance').id, hostid: hostIds['scale-a'] });
    expect(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.cpuallocatedvalue, h.memoryallocated])).toEqual(hostsBefore);
    await expectOneCopyAndExactAccounting(env);
    await Promise.all([id, ...fillers].map(destroy));
  });

  it('refuses what cannot be scaled live before starting a job: disabled, same size, beyond the domain\'s room', async () => {
    const id = await deployOn('scale-a', 'grow-refused', { serviceofferingid: offering('Medium Instance').id });
    await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'false' });
    try {
      expect(await env.admin.call('scaleVirtualMachine', { id, ...custom(2, 1000, 2048) })).toMatchObject({ status: 531 });
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'true' });
    }
    expect(await env.admin.call('scaleVirtualMachine', { id, ...custom(1, 1000, 1024) })).toMatchObject({ status: 431 });
    expect(await env.admin.call('scaleVirtualMachine', { id, ...custom(8, 1000, 2048) })).toMatchObject({ status: 431 });
    expect((await vmOf(id)).jobid).toBeUndefined();
    await destroy(id);
  });
});
