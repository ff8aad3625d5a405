import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createStore } from '../../../functions/store';
import { documentClient } from '../../../functions/store/client';
import { forEachState, type JsonObject } from '../../../local/stepfunctions/definitions';
import { simulatedBackupFiles } from '../../../agent/drivers/simulator';
import { emptyQcow2, startImageServer, type ImageServer } from '../../../local/image-server';
import { projectRoot } from '../../../local/paths';
import { seededPool } from '../../../functions/bootstrap/seed';
import { expectExactListCounters, expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Every Catch path of every workflow ends in a settled job. Each workflow runs once per input shape
 * its commands send with no fault, then once with each Task state it reached failing (the step's
 * Lambda throws on every attempt; retries wait 0 ms), then with each state that only a failure
 * reaches failing too, until every Task state of every workflow has failed in at least one run.
 * After each run: no execution ended in States.Runtime or is still running; the job is settled, and
 * a failed one names the first step that failed (or the reconciler, when the step that records
 * failures is the one failing); the VM is in a state the workflow names, not a transitional one;
 * every host's allocated capacity is the sum of what its VMs hold, and every address in use belongs
 * to a NIC of a VM that exists; a failed job that left its VM as it was (state and host) left capacity and
 * addresses exactly as before.
 */
jest.setTimeout(20 * 60_000);

const WORKFLOWS_DIR = join(projectRoot(), 'workflows');
const TRANSITIONAL = new Set(['Starting', 'Stopping', 'Migrating', 'Expunging']);

/** What the checks need of each state of a workflow, read once from its definition. */
interface StateFacts {
  task: boolean;
  /** A failure here is the job's failure: its catch-all writes under the job's $.failure (none: it records the end). */
  recordsFailure: boolean;
  /** No Catch: it records the job's end, and when it fails for good the reconciler settles the job. */
  recordsLast: boolean;
  /** The Map or Parallel states it runs inside. */
  inside: string[];
}

const facts = new Map<string, Map<string, StateFacts>>();
function statesOf(workflow: string): Map<string, StateFacts> {
  const known = facts.get(workflow);
  if (known) return known;
  const definition = JSON.parse(readFileSync(join(WORKFLOWS_DIR, `${workflow}.asl.json`), 'utf8')) as JsonObject;
  const out = new Map<string, StateFacts>();
  forEachState(definition, (name, state) => {
    const catchAll = ((state.Catch as JsonObject[] | undefined) ?? []).find((c) => (c.ErrorEquals as string[]).includes('States.ALL'));
    out.set(name, { task: state.Type === 'Task', recordsFailure: !catchAll || String(catchAll.ResultPath ?? '').startsWith('$.failure'), recordsLast: !state.Catch, inside: out.get(name)?.inside ?? [] });
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as JsonObject[] | undefined) ?? [])].filter((m): m is JsonObject => !!m && typeof m === 'object');
    for (const machine of nested) forEachState(machine, (inner) => void out.set(inner, { ...(out.get(inner) as StateFacts), inside: [...(out.get(inner)?.inside ?? []), name] }));
  });
  // Inside a Map, $.failure is the iteration's: the drain records what each VM ended with.
  for (const f of out.values()) if (f.inside.length > 0) f.recordsFailure = false;
  facts.set(workflow, out);
  return out;
}
const taskStatesOf = (workflow: string) => [...statesOf(workflow)].filter(([, f]) => f.task).map(([name]) => name);
const stateFacts = (workflow: string, state: string) => statesOf(workflow).get(state)!;

interface Plan {
  workflow: string;
  failing: string[];
  reached: string[];
  hit: string[];
}

let plan: Plan | undefined;

