import type { FaultFunction } from '../../../agent/drivers/simulator';
import { DriverError } from '../../../agent/drivers/driver';
import { expectOneCopyAndExactAccounting } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * migrateVirtualMachine through signed HTTP (workflows/migrate-vm.asl.json) on three small simulated
 * hosts of one cluster: a plain move, a move to a full host that waits for room and one that gives
 * up, the destination failing, and the source's agent killed in the middle. After each, every VM
 * runs on exactly one host, the one the inventory names, and every host's use is the sum of its VMs.
 */
describe('live migration end to end', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const hostIds: Record<string, string> = {};
  const acceptFailures = new Map<string, number>(); // the destination refuses this many incoming migrations
  const latency: Record<string, { migrate?: number }> = {};
  const faultsFor =
    (name: string): FaultFunction =>
    (operation) => {
      const left = acceptFailures.get(name) ?? 0;
      if (operation !== 'acceptMigration' || left <= 0) return undefined;
      acceptFailures.set(name, left - 1);
      return new DriverError('ResourceUnavailableError', `Injected: ${name} refused the incoming migration`, true);
    };

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 0, agentLeaseMs: 3000 });
    for (const name of ['mig-a', 'mig-b', 'mig-c']) {
      latency[name] = {};
      const h = await env.stack.addSimHost(name, { cpuNumber: 4, cpuSpeed: 2000, memoryTotal: 8192, faults: faultsFor(name), latencyMs: latency[name] });
      hostIds[name] = h.hostId;
    }
    cat = await catalogue(env.admin);
  });
  afterAll(() => env.stop());

  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!;
  const custom = (cpuNumber: number, cpuSpeed: number, memory: number) => ({
    serviceofferingid: offering('Custom Instance').id,
    'details[0].cpuNumber': cpuNumber,
    'details[0].cpuSpeed': cpuSpeed,
    'details[0].memory': memory,
  });
  const deployOn = async (host: string, name: string, size: Obj = { serviceofferingid: offering('Medium Instance').id }) => {
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { templateid: cat.templateid, zoneid: cat.zoneid, name, hostid: hostIds[host], ...size })) as { jobid: string; id: string };
    expect(await env.admin.waitForJob(jobid)).toMatchObject({ jobstatus: 1 });
    return id;
  };
  const submitMigration = async (id: string, host?: string) => ((await env.admin.ok('migrateVirtualMachine', { virtualmachineid: id, ...(host ? { hostid: hostIds[host] } : {}) })) as { jobid: string }).jobid;
  const migrate = async (id: string, host?: string) => env.admin.waitForJob(await submitMigration(id, host));
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const destroy = async (id: string) => env.admin.waitForJob(((await env.admin.ok('destroyVirtualMachine', { id, expunge: true })) as { jobid: string }).jobid);
  const runsOn = (instanceName: string) => env.stack.hosts.filter((h) => h.driver.domain(instanceName)?.state === 'PowerOn').map((h) => h.name);
  const until = async (what: () => Promise<boolean>, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await what())) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('moves a running VM to the host named, and the domain moves with it', async () => {
    const id = await deployOn('mig-a', 'move-me');
    const job = await migrate(id, 'mig-b');
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id, state: 'Running', hostid: hostIds['mig-b'] } } });
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ReserveOnDestination', 'MigrateOnHost', 'CommitMigration', 'RecordJobSuccess']);
    expect(runsOn((await vmOf(id)).instancename)).toEqual(['mig-b']);
    const events = (await env.admin.ok('listEvents', { type: 'VM.MIGRATE' })).event as Obj[];
    expect(events.some((e) => e.resourceid === id || String(e.description).includes(id))).toBe(true);
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('lets the allocator choose the destination when none is named', async () => {
    const id = await deployOn('mig-a', 'move-anywhere');
    const job = await migrate(id);
    expect(job).toMatchObject({ jobstatus: 1 });
    expect((job.steps as Obj[])[0].name).toBe('ChooseDestination');
    expect((await vmOf(id)).hostid).not.toBe(hostIds['mig-a']);
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('waits in Migrating while the destination is full, and moves once room frees', async () => {
    await env.admin.ok('updateConfiguration', { name: 'vm.migrate.capacity.wait', value: '30' });
    const id = await deployOn('mig-a', 'wait-for-room');
    const filler = await deployOn('mig-b', 'filler-b', custom(4, 1900, 7800));
    const jobid = await submitMigration(id, 'mig-b');
    await until(async () => (await vmOf(id)).state === 'Migrating');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await vmOf(id)).toMatchObject({ state: 'Migrating' }); // still waiting, not failed
    expect(runsOn((await vmOf(id)).instancename)).toEqual(['mig-a']);
    await destroy(filler); // room frees on mig-b
    const job = await env.admin.waitForJob(jobid, { timeoutMs: 40_000 });
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { hostid: hostIds['mig-b'], state: 'Running' } } });
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('gives up after vm.migrate.capacity.wait and the VM runs on where it was', async () => {
    await env.admin.ok('updateConfiguration', { name: 'vm.migrate.capacity.wait', value: '2' });
    const id = await deployOn('mig-a', 'no-room');
    const filler = await deployOn('mig-b', 'filler-b2', custom(4, 1900, 7800));
    const job = await migrate(id, 'mig-b');
    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533, failedstep: 'ReserveOnDestination' });
    expect((job.jobresult as Obj).errortext).toMatch(/Host mig-b has no room for VM .* and none came free before/);
    expect(await vmOf(id)).toMatchObject({ state: 'Running', hostid: hostIds['mig-a'] });
    await expectOneCopyAndExactAccounting(env);
    await Promise.all([destroy(id), destroy(filler)]);
  });

  it('keeps the VM running on its source when the destination refuses it', async () => {
    const id = await deployOn('mig-a', 'refused');
    acceptFailures.set('mig-c', 1);
    const job = await migrate(id, 'mig-c');
    expect(job).toMatchObject({ jobstatus: 2, failedstep: 'MigrateOnHost', jobresult: { errortext: expect.stringContaining('Injected: mig-c refused') } });
    expect((job.steps as Obj[]).map((s) => s.name)).toEqual(['ReserveOnDestination', 'ResolveOnDestination', 'ReleaseMigration', 'RecordJobFailure']);
    expect(await vmOf(id)).toMatchObject({ state: 'Running', hostid: hostIds['mig-a'] });
    expect(runsOn((await vmOf(id)).instancename)).toEqual(['mig-a']);
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('finishes the move when the source agent is killed mid-migration and comes back', async () => {
    const id = await deployOn('mig-a', 'agent-killed');
    const source = env.stack.hosts.find((h) => h.name === 'mig-a')!;
    latency['mig-a'].migrate = 2500;
    const jobid = await submitMigration(id, 'mig-b');
    await until(async () => ((await env.admin.ok('queryAsyncJobResult', { jobid })).steps as Obj[] | undefined)?.some((s) => s.name === 'ReserveOnDestination') ?? false);
    await new Promise((r) => setTimeout(r, 800)); // the migration is under way on mig-a
    await source.agent.stop(); // killed: the migration it was running is cut short, unreported
    expect(runsOn((await vmOf(id)).instancename)).toEqual(['mig-a']);
    latency['mig-a'].migrate = 0;
    await source.agent.start(); // back: the task's lease lapses and it runs again
    const job = await env.admin.waitForJob(jobid, { timeoutMs: 40_000 });
    expect(job).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { hostid: hostIds['mig-b'], state: 'Running' } } });
    expect(runsOn((await vmOf(id)).instancename)).toEqual(['mig-b']);
    await expectOneCopyAndExactAccounting(env);
    await destroy(id);
  });

  it('refuses what cannot be migrated before starting a job', async () => {
    const id = await deployOn('mig-a', 'refuse-me');
    expect(await env.admin.call('migrateVirtualMachine', { virtualmachineid: id, hostid: hostIds['mig-a'] })).toMatchObject({ status: 431 });
    await env.admin.waitForJob(((await env.admin.ok('stopVirtualMachine', { id })) as { jobid: string }).jobid);
    expect(await env.admin.call('migrateVirtualMachine', { virtualmachineid: id, hostid: hostIds['mig-b'] })).toMatchObject({ status: 431 });
    await destroy(id);
  });
});
