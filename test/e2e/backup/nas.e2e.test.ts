import { simulatedBackupFiles, simulatedRepositoryUse } from '../../../agent/drivers/simulator';
import { createStore } from '../../../functions/store';
import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The nas provider end to end through signed HTTP, the workflows and the simulated hosts' agents: a
 * running VM backed up into a repository (guest frozen only while the backup begins, progress in the
 * job), a stopped one copied, restored in place and as a new disk (what the guest wrote comes back),
 * deleted on a host; and its failures: a copy failing half-way, the agent killed mid-backup and coming
 * back, the agent killed for good. Each leaves the VM as it was, the backup not stuck and nothing
 * half-made in the repository.
 */
jest.setTimeout(240_000);

const REPO_ADDRESS = '10.0.0.5:/export/backups';

describe('the nas backup provider on the hosts', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let offering: Obj;
  let repo: Obj;
  let diskOffering: Obj;
  /** Fail the copy of files whose name contains this, while set. */
  let failCopyOf: string | undefined;
  /** Fail every measure of a repository, while set. */
  let failMeasure = false;
  let store: ReturnType<typeof createStore>;
  const job = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string, { timeoutMs: 120_000 });
  const ok = async (command: string, params: Obj) => {
    const done = await job(command, params);
    expect({ command, jobstatus: done.jobstatus, result: done.jobstatus === 1 ? undefined : done.jobresult }).toEqual({ command, jobstatus: 1, result: undefined });
    return done.jobresult as Obj;
  };
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[])[0];
  const backupOf = async (id: string) => ((await env.admin.ok('listBackups', { id })).backup as Obj[] | undefined)?.[0];
  const driverOf = async (vm: Obj) => env.stack.hosts.find((h) => h.hostId === (vm.hostid ?? vm.lasthostid))!;
  /** What the guest sees on a volume (the simulator's label of its file). */
  const volumeDisk = async (volumeId: string) => {
    const v = (await store.storage.getVolume(volumeId, true))!;
    const [pool] = await store.storage.getPools([v.poolId!]);
    return { pool: { id: pool.id, type: pool.type }, path: v.path ?? v.id };
  };
  const volumesOf = async (vmId: string) => (await env.admin.ok('listVolumes', { virtualmachineid: vmId, listall: true })).volume as Obj[];
  /** A running VM with a data disk, assigned to the nas offering. */
  const deployInOffering = async (name: string) => {
    const vm = (await ok('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name })).virtualmachine as Obj;
    await ok('createVolume', { name: `${name}-data`, zoneid: cat.zoneid, diskofferingid: diskOffering.id, virtualmachineid: vm.id });
    await ok('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id });
    return { vm: await vmOf(vm.id), volumes: await volumesOf(vm.id) };
  };
  /** Start a backup and watch its job until it ends: the progress it showed on the way. */
  const backupWatched = async (vmId: string, params: Obj = {}) => {
    const { jobid } = await env.admin.ok('createBackup', { virtualmachineid: vmId, ...params });
    const seen: number[] = [];
    for (;;) {
      const j = await env.admin.ok('queryAsyncJobResult', { jobid: jobid as string });
      if (j.jobstatus !== 0) return { done: j, seen };
      seen.push(j.jobprocstatus as number);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    env = await startTestStack({
      simHost: {
        // Each volume's copy takes a while, so progress shows and an agent can be killed half-way.
        latencyMs: { backupCopy: 1500 },
        faults: (operation, target) =>
          operation === 'backupCopy' && failCopyOf && target?.includes(failCopyOf)
            ? Object.assign(new Error(`Injected fault: copy of ${target} failed`), { name: 'ResourceUnavailableError' })
            : operation === 'measureBackupRepository' && failMeasure
              ? Object.assign(new Error('Injected fault: mount.nfs: Connection timed out'), { name: 'ResourceUnavailableError' })
              : undefined,
        backupRepositoryCapacityBytes: 2 ** 40,
      },
    });
    cat = await catalogue(env.admin);
    store = createStore();
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid: cat.zoneid });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.provider.plugin', value: 'nas', zoneid: cat.zoneid });
    repo = (await env.admin.ok('addBackupRepository', { name: 'nfs-backups', address: REPO_ADDRESS, type: 'nfs', zoneid: cat.zoneid })).backuprepository as Obj;
    offering = ((await job('importBackupOffering', { name: 'NAS', description: 'To the NFS share', externalid: repo.id, zoneid: cat.zoneid, allowuserdrivenbackups: true })).jobresult as Obj).backupoffering as Obj;
    diskOffering = (await env.admin.ok('createDiskOffering', { name: 'Data 1 GB', displaytext: 'One', disksize: 1 })).diskoffering as Obj;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('backs a running VM up into the repository, quiesced only while it begins, with progress in the job', async () => {
    const { vm, volumes } = await deployInOffering('nas-running');
    const host = await driverOf(vm);
    const { done, seen } = await backupWatched(vm.id, { quiescevm: true });

    expect(done).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    // The job showed how far the host had come (one volume of two copied: 50), and nothing once done.
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(done.jobprocstatus).toBe(0);
    const backup = (await backupOf((done.jobresult as Obj).backup.id))!;
    expect(backup).toMatchObject({ status: 'BackedUp', externalid: `${vm.instancename}/${backup.id}` });
    const files = simulatedBackupFiles(repo.id, backup.externalid)!;
    const root = volumes.find((v) => v.type === 'ROOT')!;
    const data = volumes.find((v) => v.type === 'DATADISK')!;
    expect([...files.keys()].sort()).toEqual(['datadisk.' + data.id + '.qcow2', 'domain-config.xml', 'root.' + root.id + '.qcow2'].sort());
    expect(JSON.parse(backup.volumes as string).map((v: Obj) => ({ uuid: v.uuid, path: v.path })).sort((a: Obj, b: Obj) => a.path.localeCompare(b.path))).toEqual([
      { uuid: data.id, path: `datadisk.${data.id}.qcow2` },
      { uuid: root.id, path: `root.${root.id}.qcow2` },
    ]);
    expect(backup.size).toBe([...files].filter(([name]) => name.endsWith('.qcow2')).reduce((a, [, f]) => a + f.size, 0));
    // Frozen once for the backup's start and thawed once; no backup job left on the domain; still running.
    expect(host.driver.guestFreezes(vm.instancename)).toEqual({ freezes: 1, thaws: 1 });
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Running' });
  });

  it('restores what the guest had written, in place on a stopped VM and as a new disk of another VM', async () => {
    const { vm, volumes } = await deployInOffering('nas-restore');
    const host = await driverOf(vm);
    const root = volumes.find((v) => v.type === 'ROOT')!;
    const data = volumes.find((v) => v.type === 'DATADISK')!;
    host.driver.writeVolumeData(await volumeDisk(root.id), 'root as backed up');
    host.driver.writeVolumeData(await volumeDisk(data.id), 'data as backed up');
    const backup = (await ok('createBackup', { virtualmachineid: vm.id })).backup as Obj;
    host.driver.writeVolumeData(await volumeDisk(root.id), 'root changed since');
    host.driver.writeVolumeData(await volumeDisk(data.id), 'data changed since');

    await ok('stopVirtualMachine', { id: vm.id });
    const { jobid } = await env.admin.ok('restoreBackup', { id: backup.id });
    const restored = await env.admin.waitForJob(jobid as string, { timeoutMs: 120_000 });
    expect(restored).toMatchObject({ jobstatus: 1 });
    expect((restored.steps as Obj[]).map((s) => s.name)).toContain('RestoreOnHost');
    expect(host.driver.volumeData(await volumeDisk(root.id))).toBe('root as backed up');
    expect(host.driver.volumeData(await volumeDisk(data.id))).toBe('data as backed up');
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Stopped' });
    expect(await backupOf(backup.id)).toMatchObject({ status: 'BackedUp' });

    // The data disk as backed up, attached to another running VM: its new file is made from the copy.
    const other = (await ok('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name: 'nas-restore-target' })).virtualmachine as Obj;
    await ok('restoreVolumeFromBackupAndAttachToVM', { backupid: backup.id, volumeid: data.id, virtualmachineid: other.id });
    const attached = (await volumesOf(other.id)).find((v) => (v.name as string).startsWith('RestoredVol-'))!;
    expect(attached).toMatchObject({ type: 'DATADISK', virtualmachineid: other.id });
    expect((await driverOf(await vmOf(other.id))).driver.volumeData(await volumeDisk(attached.id))).toBe('data as backed up');
  });

  it('backs a stopped VM up by copying its files, and deletes a backup on a host', async () => {
    const { vm } = await deployInOffering('nas-stopped');
    await ok('stopVirtualMachine', { id: vm.id });
    const backup = (await ok('createBackup', { virtualmachineid: vm.id })).backup as Obj;
    expect((await backupOf(backup.id))!.status).toBe('BackedUp');
    expect(simulatedBackupFiles(repo.id, backup.externalid)?.has('domain-config.xml')).toBe(true);
    expect((await driverOf(vm)).driver.guestFreezes(vm.instancename)).toEqual({ freezes: 0, thaws: 0 });

    const deleted = await job('deleteBackup', { id: backup.id });
    expect(deleted).toMatchObject({ jobstatus: 1, jobresult: { success: true }, cmd: 'org.apache.cloudstack.api.command.user.backup.DeleteBackupCmd' });
    expect((deleted.steps as Obj[]).map((s) => s.name)).toEqual(['DeleteOnHost', 'ForgetBackup']);
    expect(simulatedBackupFiles(repo.id, backup.externalid)).toBeUndefined();
    expect(await backupOf(backup.id)).toBeUndefined();
    await expectExactListCounters();
  });

  it("applies a schedule's retention and a forced removal by deleting the backups' files on a host", async () => {
    const { vm } = await deployInOffering('nas-retention');
    const schedule = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'HOURLY', schedule: String((new Date().getUTCMinutes() + 30) % 60), timezone: 'UTC', maxbackups: 1 })).backupschedule as Obj;
    const taken: Obj[] = [];
    for (let run = 0; run < 2; run++) {
      const due = (await store.backups.getSchedule(schedule.id, true))!;
      await store.backups.saveSchedule(due, { ...due, nextRunAt: new Date(Date.now() - 1000).toISOString() });
      let found: Obj | undefined;
      await waitUntil(async () => {
        const all = ((await env.admin.ok('listBackups', { virtualmachineid: vm.id })).backup as Obj[] | undefined) ?? [];
        found = all.find((b) => b.status === 'BackedUp' && !taken.some((t) => t.id === b.id));
        return found !== undefined;
      }, 60_000);
      taken.push(found!);
    }
    // The older one goes through its own deletion job: Removed, then gone with its files.
    await waitUntil(async () => (await backupOf(taken[0].id)) === undefined, 60_000);
    expect(simulatedBackupFiles(repo.id, taken[0].externalid)).toBeUndefined();
    expect(simulatedBackupFiles(repo.id, taken[1].externalid)?.size).toBe(3);
    // The event follows the transaction that ends the deletion's job: waited for, not raced.
    let events: Obj[] = [];
    await waitUntil(async () => (events = ((await env.admin.ok('listEvents', { type: 'BACKUP.DELETE', listall: true })).event as Obj[] | undefined) ?? []).some((e) => (e.description as string).includes(`[ID: ${schedule.id}]`)), 20_000).catch(() => undefined);
    expect(events.some((e) => (e.description as string).includes(`suiting the retention specified in the backup schedule [ID: ${schedule.id}]`))).toBe(true);

    // Removed from the offering with forced: its backups' files go too, and the schedule with it.
    await ok('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id, forced: true });
    await waitUntil(async () => (await backupOf(taken[1].id)) === undefined, 60_000);
    expect(simulatedBackupFiles(repo.id, taken[1].externalid)).toBeUndefined();
    await expectExactListCounters();
  });

  it('measures each repository every backup.framework.sync.interval (the backup sync), and shows why when it cannot', async () => {
    const { vm } = await deployInOffering('nas-sync');
    await ok('createBackup', { virtualmachineid: vm.id });
    const repoOf = async () => ((await env.admin.ok('listBackupRepositories', { id: repo.id })).backuprepository as Obj[])[0];
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.sync.interval', value: '1' });
    try {
      // The local scheduler ticks every second: a sync job per repository measures it on an Up host.
      let measured: Obj | undefined;
      await waitUntil(async () => ((measured = await repoOf()).usedbytes ?? 0) > 0, 30_000);
      expect(measured).toMatchObject({ capacitybytes: 2 ** 40, statsat: expect.any(String) });
      expect(measured!.usedbytes).toBe(simulatedRepositoryUse(repo.id).reduce((a, n) => a + n, 0));
      const jobs = ((await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[]).filter((j) => j.jobinstancetype === 'BackupRepository' && j.jobinstanceid === repo.id);
      expect(jobs.some((j) => j.jobstatus === 1 && j.cmd === 'org.apache.cloudstack.backup.BackupSyncTask')).toBe(true);

      // A host that cannot reach it: the repository says why, until a sync succeeds again.
      failMeasure = true;
      await waitUntil(async () => (await repoOf()).statserror !== undefined, 30_000);
      expect((await repoOf()).statserror).toMatch(/^MeasureOnHost: Injected fault: mount.nfs: Connection timed out/);
      failMeasure = false;
      await waitUntil(async () => (await repoOf()).statserror === undefined, 30_000);
    } finally {
      failMeasure = false;
      await env.admin.ok('updateConfiguration', { name: 'backup.framework.sync.interval', value: '300' });
    }
  });

  it('fails a copy half-way cleanly: the job names the step and the reason, the backup is Error, nothing is left in the repository', async () => {
    const { vm, volumes } = await deployInOffering('nas-fault');
    const data = volumes.find((v) => v.type === 'DATADISK')!;
    failCopyOf = data.id;
    try {
      const { done } = await backupWatched(vm.id, { quiescevm: true });
      expect(done).toMatchObject({ jobstatus: 2, failedstep: 'TakeOnHost', jobresult: { errorcode: 534 } });
      expect(done.failurereason).toContain(`Injected fault: copy of datadisk.${data.id}.qcow2 failed`);
      const backup = ((await env.admin.ok('listBackups', { virtualmachineid: vm.id })).backup as Obj[])[0];
      expect(backup).toMatchObject({ status: 'Error' });
      expect(simulatedBackupFiles(repo.id, backup.externalid)).toBeUndefined();
      expect((await driverOf(vm)).driver.guestFreezes(vm.instancename)).toEqual({ freezes: 1, thaws: 1 });
      expect(await vmOf(vm.id)).toMatchObject({ state: 'Running' });
      // The event follows the transaction that fails the job: waited for, not raced.
      let events: Obj[] = [];
      const failedEvent = async () => (events = ((await env.admin.ok('listEvents', { type: 'BACKUP.CREATE', listall: true })).event as Obj[] | undefined) ?? []).some((e) => e.level === 'ERROR' && (e.description as string).includes(vm.name));
      await waitUntil(failedEvent, 20_000).catch(() => undefined);
      expect(events.some((e) => e.level === 'ERROR' && (e.description as string).includes(vm.name))).toBe(true);
      // The Error backup is deleted like any other.
      await ok('deleteBackup', { id: backup.id });
      expect(await backupOf(backup.id)).toBeUndefined();
    } finally {
      failCopyOf = undefined;
    }
  });

  it('survives its agent being killed mid-backup and coming back: the backup is taken once the agent returns', async () => {
    const { vm } = await deployInOffering('nas-agent-back');
    const host = await driverOf(vm);
    const { jobid } = await env.admin.ok('createBackup', { virtualmachineid: vm.id });
    await waitUntil(async () => (await store.tasks.listForHost(host.hostId)).some((t) => t.command === 'TakeBackup' && t.status === 'leased'));
    await new Promise((r) => setTimeout(r, 500));
    await host.agent.stop(); // mid-copy: the task is never reported
    await new Promise((r) => setTimeout(r, 1000));
    await host.agent.start();
    const done = await env.admin.waitForJob(jobid as string, { timeoutMs: 120_000 });
    expect(done).toMatchObject({ jobstatus: 1 });
    const backup = (await backupOf((done.jobresult as Obj).backup.id))!;
    expect(backup.status).toBe('BackedUp');
    expect(simulatedBackupFiles(repo.id, backup.externalid)?.size).toBe(3);
    expect(host.driver.guestFreezes(vm.instancename).backupJob).toBeUndefined();
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Running' });
  });

  it('fails within nas.backup.progress.timeout when its agent is killed for good, and cleans up once a host answers', async () => {
    await env.admin.ok('updateConfiguration', { name: 'nas.backup.progress.timeout', value: '4' });
    try {
      const { vm } = await deployInOffering('nas-agent-gone');
      const host = await driverOf(vm);
      const { jobid } = await env.admin.ok('createBackup', { virtualmachineid: vm.id });
      await waitUntil(async () => (await store.tasks.listForHost(host.hostId)).some((t) => t.command === 'TakeBackup' && t.status === 'leased'));
      await host.agent.stop();
      // Past the silence bound the workflow gives up on the backup; its clean-up waits for a host to answer.
      await waitUntil(async () => (await store.tasks.listForHost(host.hostId)).some((t) => t.command === 'DeleteBackup'), 30_000);
      await host.agent.start(); // the stale TakeBackup it is handed again is refused by its gateway before it starts
      const done = await env.admin.waitForJob(jobid as string, { timeoutMs: 120_000 });
      expect(done).toMatchObject({ jobstatus: 2, failedstep: 'TakeOnHost' });
      expect(done.failurereason).toContain("TakeOnHost timed out: the host's agent did not report in time");
      const backup = ((await env.admin.ok('listBackups', { virtualmachineid: vm.id })).backup as Obj[])[0];
      expect(backup).toMatchObject({ status: 'Error' });
      expect(simulatedBackupFiles(repo.id, backup.externalid)).toBeUndefined();
      expect(host.driver.guestFreezes(vm.instancename).backupJob).toBeUndefined();
      expect(await vmOf(vm.id)).toMatchObject({ state: 'Running' });
      await waitUntil(async () => (await store.tasks.listForHost(host.hostId)).length === 0, 30_000);
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'nas.backup.progress.timeout', value: '120' });
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