describe('every Catch path of every workflow ends in a settled job', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let sfn: SFNClient;
  let images: ImageServer | undefined;
  let catchIso: string | undefined;
  const hostIds: Record<string, string> = {};
  const outcomes: string[] = [];

  beforeAll(async () => {
    env = await startTestStack({
      simHosts: 0,
      scheduler: false,
      taskFaults: {
        retryIntervalMs: 0,
        taskFault: (workflow, state) => {
          if (!plan || plan.workflow !== workflow) return undefined;
          plan.reached.push(state);
          if (!plan.failing.includes(state)) return undefined;
          plan.hit.push(state);
          return new Error(`Injected: ${state} fails`);
        },
      },
    });
    for (const [name, size] of [
      // Roomy: the runs leave their VMs where they ended (about 120 Small VMs in all).
      ['fault-a', { cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 131072 }],
      ['fault-b', { cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 131072 }],
      ['fault-small', { cpuNumber: 2, cpuSpeed: 2000, memoryTotal: 2048 }],
    ] as const) {
      hostIds[name] = (await env.stack.addSimHost(name, size)).hostId;
    }
    cat = await catalogue(env.admin);
    await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'vm.max.guests.per.host', value: '1000' });
    sfn = new SFNClient({ endpoint: env.stack.stepFunctionsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    // What each run ended with, for a reader of a failure (npm test prints nothing when they pass).
    mkdirSync(join(projectRoot(), '.build'), { recursive: true });
    writeFileSync(join(projectRoot(), '.build', 'catch-paths.txt'), `${outcomes.length} runs\n${outcomes.join('\n')}\n`);
    sfn?.destroy();
    await images?.close();
    await env?.stop();
  });

  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!;
  const small = () => ({ serviceofferingid: offering('Small Instance').id, templateid: cat.templateid, zoneid: cat.zoneid });
  let seq = 0;
  const job = async (submit: Promise<Obj>) => ((await submit) as { jobid: string }).jobid;
  const expectDone = async (jobid: string) => {
    const done = await env.admin.waitForJob(jobid);
    expect({ jobstatus: done.jobstatus, failure: done.jobstatus === 1 ? undefined : done.jobresult }).toEqual({ jobstatus: 1, failure: undefined });
  };
  const vmOf = async (id: string): Promise<Obj | undefined> => ((await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[] | undefined)?.[0];
  const deploy = async (params: Obj = {}) => {
    const reply = await env.admin.ok('deployVirtualMachine', { ...small(), name: `catch-${++seq}`, ...params });
    await expectDone(reply.jobid as string);
    return reply.id as string;
  };
  const stop = async (id: string) => expectDone(await job(env.admin.ok('stopVirtualMachine', { id })));

  /** What each command sends, from a VM set up for it (no fault while setting up). */
  interface Shape {
    name: string;
    workflow: string;
    setUp(): Promise<string | undefined>; // the VM's id, if it exists before the command
    run(vmId: string | undefined): Promise<{ jobid: string; vmId: string }>;
    /** Checks of its own and putting back what the next run needs, once the job has settled. */
    after?(label: string, vmId: string): Promise<void>;
  }
  const onVm = (command: string, params: Obj = {}) => async (id: string | undefined) => ({ jobid: await job(env.admin.ok(command, { id: id!, ...params })), vmId: id! });
  const runningOn = (host?: string, params: Obj = {}) => () => deploy({ ...(host ? { hostid: hostIds[host] } : {}), ...params });
  const stoppedAfterRun = (host: string) => async () => {
    const id = await deploy({ hostid: hostIds[host] });
    await stop(id);
    return id;
  };
  const deployShape = (name: string, params: Obj): Shape => ({
    name,
    workflow: 'deploy-vm',
    setUp: async () => undefined,
    run: async () => {
      const reply = await env.admin.ok('deployVirtualMachine', { ...small(), name: `catch-${++seq}`, ...params });
      return { jobid: reply.jobid as string, vmId: reply.id as string };
    },
  });
  const custom = (cpuNumber: number, cpuSpeed: number, memory: number) => ({
    serviceofferingid: offering('Custom Instance').id,
    'details[0].cpuNumber': cpuNumber,
    'details[0].cpuSpeed': cpuSpeed,
    'details[0].memory': memory,
  });

  const shapes: Shape[] = [
    deployShape('startvm=true', {}),
    deployShape('startvm=true hostid', { get hostid() { return hostIds['fault-a']; } }),
    deployShape('startvm=false', { startvm: false }),
    { name: 'never started', workflow: 'start-vm', setUp: () => deploy({ startvm: false }), run: onVm('startVirtualMachine') },
    { name: 'hostid', workflow: 'start-vm', setUp: stoppedAfterRun('fault-a'), run: async (id) => onVm('startVirtualMachine', { hostid: hostIds['fault-b'] })(id) },
    { name: 'graceful', workflow: 'stop-vm', setUp: runningOn('fault-a'), run: onVm('stopVirtualMachine') },
    { name: 'forced', workflow: 'stop-vm', setUp: runningOn('fault-a'), run: onVm('stopVirtualMachine', { forced: true }) },
    { name: 'running', workflow: 'reboot-vm', setUp: runningOn('fault-a'), run: onVm('rebootVirtualMachine') },
    { name: 'running', workflow: 'destroy-vm', setUp: runningOn('fault-a'), run: onVm('destroyVirtualMachine') },
    { name: 'running expunge', workflow: 'destroy-vm', setUp: runningOn('fault-a'), run: onVm('destroyVirtualMachine', { expunge: true }) },
    { name: 'stopped expunge', workflow: 'destroy-vm', setUp: stoppedAfterRun('fault-a'), run: onVm('destroyVirtualMachine', { expunge: true }) },
    {
      name: 'destroyed',
      workflow: 'expunge-vm',
      setUp: async () => {
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone(await job(env.admin.ok('destroyVirtualMachine', { id })));
        return id;
      },
      run: onVm('expungeVirtualMachine'),
    },
    { name: 'hostid', workflow: 'migrate-vm', setUp: runningOn('fault-a'), run: async (id) => ({ jobid: await job(env.admin.ok('migrateVirtualMachine', { virtualmachineid: id!, hostid: hostIds['fault-b'] })), vmId: id! }) },
    { name: 'no host', workflow: 'migrate-vm', setUp: runningOn('fault-a'), run: async (id) => ({ jobid: await job(env.admin.ok('migrateVirtualMachine', { virtualmachineid: id! })), vmId: id! }) },
    { name: 'in place', workflow: 'scale-vm', setUp: runningOn('fault-a'), run: (id) => onVm('scaleVirtualMachine', custom(1, 1000, 1024))(id) },
    // fault-small has 2 GiB: a VM grown to 3 GiB (within the 4x of its boot size) moves to a host with room, then grows there.
    {
      name: 'by a move',
      workflow: 'scale-vm',
      setUp: async () => {
        // Room for a Medium VM on fault-small, whatever other runs left there.
        const there = ((await env.admin.ok('listVirtualMachines', { listall: true, hostid: hostIds['fault-small'] })).virtualmachine as Obj[] | undefined) ?? [];
        for (const v of there) await expectDone(await job(env.admin.ok('destroyVirtualMachine', { id: v.id, expunge: true })));
        return deploy({ hostid: hostIds['fault-small'], serviceofferingid: offering('Medium Instance').id });
      },
      run: (id) => onVm('scaleVirtualMachine', custom(1, 1000, 3072))(id),
    },
    {
      name: 'a host with a VM',
      workflow: 'host-maintenance',
      setUp: runningOn('fault-b'),
      run: async (id) => ({ jobid: await job(env.admin.ok('prepareHostForMaintenance', { id: hostIds['fault-b'] })), vmId: id! }),
      after: async (label) => {
        // The drain ends in a resource state the workflow names, and the host can be taken back.
        const host = ((await env.admin.ok('listHosts', { id: hostIds['fault-b'] })).host as Obj[])[0];
        expect({ label, resourcestate: host.resourcestate }).toEqual({ label, resourcestate: expect.stringMatching(/^(Maintenance|ErrorInMaintenance|Enabled)$/) });
        if (host.resourcestate !== 'Enabled') await expectDone(await job(env.admin.ok('cancelHostMaintenance', { id: hostIds['fault-b'] })));
      },
    },
  ];

  // Volumes: a disk offering of any size, and the volume the last set-up made (the command acts on it).
  let diskOffering: string | undefined;
  let volumeId = '';
  const customDisk = async () => (diskOffering ??= ((await env.admin.ok('createDiskOffering', { name: 'catch-disk', customized: true })).diskoffering as Obj).id as string);
  const withDataDisk = async (host: string) => {
    const id = await deploy({ hostid: hostIds[host], diskofferingid: await customDisk(), size: 1 });
    volumeId = ((await env.admin.ok('listVolumes', { virtualmachineid: id, type: 'DATADISK' })).volume as Obj[])[0].id as string;
    return id;
  };
  const onVolume = (command: string, params: Obj = {}) => async (vmId: string | undefined) => ({ jobid: await job(env.admin.ok(command, { id: volumeId, ...params })), vmId: vmId! });
  shapes.push(
    {
      name: 'a new volume into a running VM',
      workflow: 'attach-volume',
      setUp: async () => {
        const id = await deploy({ hostid: hostIds['fault-a'] });
        volumeId = (((await env.admin.waitForJob((await env.admin.ok('createVolume', { zoneid: cat.zoneid, diskofferingid: await customDisk(), size: 1 })).jobid as string)).jobresult as Obj).volume as Obj).id as string;
        return id;
      },
      run: async (id) => ({ jobid: await job(env.admin.ok('attachVolume', { id: volumeId, virtualmachineid: id! })), vmId: id! }),
    },
    { name: 'from a running VM', workflow: 'detach-volume', setUp: () => withDataDisk('fault-a'), run: onVolume('detachVolume') },
    { name: 'of a running VM', workflow: 'resize-volume', setUp: () => withDataDisk('fault-a'), run: onVolume('resizeVolume', { size: 2 }) },
    {
      name: 'detached, with a file',
      workflow: 'delete-volume',
      setUp: async () => {
        const id = await withDataDisk('fault-a');
        await expectDone(await job(env.admin.ok('detachVolume', { id: volumeId })));
        return undefined;
      },
      // deleteVolume answers at once; its job is the volume's.
      run: async () => {
        await env.admin.ok('deleteVolume', { id: volumeId });
        const jobs = (await env.admin.ok('listAsyncJobs', { page: 1, pagesize: 500 })).asyncjobs as Obj[];
        return { jobid: jobs.find((j) => j.jobinstanceid === volumeId && String(j.cmd).endsWith('DeleteVolumeCmd'))!.jobid as string, vmId: volumeId };
      },
    },
    {
      name: 'a template from a URL',
      workflow: 'download-image',
      setUp: async () => {
        images ??= await startImageServer({ images: { 'catch.qcow2': emptyQcow2(2 ** 30) } });
        return undefined;
      },
      // registerTemplate answers at once; its download's job is the template's.
      run: async () => {
        const reply = await env.admin.ok('registerTemplate', { name: `catch-${++seq}`, displaytext: 'catch', url: images!.url('catch.qcow2'), format: 'QCOW2', hypervisor: 'Simulator', zoneid: cat.zoneid });
        const templateId = (reply.template as Obj[])[0].id as string;
        const jobs = (await env.admin.ok('listAsyncJobs', { page: 1, pagesize: 500 })).asyncjobs as Obj[];
        return { jobid: jobs.find((j) => j.jobinstanceid === templateId)!.jobid as string, vmId: templateId };
      },
      after: async (label, templateId) => {
        // The template ends ready, or showing why not: never left downloading.
        const t = ((await env.admin.ok('listTemplates', { templatefilter: 'self', id: templateId })).template as Obj[])[0];
        expect({ label, settled: t.isready || !/Processing|Downloaded|Installing/.test(t.status) }).toEqual({ label, settled: true });
      },
    },
    { name: 'of a running VM', workflow: 'restore-vm', setUp: runningOn('fault-a'), run: async (id) => ({ jobid: await job(env.admin.ok('restoreVirtualMachine', { virtualmachineid: id! })), vmId: id! }) },
    { name: 'of a stopped VM', workflow: 'restore-vm', setUp: stoppedAfterRun('fault-a'), run: async (id) => ({ jobid: await job(env.admin.ok('restoreVirtualMachine', { virtualmachineid: id! })), vmId: id! }) },
    { name: 'a running VM', workflow: 'unmanage-vm', setUp: runningOn('fault-a'), run: onVm('unmanageVirtualMachine') },
    // Left on another host than its last: a failure undefines what the unmanage defined there.
    { name: 'a stopped VM onto another host', workflow: 'unmanage-vm', setUp: stoppedAfterRun('fault-a'), run: async (id) => onVm('unmanageVirtualMachine', { hostid: hostIds['fault-b'] })(id) },
    {
      name: 'a running guest Stratus never made',
      workflow: 'import-vm',
      setUp: async () => {
        const name = `catch-guest-${++seq}`;
        const pool = seededPool(env.stack.seed.cluster.id, 'Simulator');
        const host = env.stack.hosts.find((h) => h.name === 'fault-a')!;
        host.driver.seed([
          {
            spec: { vmId: '', instanceName: name, displayName: name, cpuNumber: 1, cpuSpeed: 500, memory: 512, template: { id: '', url: '', format: 'QCOW2' }, nics: [{ macAddress: `52:54:00:99:${String(seq >> 8).padStart(2, '0')}:${(seq & 0xff).toString(16).padStart(2, '0')}`, networkName: 'br0', ipAddress: '' }], disks: [{ volumeId: `${name}-0`, type: 'ROOT', deviceId: 0, path: `${name}.qcow2`, size: 2 ** 30, pool: { ...pool, type: 'SharedMountPoint', host: 'localhost' } }] },
            state: 'PowerOn',
            unmanaged: true,
          },
        ]);
        importing = name;
        for (let i = 0; i < 100 && !((await env.admin.ok('listUnmanagedInstances', { clusterid: env.stack.seed.cluster.id, name })).unmanagedinstance as Obj[] | undefined)?.length; i++) await new Promise((r) => setTimeout(r, 100));
        return undefined;
      },
      run: async () => {
        const reply = await env.admin.ok('importUnmanagedInstance', { clusterid: env.stack.seed.cluster.id, name: importing, serviceofferingid: offering('Small Instance').id, templateid: cat.templateid });
        return { jobid: reply.jobid as string, vmId: reply.id as string };
      },
      after: async (label, vmId) => {
        // Imported, or nothing of it left and the domain listed again (or, when even the undo failed, a VM in Error).
        const vm = await vmOf(vmId);
        const listedAgain = ((await env.admin.ok('listUnmanagedInstances', { clusterid: env.stack.seed.cluster.id, name: importing })).unmanagedinstance as Obj[] | undefined)?.length === 1;
        expect({ label, outcome: vm ? vm.state : listedAgain ? 'listed again' : 'lost' }).toEqual({ label, outcome: expect.stringMatching(/^(Running|Error|listed again)$/) });
      },
    },
    {
      name: 'a disk image on a shared pool',
      workflow: 'import-disk',
      setUp: async () => {
        const pool = seededPool(env.stack.seed.cluster.id, 'Simulator');
        importing = `catch-disk-${++seq}.qcow2`;
        env.stack.hosts.find((h) => h.name === 'fault-a')!.driver.placeDiskImage({ id: pool.id, type: 'SharedMountPoint' }, importing, 2 ** 30);
        return undefined;
      },
      run: async () => {
        const networkid = ((await env.admin.ok('listNetworks', { listall: true })).network as Obj[])[0].id as string;
        const params = { zoneid: cat.zoneid, clusterid: env.stack.seed.cluster.id, hypervisor: 'Simulator', importsource: 'shared', name: `catch-disk-${seq}`, serviceofferingid: offering('Small Instance').id, networkid, storageid: seededPool(env.stack.seed.cluster.id, 'Simulator').id, diskpath: importing };
        const reply = await env.admin.ok('importVm', params);
        return { jobid: reply.jobid as string, vmId: reply.id as string };
      },
      after: async (label, vmId) => {
        // Imported and Stopped, or nothing of it left (or, when even the undo failed, a VM in Error); the file is never touched.
        const vm = await vmOf(vmId);
        expect({ label, outcome: vm ? vm.state : 'gone' }).toEqual({ label, outcome: expect.stringMatching(/^(Stopped|Error|gone)$/) });
        expect(env.stack.hosts[0].driver.volumeFile({ pool: { id: seededPool(env.stack.seed.cluster.id, 'Simulator').id, type: 'SharedMountPoint' }, path: importing })).toBe(2 ** 30);
      },
    },
    {
      name: 'a backup of a running VM',
      workflow: 'backup-vm',
      setUp: async () => {
        await useBackupProvider('dummy');
        if (!backupOffering) {
          const imported = await env.admin.ok('importBackupOffering', { name: 'catch-gold', description: 'catch', externalid: 'gold-policy', zoneid: cat.zoneid, allowuserdrivenbackups: true });
          backupOffering = ((await env.admin.waitForJob(imported.jobid as string)).jobresult as Obj).backupoffering.id as string;
        }
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: backupOffering })).jobid as string);
        return id;
      },
      run: async (id) => ({ jobid: await job(env.admin.ok('createBackup', { virtualmachineid: id! })), vmId: id! }),
      after: async (label, vmId) => {
        // Backed up, or marked Error: never left BackingUp.
        const backups = ((await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[] | undefined) ?? [];
        expect({ label, statuses: backups.map((b) => b.status) }).toEqual({ label, statuses: [expect.stringMatching(/^(BackedUp|Error)$/)] });
      },
    },
    {
      name: "a schedule's run, with its retention",
      workflow: 'backup-vm',
      setUp: async () => {
        await useBackupProvider('dummy');
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: backupOffering! })).jobid as string);
        await env.admin.ok('createBackupSchedule', { virtualmachineid: id, intervaltype: 'HOURLY', schedule: '7', timezone: 'UTC', maxbackups: 1 });
        return id;
      },
      run: async (id) => {
        // Time passes: the schedule's next run is put in the past, and one sweep starts it.
        const store = createStore();
        const [schedule] = await store.backups.schedulesOfVm(id!);
        await store.backups.saveSchedule(schedule, { ...schedule, nextRunAt: new Date(Date.now() - 1000).toISOString() });
        const report = await env.stack.runBackupScheduler();
        const started = report.started.find((s) => s.scheduleId === schedule.id);
        if (!started) throw new Error(`the sweep did not start the schedule's run: ${JSON.stringify(report)}`);
        return { jobid: started.jobid, vmId: id! };
      },
      after: async (label, vmId) => {
        const backups = ((await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[] | undefined) ?? [];
        expect({ label, statuses: backups.map((b) => b.status), types: backups.map((b) => b.intervaltype) }).toEqual({ label, statuses: [expect.stringMatching(/^(BackedUp|Error)$/)], types: ['HOURLY'] });
      },
    },
    ...(['stopVirtualMachine', 'destroyVirtualMachine'] as const).map((then) => ({
      name: `a restore of a ${then === 'stopVirtualMachine' ? 'stopped' : 'destroyed'} VM from its backup`,
      workflow: 'restore-backup',
      setUp: async () => {
        await useBackupProvider('dummy');
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: backupOffering! })).jobid as string);
        await expectDone((await env.admin.ok('createBackup', { virtualmachineid: id })).jobid as string);
        await expectDone((await env.admin.ok(then, { id })).jobid as string);
        return id;
      },
      run: async (id: string | undefined) => {
        const [backup] = (await env.admin.ok('listBackups', { virtualmachineid: id! })).backup as Obj[];
        return { jobid: await job(env.admin.ok('restoreBackup', { id: backup.id as string })), vmId: id! };
      },
      after: async (label: string, vmId: string) => {
        // The backup is as good as before whatever happened; the VM Stopped, or as it was.
        const backups = (await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[];
        expect({ label, statuses: backups.map((b) => b.status), vm: ['Stopped', then === 'stopVirtualMachine' ? 'Stopped' : 'Destroyed'].includes((await vmOf(vmId))?.state as string) }).toEqual({ label, statuses: ['BackedUp'], vm: true });
      },
    })),
    {
      name: 'a nas backup of a running VM, on its host',
      workflow: 'backup-vm',
      setUp: async () => {
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: await nasOffering() })).jobid as string);
        return id;
      },
      run: async (id) => ({ jobid: await job(env.admin.ok('createBackup', { virtualmachineid: id!, quiescevm: true })), vmId: id! }),
      after: async (label, vmId) => {
        // Backed up with its files, or in Error with none left half-made; the guest never left frozen.
        const backups = ((await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[] | undefined) ?? [];
        const inRepository = backups.map((b) => simulatedBackupFiles(nasRepository!, b.externalid as string)?.has('domain-config.xml') ?? false);
        expect({ label, statuses: backups.map((b) => b.status), inRepository }).toEqual({ label, statuses: [expect.stringMatching(/^(BackedUp|Error)$/)], inRepository: [backups[0]?.status === 'BackedUp'] });
        const vm = await vmOf(vmId);
        const frozen = env.stack.hosts.find((h) => h.hostId === vm?.hostid)?.driver.guestFreezes(vm?.instancename as string);
        expect({ label, thawed: frozen ? frozen.freezes === frozen.thaws && !frozen.backupJob : true }).toEqual({ label, thawed: true });
      },
    },
    {
      name: 'a nas restore of a stopped VM, on a host',
      workflow: 'restore-backup',
      setUp: async () => {
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: await nasOffering() })).jobid as string);
        await expectDone((await env.admin.ok('createBackup', { virtualmachineid: id })).jobid as string);
        await expectDone((await env.admin.ok('stopVirtualMachine', { id })).jobid as string);
        return id;
      },
      run: async (id) => {
        const [backup] = (await env.admin.ok('listBackups', { virtualmachineid: id! })).backup as Obj[];
        return { jobid: await job(env.admin.ok('restoreBackup', { id: backup.id as string })), vmId: id! };
      },
      after: async (label, vmId) => {
        const backups = (await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[];
        expect({ label, statuses: backups.map((b) => b.status), vm: (await vmOf(vmId))?.state }).toEqual({ label, statuses: ['BackedUp'], vm: 'Stopped' });
      },
    },
    {
      name: 'a nas backup deleted on a host',
      workflow: 'delete-backup',
      setUp: async () => {
        const id = await deploy({ hostid: hostIds['fault-a'] });
        await expectDone((await env.admin.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: id, backupofferingid: await nasOffering() })).jobid as string);
        await expectDone((await env.admin.ok('createBackup', { virtualmachineid: id })).jobid as string);
        return id;
      },
      run: async (id) => {
        const [backup] = (await env.admin.ok('listBackups', { virtualmachineid: id! })).backup as Obj[];
        nasDeleting = backup;
        return { jobid: await job(env.admin.ok('deleteBackup', { id: backup.id as string })), vmId: id! };
      },
      after: async (label, vmId) => {
        // Gone with its files; or back as it was with them; or in Error when its files went but its record
        // could not (or the reconciler settled the job, not knowing): never Removed, never BackedUp without files.
        const backups = ((await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[] | undefined) ?? [];
        const files = simulatedBackupFiles(nasRepository!, nasDeleting!.externalid as string)?.has('domain-config.xml') ?? false;
        const left = backups.map((b) => b.status);
        const expected = left[0] === 'BackedUp' ? { left: ['BackedUp'], files: true } : left[0] === 'Error' ? { left: ['Error'], files } : { left: [], files: false };
        expect({ label, left, files }).toEqual({ label, ...expected });
      },
    },
    {
      name: "a nas repository's sync",
      workflow: 'sync-backup-repository',
      setUp: async () => {
        await nasOffering();
        return undefined;
      },
      run: async () => {
        const report = await env.stack.runBackupSync();
        const started = report.started.find((r) => r.repositoryId === nasRepository);
        if (!started) throw new Error(`the sync did not start the repository's job: ${JSON.stringify(report)}`);
        return { jobid: started.jobid, vmId: nasRepository! };
      },
      after: async (label, repositoryId) => {
        // Measured, or saying why not: never left without either after a sync.
        const r = ((await env.admin.ok('listBackupRepositories', { id: repositoryId })).backuprepository as Obj[])[0];
        expect({ label, settled: r.statsat !== undefined && (r.usedbytes !== undefined || r.statserror !== undefined) }).toEqual({ label, settled: true });
      },
    },
    {
      name: 'an ISO into a running VM',
      workflow: 'change-iso',
      setUp: async () => {
        images ??= await startImageServer({ images: { 'catch.qcow2': emptyQcow2(2 ** 30) } });
        images.put('catch.iso', Buffer.alloc(64 * 1024));
        // Registered once, with no fault planned (setUp runs before the run's plan is set).
        if (!catchIso) {
          const reply = await env.admin.ok('registerIso', { name: 'catch-iso', displaytext: 'catch', url: images.url('catch.iso'), zoneid: cat.zoneid });
          catchIso = ((reply.iso as Obj[])[0]).id as string;
          for (let i = 0; i < 100 && !((await env.admin.ok('listIsos', { isofilter: 'self', id: catchIso })).iso as Obj[])[0].isready; i++) await new Promise((r) => setTimeout(r, 100));
        }
        return deploy({ hostid: hostIds['fault-a'] });
      },
      run: async (id) => ({ jobid: await job(env.admin.ok('attachIso', { id: catchIso!, virtualmachineid: id! })), vmId: id! }),
    },
    {
      name: 'a pool with a running VM',
      workflow: 'storage-maintenance',
      setUp: async () => {
        maintPool ??= ((await env.admin.ok('createStoragePool', { zoneid: cat.zoneid, name: 'catch-maint', url: 'SharedMountPoint:///srv/catch-maint', scope: 'zone', hypervisor: 'Simulator', capacitybytes: 2 ** 40, tags: 'catch-maint' })).storagepool as Obj).id as string;
        maintOffering ??= ((await env.admin.ok('createDiskOffering', { name: 'catch-maint', disksize: 1, tags: 'catch-maint' })).diskoffering as Obj).id as string;
        return deploy({ hostid: hostIds['fault-a'], diskofferingid: maintOffering });
      },
      run: async (id) => ({ jobid: await job(env.admin.ok('enableStorageMaintenance', { id: maintPool! })), vmId: id! }),
      after: async (label) => {
        // The pool ends in a state the workflow names, and is taken back (its VM started again) for the next run.
        const pool = ((await env.admin.ok('listStoragePools', { id: maintPool! })).storagepool as Obj[])[0];
        expect({ label, state: pool.state }).toEqual({ label, state: expect.stringMatching(/^(Maintenance|ErrorInMaintenance|Up)$/) });
        if (pool.state !== 'Up') await expectDone(await job(env.admin.ok('cancelStorageMaintenance', { id: maintPool! })));
        for (let i = 0; i < 100 && (await newExecutions('RUNNING')).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      },
    },
  );
  let maintPool: string | undefined;
  let importing = '';
  let backupOffering: string | undefined;
  let nasRepository: string | undefined;
  let nasOfferingId: string | undefined;
  let nasDeleting: Obj | undefined;
  /** The zone's backup provider for the next shape (an offering is the provider's it was imported from). */
  const useBackupProvider = async (provider: 'dummy' | 'nas') => {
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.provider.plugin', value: provider, zoneid: cat.zoneid });
  };
  /** The nas provider's offering of a repository, made once; the zone's provider switched to nas. */
  const nasOffering = async () => {
    await useBackupProvider('nas');
    if (!nasOfferingId) {
      nasRepository = ((await env.admin.ok('addBackupRepository', { name: 'catch-nfs', address: '10.0.0.9:/catch', type: 'nfs', zoneid: cat.zoneid })).backuprepository as Obj).id as string;
      const imported = await env.admin.ok('importBackupOffering', { name: 'catch-nas', description: 'catch', externalid: nasRepository, zoneid: cat.zoneid, allowuserdrivenbackups: true });
      nasOfferingId = ((await env.admin.waitForJob(imported.jobid as string)).jobresult as Obj).backupoffering.id as string;
    }
    return nasOfferingId;
  };
  let maintOffering: string | undefined;

  // VM snapshots: the snapshot the last set-up took (revert and delete act on it). After every run,
  // none is left Creating, and the host keeps the Ready ones and none the inventory does not list.
  let vmSnapshotId = '';
  const snapshotsLeft = async (label: string, vmId: string) => {
    const listed = ((await env.admin.ok('listVMSnapshot', { virtualmachineid: vmId })).vmSnapshot as Obj[] | undefined) ?? [];
    expect({ label, creating: listed.filter((s) => s.state === 'Creating') }).toEqual({ label, creating: [] });
    const vm = ((await env.admin.ok('listVirtualMachines', { id: vmId })).virtualmachine as Obj[])[0];
    const host = env.stack.hosts.find((h) => h.hostId === vm.hostid)!;
    // The host keeps every Ready one, and none the inventory does not list (one in Error may be there or not).
    const onHost = host.driver.snapshotsOf(vm.instancename);
    expect({ label, missing: listed.filter((s) => s.state === 'Ready' && !onHost.includes(s.name)), unknown: onHost.filter((n) => !listed.some((s) => s.name === n)) }).toEqual({ label, missing: [], unknown: [] });
  };
  const withMemorySnapshot = async () => {
    const id = await deploy({ hostid: hostIds['fault-a'] });
    const taken = await env.admin.waitForJob(await job(env.admin.ok('createVMSnapshot', { virtualmachineid: id, snapshotmemory: true })));
    vmSnapshotId = ((taken.jobresult as Obj).vmsnapshot as Obj).id as string;
    return id;
  };
  shapes.push(
    {
      name: 'of a running VM with its memory',
      workflow: 'create-vm-snapshot',
      setUp: runningOn('fault-a'),
      run: async (id) => ({ jobid: await job(env.admin.ok('createVMSnapshot', { virtualmachineid: id!, snapshotmemory: true })), vmId: id! }),
      after: (label, vmId) => snapshotsLeft(label, vmId!),
    },
    { name: 'of a running VM', workflow: 'revert-vm-snapshot', setUp: withMemorySnapshot, run: async (id) => ({ jobid: await job(env.admin.ok('revertToVMSnapshot', { vmsnapshotid: vmSnapshotId })), vmId: id! }), after: (label, vmId) => snapshotsLeft(label, vmId!) },
    { name: 'of a running VM', workflow: 'delete-vm-snapshot', setUp: withMemorySnapshot, run: async (id) => ({ jobid: await job(env.admin.ok('deleteVMSnapshot', { vmsnapshotid: vmSnapshotId })), vmId: id! }), after: (label, vmId) => snapshotsLeft(label, vmId!) },
  );

  /** Address items of the guest network: ip -> VM id. */
  async function addressesInUse(): Promise<Record<string, string>> {
    const networks = (await env.admin.ok('listNetworks', { listall: true })).network as Obj[];
    const out: Record<string, string> = {};
    for (const n of networks) {
      const { Items } = await documentClient().send(new QueryCommand({ TableName: process.env.TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `ADDR#${n.id}` } }));
      for (const item of Items ?? []) out[item.sk as string] = item.vmId as string;
    }
    return out;
  }
  async function capacity(): Promise<Record<string, { cpu: number; memory: number }>> {
    const hosts = (await env.admin.ok('listHosts')).host as Obj[];
    return Object.fromEntries(hosts.map((h) => [h.name, { cpu: h.cpuallocatedvalue, memory: h.memoryallocated / 2 ** 20 }]));
  }
  /**
   * What each host's VMs hold: the Running ones their size; a VM in Error, as it failed ('holds'), on
   * the host it had with the holds of the move or scale it was making (read from the inventory), and
   * once the reconciler has heard from the hosts ('where-on'), its size where its domain still runs.
   */
  async function heldBy(vms: Obj[], errorVms: 'holds' | 'where-on'): Promise<Record<string, { cpu: number; memory: number }>> {
    const hosts = (await env.admin.ok('listHosts')).host as Obj[];
    const out = Object.fromEntries(hosts.map((h) => [h.name, { cpu: 0, memory: 0 }]));
    const byId = Object.fromEntries(hosts.map((h) => [h.id, h.name]));
    const add = (hostId: string | undefined, cpu: number, memory: number) => {
      if (!hostId) return;
      out[byId[hostId]].cpu += cpu;
      out[byId[hostId]].memory += memory;
    };
    for (const v of vms) {
      if (v.state === 'Running') add(v.hostid, v.cpunumber * v.cpuspeed, v.memory);
      if (v.state !== 'Error') continue;
      if (errorVms === 'where-on') {
        for (const h of env.stack.hosts) if (h.driver.domain(v.instancename)?.state === 'PowerOn') add(h.hostId, v.cpunumber * v.cpuspeed, v.memory);
        continue;
      }
      const held = await createStore().vms.get(v.id, true);
      if (!held) continue;
      add(held.hostId, held.cpuNumber * held.cpuSpeed, held.memory);
      if (held.migration) add(held.migration.hostId, held.migration.cpu, held.migration.memory);
      if (held.pendingScale) add(held.pendingScale.hostId ?? held.hostId, held.pendingScale.heldCpu, held.pendingScale.heldMemory);
    }
    return out;
  }
  const sameCapacity = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
  async function allVms(): Promise<Obj[]> {
    return ((await env.admin.ok('listVirtualMachines', { listall: true })).virtualmachine as Obj[] | undefined) ?? [];
  }

  /** Waits for the job; a job whose execution could not record its end is settled by the reconciler. */
  async function settled(jobid: string): Promise<Obj> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const result = await env.admin.ok('queryAsyncJobResult', { jobid });
      if (result.jobstatus !== 0) return result;
      if (Date.now() > deadline) throw new Error(`job ${jobid} still pending after 60 s\n${await whyPending()}`);
      const running = await newExecutions('RUNNING');
      if (running.length === 0) await env.stack.runScheduled({ reconcileGraceMs: 0 });
      await new Promise((r) => setTimeout(r, running.length === 0 ? 1200 : 100));
    }
  }

  /** What a stuck job waits on, for the reader of a failure: each running execution's last events and each host's queued agent tasks. */
  async function whyPending(): Promise<string> {
    const lines = [`while failing [${plan?.failing.join(', ') ?? ''}] of ${plan?.workflow}; reached ${plan?.reached.join(' ')}`];
    for (const e of await newExecutions('RUNNING')) {
      const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn, reverseOrder: true, maxResults: 4 }));
      lines.push(`${e.workflow} ${e.name} started ${e.startDate?.toISOString()}: ${(events ?? []).map((ev) => `${ev.timestamp?.toISOString()} ${ev.type} ${JSON.stringify(ev.stateEnteredEventDetails?.name ?? ev.taskScheduledEventDetails?.resource ?? '')}`).join(' | ')}`);
    }
    for (const [name, hostId] of Object.entries(hostIds)) {
      const { Items } = await documentClient().send(new QueryCommand({ TableName: process.env.TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `TASK#${hostId}` } }));
      for (const t of Items ?? []) lines.push(`${name} task ${t.sk} ${t.command ?? ''} lease ${t.leaseUntil ? new Date(t.leaseUntil as number).toISOString() : 'none'} now ${new Date().toISOString()}`);
    }
    return lines.join('\n');
  }

  const executionsSeen = new Set<string>();
  /** Executions not seen before this run: those it started (and their children). */
  async function newExecutions(status?: 'RUNNING'): Promise<Obj[]> {
    const out: Obj[] = [];
    for (const file of readdirSync(WORKFLOWS_DIR)) {
      const name = file.replace(/\.asl\.json$/, '');
      const arn = `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
      const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, ...(status ? { statusFilter: status } : {}), maxResults: 1000 }));
      for (const e of executions ?? []) if (!executionsSeen.has(e.executionArn!)) out.push({ ...e, workflow: name });
    }
    return out;
  }

  async function runOnce(shape: Shape, failing: string[]): Promise<Plan> {
    plan = undefined;
    const vmId = await shape.setUp();
    for (const e of await newExecutions()) executionsSeen.add(e.executionArn as string);
    const before = { capacity: await capacity(), addresses: await addressesInUse(), vm: vmId ? await vmOf(vmId) : undefined };
    const current: Plan = { workflow: shape.workflow, failing, reached: [], hit: [] };
    plan = current;
    const started = await shape.run(vmId);
    const result = await settled(started.jobid);
    plan = undefined;
    // Whatever the job started (a stop's release, an expunge the destroy asked for) ends too.
    for (let i = 0; i < 100 && (await newExecutions('RUNNING')).length > 0; i++) await new Promise((r) => setTimeout(r, 100));

    const label = `${shape.workflow} [${shape.name}] failing ${failing.join(', ') || 'nothing'}`;
    const vm = await vmOf(started.vmId);
    outcomes.push(`${label}: job ${result.jobstatus === 1 ? 'succeeded' : `failed at ${result.failedstep}`}, VM ${vm?.state ?? 'expunged'}; reached ${[...new Set(current.reached)].join(' ')}`);

    // No execution ended outside its Catch paths, and none is left running.
    for (const e of await newExecutions()) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
      expect({ label, workflow: e.workflow, status: d.status, error: d.error }).not.toMatchObject({ error: 'States.Runtime' });
      expect({ label, workflow: e.workflow, status: d.status }).not.toMatchObject({ status: 'RUNNING' });
    }
    // The job is settled; a failure names the first step that failed, with CloudStack's shape.
    expect({ label, status: result.jobstatus }).toEqual({ label, status: expect.any(Number) });
    if (result.jobstatus === 2) {
      // The step named is one that failed: the first, when its Catch records the failure at once; when
      // the workflow first falls back (a graceful shutdown before the power-off) or tries again (a hot
      // scale, then a move), the one whose failure ended it, or the Map it ran in (a drain's VM that
      // stayed: the drain failed). When the recording itself fails for good,
      // the reconciler settles the job.
      const first = current.hit[0];
      const named = stateFacts(shape.workflow, first).recordsFailure ? [first] : [...new Set(current.hit.flatMap((s) => [s, ...stateFacts(shape.workflow, s).inside]))];
      const recorderFailed = current.hit.some((s) => stateFacts(shape.workflow, s).recordsLast);
      expect({ label, failedstep: result.failedstep, named: [...named, ...(recorderFailed ? ['Reconcile'] : [])].includes(result.failedstep) }).toEqual({
        label,
        failedstep: result.failedstep,
        named: true,
      });
      expect(result.jobresult).toMatchObject({ errorcode: 530, errortext: expect.any(String) });
    } else {
      expect({ label, status: result.jobstatus }).toEqual({ label, status: 1 });
    }
    // The VM is in a state the workflow names.
    if (vm) expect({ label, transitional: TRANSITIONAL.has(vm.state) ? vm.state : false }).toEqual({ label, transitional: false });

    // The ledgers: each host's allocation is what its Running VMs hold, plus what a VM left in Error
    // still holds on the host it could not confirm off, until the reconciler sees where it runs, if anywhere.
    let vms = await allVms();
    let hostsNow = await capacity();
    expect({ label, capacity: hostsNow }).toEqual({ label, capacity: await heldBy(vms, 'holds') });
    if (vms.some((v) => v.state === 'Error')) {
      for (let i = 0; i < 20 && !sameCapacity(hostsNow, await heldBy(vms, 'where-on')); i++) {
        await env.stack.runScheduled({ reconcileGraceMs: 0 });
        await new Promise((r) => setTimeout(r, 500));
        hostsNow = await capacity();
        vms = await allVms();
      }
      expect({ label, afterReconcile: hostsNow }).toEqual({ label, afterReconcile: await heldBy(vms, 'where-on') });
    }
    const addresses = await addressesInUse();
    const nics = Object.fromEntries(vms.flatMap((v) => ((v.nic as Obj[]) ?? []).map((n) => [n.ipaddress, v.id])));
    expect({ label, addresses }).toEqual({ label, addresses: nics });
    if (result.jobstatus === 2 && before.vm && vm?.state === before.vm.state && vm?.hostid === before.vm.hostid) {
      expect({ label, capacity: hostsNow, addresses }).toEqual({ label, capacity: before.capacity, addresses: before.addresses });
    }
    await expectPoolLedgers(env, label);
    await shape.after?.(label, started.vmId);
    return current;
  }

  /** Runs the shape with no fault, then with each reached state failing, then deeper until nothing new. */
  async function faultEveryState(shape: Shape, faulted: Set<string>): Promise<void> {
    const baseline = await runOnce(shape, []);
    const queue: string[][] = [...new Set(baseline.reached)].map((s) => [s]);
    const tried = new Set<string>();
    while (queue.length > 0) {
      const failing = queue.shift()!;
      const key = failing.join('>');
      if (tried.has(key)) continue;
      tried.add(key);
      const run = await runOnce(shape, failing);
      for (const s of run.hit) faulted.add(s);
      // A state only this failure reached fails next, with the same failures before it.
      if (failing.length < 3) for (const s of new Set(run.reached)) if (!failing.includes(s) && !faulted.has(s) && !queue.some((q) => q.at(-1) === s)) queue.push([...failing, s]);
    }
  }

  const workflows = readdirSync(WORKFLOWS_DIR)
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => f.replace(/\.asl\.json$/, ''));

  it.each(workflows)('%s: each Task state failing in turn, for each input shape', async (workflow) => {
    const faulted = new Set<string>();
    const mine = shapes.filter((s) => s.workflow === workflow);
    expect(mine.length).toBeGreaterThan(0);
    for (const shape of mine) await faultEveryState(shape, faulted);
    expect([...faulted].sort()).toEqual(taskStatesOf(workflow).sort());
  });

  it('leaves every list counter exact after all those runs (what each list answers as count)', async () => {
    await expectExactListCounters();
  });
});
