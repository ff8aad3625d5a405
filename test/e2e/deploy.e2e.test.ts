import { catalogue, startTestStack } from '../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * deployVirtualMachine through signed HTTP against the whole local stack: DynamoDB Local, the local
 * Step Functions endpoint running workflows/deploy-vm.asl.json, and simulated hosts whose agents
 * lease and run the start.
 */
describe('deployVirtualMachine end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2 });
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const hostsById = async () => new Map(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.id as string, h]));

  it('deploys a VM to Running on a host whose used capacity grew by exactly the offering', async () => {
    // Prepare
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    const before = await hostsById();

    // Act: POST form, as the Go SDK sends deploys
    const submit = await env.admin.call('deployVirtualMachine', { serviceofferingid: small.id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'web-01' }, { method: 'POST' });
    expect(submit.status).toBe(200);
    const { id, jobid } = submit.data as { id: string; jobid: string };
    const job = await env.admin.waitForJob(jobid);

    // Assess: the job, the VM as listed, and the host's accounting
    expect(job).toMatchObject({ jobstatus: 1, jobresultcode: 0, jobresulttype: 'object', jobinstanceid: id, account: 'admin', domainpath: 'ROOT' });
    const vm = (job.jobresult as Obj).virtualmachine as Obj;
    expect(vm).toMatchObject({ id, name: 'web-01', state: 'Running', cpunumber: 1, cpuspeed: 500, memory: 512 });
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ChooseHost', 'ReserveCapacity', 'AllocateVolumes', 'StartOnHost', 'RecordJobSuccess']);

    const listed = (await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, state: 'Running', hostid: vm.hostid });
    expect(listed[0].nic[0].ipaddress).toMatch(/^10\.1\.1\.\d+$/);

    const after = await hostsById();
    const host = after.get(vm.hostid)!;
    const was = before.get(vm.hostid)!;
    expect(host.cpuallocatedvalue - was.cpuallocatedvalue).toBe(small.cpunumber * small.cpuspeed);
    expect(host.memoryallocated - was.memoryallocated).toBe(small.memory * 1024 * 1024);

    // ... and the VM really runs on that host's hypervisor.
    const simHost = env.stack.hosts.find((h) => h.hostId === vm.hostid)!;
    expect(await simHost.driver.domains()).toContainEqual({ name: vm.instancename, state: 'PowerOn' });
  });

  it('creates a VM Stopped, on no host and with no capacity taken, when startvm=false', async () => {
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    const before = await hostsById();

    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small.id, templateid: cat.templateid, zoneid: cat.zoneid, startvm: 'False' })) as { jobid: string; id: string };
    const job = await env.admin.waitForJob(jobid);

    expect(job).toMatchObject({ jobstatus: 1 });
    expect((job.jobresult as Obj).virtualmachine).toMatchObject({ id, state: 'Stopped', name: `VM-${id}` });
    expect((job.jobresult as Obj).virtualmachine.hostid).toBeUndefined();
    const after = await hostsById();
    for (const [hostId, h] of after) expect(h.cpuallocatedvalue).toBe(before.get(hostId)!.cpuallocatedvalue);
  });

  it('pages listVirtualMachines with count as the total', async () => {
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    const jobs = await Promise.all(
      ['page-a', 'page-b', 'page-c'].map(async (name) => (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small.id, templateid: cat.templateid, zoneid: cat.zoneid, name })).jobid as string),
    );
    for (const jobid of jobs) expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });

    const all = (await env.admin.ok('listVirtualMachines')).count as number;
    const page1 = await env.admin.ok('listVirtualMachines', { page: 1, pagesize: 2 });
    const page2 = await env.admin.ok('listVirtualMachines', { page: 2, pagesize: 2 });

    expect(all).toBeGreaterThanOrEqual(5);
    expect(page1).toMatchObject({ count: all });
    expect(page1.virtualmachine).toHaveLength(2);
    expect(page2.virtualmachine).toHaveLength(2);
    const ids = [...(page1.virtualmachine as Obj[]), ...(page2.virtualmachine as Obj[])].map((v) => v.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('lists the job of a VM with its workflow steps', async () => {
    const vms = (await env.admin.ok('listVirtualMachines', { name: 'web-01' })).virtualmachine as Obj[];
    const jobs = (await env.admin.ok('listAsyncJobs', { resourceid: vms[0].id })).asyncjobs as Obj[];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ jobstatus: 1, jobinstanceid: vms[0].id, cmd: expect.stringContaining('DeployVMCmd') });
    expect(jobs[0].steps).toHaveLength(5);
  });
});

describe('deployVirtualMachine failures end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;

  beforeAll(async () => {
    // Small hosts (2 x 1 GHz, 2 GiB): the Large Instance (4 x 2 GHz, 8 GiB) fits nowhere.
    env = await startTestStack({ simHosts: 2, simHost: { cpuNumber: 2, cpuSpeed: 1000, memoryTotal: 2048 } });
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const usedCapacity = async () => ((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.cpuallocatedvalue, h.memoryallocated]);

  it('fails with 533 naming what ruled each host out when no host has room', async () => {
    const large = cat.offerings.find((o) => o.name === 'Large Instance')!;
    const before = await usedCapacity();

    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: large.id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'too-big' })) as { jobid: string; id: string };
    const job = await env.admin.waitForJob(jobid);

    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533, jobresulttype: 'object', failedstep: 'ChooseHost' });
    expect(Object.keys(job.jobresult as Obj).sort()).toEqual(['errorcode', 'errortext']);
    expect((job.jobresult as Obj).errorcode).toBe(533);
    expect((job.jobresult as Obj).errortext).toMatch(/2 host\(s\) ruled out by insufficient CPU \(2\): host simhost-1 has 2000 MHz CPU free, needs 8000/);
    const vm = ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
    expect(vm.state).toBe('Error');
    expect(await usedCapacity()).toEqual(before);
  });

  it('releases the reserved capacity and leaves the VM in Error when the host fails to start it', async () => {
    // Prepare: a host that fails every start, named by the root admin (vm.allocation.algorithm is random by default).
    const faulty = await env.stack.addSimHost('aaa-faulty', {
      cpuNumber: 8,
      cpuSpeed: 2000,
      memoryTotal: 16384,
      faults: { start: { error: 'ResourceUnavailableError', message: 'storage pool primary-1 is offline' } },
    });
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;

    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: small.id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'unlucky', hostid: faulty.hostId })) as { jobid: string; id: string };
    const job = await env.admin.waitForJob(jobid);

    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 534, failedstep: 'StartOnHost' });
    expect((job.jobresult as Obj).errortext).toBe('storage pool primary-1 is offline');
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ChooseHost', 'ReserveCapacity', 'AllocateVolumes', 'CleanUpOnHost', 'ReleaseCapacity', 'RecordJobFailure']);
    const vm = ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
    expect(vm.state).toBe('Error');
    // The clean-up ran on the host before the capacity was released: nothing of the VM is left there.
    expect((await faulty.driver.domains()).map((d) => d.name)).not.toContain(vm.instancename);
    const host = ((await env.admin.ok('listHosts', { id: faulty.hostId })).host as Obj[])[0];
    expect(host).toMatchObject({ cpuallocatedvalue: 0, memoryallocated: 0 });
  });
});
