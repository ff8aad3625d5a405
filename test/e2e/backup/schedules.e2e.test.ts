import { createStore } from '../../../functions/store';
import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Backup schedules through signed HTTP, and the backup scheduler that runs them by itself (the
 * local stack sweeps its due index every second, as EventBridge Scheduler does every minute on
 * AWS): CloudStack's refusals, one schedule per interval type, a run that fires within a minute of
 * its due time, two overlapping sweeps taking one backup, retention, and runs that cannot be taken.
 */
jest.setTimeout(180_000);

describe('backup schedules', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let gold: Obj;
  const refusal = async (command: string, params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call(command, params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const job = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const deploy = async (name: string) => ((await job('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name })).jobresult as Obj).virtualmachine as Obj;
  const backupsOf = async (vmId: string) => ((await env.admin.ok('listBackups', { virtualmachineid: vmId })).backup as Obj[] | undefined) ?? [];
  const schedulesOf = async (vmId: string) => ((await env.admin.ok('listBackupSchedule', { virtualmachineid: vmId })).backupschedule as Obj[] | undefined) ?? [];
  /** Time passes for one schedule: its next run is put in the past, where the due index holds it for the next sweep. */
  const makeDue = async (scheduleId: string, agoMs = 1000) => {
    const store = createStore();
    const schedule = (await store.backups.getSchedule(scheduleId, true))!;
    await store.backups.saveSchedule(schedule, { ...schedule, nextRunAt: new Date(Date.now() - agoMs).toISOString() });
  };
  const until = async <T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (ok(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** A minute half an hour from now (`plus` more), so a schedule made with it never fires during the test by itself. */
  const far = (plus = 0) => String((new Date().getUTCMinutes() + 30 + plus) % 60);
  const settled = (vmId: string) => until(() => backupsOf(vmId), (bs) => bs.every((b) => b.status !== 'BackingUp'));

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid: cat.zoneid });
    gold = ((await job('importBackupOffering', { name: 'Gold', description: 'Gold', externalid: 'gold-policy', zoneid: cat.zoneid, allowuserdrivenbackups: true })).jobresult as Obj).backupoffering as Obj;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("refuses what CloudStack refuses, in its words", async () => {
    const vm = await deploy('sched-refusals');
    const base = { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '30:02', timezone: 'UTC' };
    await refusal('createBackupSchedule', base, 530, 'Cannot configure backup schedule for the VM without having any backup offering');
    const silver = ((await job('importBackupOffering', { name: 'Silver', description: 'Silver', externalid: 'silver-policy', zoneid: cat.zoneid, allowuserdrivenbackups: false })).jobresult as Obj).backupoffering as Obj;
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: silver.id });
    await refusal('createBackupSchedule', base, 530, 'The selected backup offering does not allow user-defined backup schedule');
    await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id });
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    await refusal('createBackupSchedule', { ...base, intervaltype: 'YEARLY' }, 530, 'Invalid interval type provided');
    await refusal('createBackupSchedule', { ...base, intervaltype: 'HOURLY', schedule: '61' }, 530, /^Invalid schedule: 61 for interval type: HOURLY/);
    await refusal('createBackupSchedule', { ...base, intervaltype: 'MONTHLY', schedule: '00:10:29' }, 530, 'Invalid schedule: 00:10:29 for interval type: MONTHLY: Day cannot be greater than 28 for monthly schedule');
    await refusal('createBackupSchedule', { ...base, intervaltype: 'WEEKLY', schedule: '00:10' }, 530, /^Invalid schedule: 00:10 for interval type: WEEKLY/);
    await refusal('createBackupSchedule', { ...base, maxbackups: -1 }, 530, 'maxbackups value for backup schedule must be a non-negative integer.');
    await refusal('createBackupSchedule', { ...base, maxbackups: 'many' }, 431, /maxbackups/);
    await refusal('createBackupSchedule', { ...base, schedule: '' }, 530, /^Invalid schedule:  for interval type: DAILY: Incorrect schedule format/);
    await refusal('createBackupSchedule', { ...base, quiescevm: true }, 530, 'Quiesce VM option is supported only for NAS backup provider');
    await refusal('createBackupSchedule', { ...base, timezone: 'Mars/Olympus' }, 530, /^Invalid timezone: Mars\/Olympus/);
    await refusal('deleteBackupSchedule', {}, 530, 'Either instance ID or ID of backup schedule needs to be specified.');
    await refusal('deleteBackupSchedule', { id: '00000000-0000-4000-8000-000000000000' }, 530, 'Could not find the requested backup schedule.');
    expect(await schedulesOf(vm.id)).toEqual([]);
    expect((await env.admin.ok('deleteBackupSchedule', { virtualmachineid: vm.id })).success).toBe(true); // none to delete: done
  });

  it('keeps one schedule per interval type: a second of a type changes the first, other types stay', async () => {
    const vm = await deploy('sched-types');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    const hourly = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'hourly', schedule: far(), timezone: 'UTC' })).backupschedule as Obj;
    expect(hourly).toMatchObject({ virtualmachineid: vm.id, virtualmachinename: 'sched-types', intervaltype: 'HOURLY', schedule: far(), timezone: 'UTC', maxbackups: 0 });
    expect(new Date(hourly.nextrun as string).getUTCMinutes()).toBe(Number(far()));
    expect(Date.parse(hourly.nextrun as string) - Date.now()).toBeLessThanOrEqual(3_600_000);
    // 14:30 in India is 09:00 UTC, every day.
    const daily = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '30:14', timezone: 'Asia/Kolkata', maxbackups: 7 })).backupschedule as Obj;
    expect((daily.nextrun as string).slice(11, 19)).toBe('09:00:00');
    const changed = (await env.admin.ok('updateBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'HOURLY', schedule: far(1), timezone: 'UTC', maxbackups: 3 })).backupschedule as Obj;
    expect(changed).toMatchObject({ id: hourly.id, schedule: far(1), maxbackups: 3 });
    const listed = await env.admin.ok('listBackupSchedule', { virtualmachineid: vm.id });
    expect({ count: listed.count, types: (listed.backupschedule as Obj[]).map((s) => s.intervaltype).sort() }).toEqual({ count: 2, types: ['DAILY', 'HOURLY'] });
    expect(((await env.admin.ok('listBackupSchedule', { id: daily.id })).backupschedule as Obj[]).map((s) => s.schedule)).toEqual(['30:14']);
    expect(((await env.admin.ok('listBackupSchedule', { keyword: 'sched-ty' })).backupschedule as Obj[]).length).toBe(2);

    expect((await env.admin.ok('deleteBackupSchedule', { id: daily.id })).success).toBe(true);
    expect((await schedulesOf(vm.id)).map((s) => s.intervaltype)).toEqual(['HOURLY']);
    // Leaving the offering takes the schedules with it, as CloudStack's does.
    await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'WEEKLY', schedule: '00:03:1', timezone: 'Europe/Paris' });
    await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'MONTHLY', schedule: '00:03:1', timezone: 'UTC' });
    await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id });
    expect(await schedulesOf(vm.id)).toEqual([]);
    // And so does expunging the VM (with no backups, its offering lets it go).
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '00:03', timezone: 'UTC' });
    await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'HOURLY', schedule: far(), timezone: 'UTC' });
    await job('destroyVirtualMachine', { id: vm.id, expunge: true });
    expect((await env.admin.ok('listBackupSchedule', { keyword: 'sched-types' })).backupschedule).toBeUndefined();
    await expectExactListCounters();
  });

  it('fires by itself within a minute of its due time, as the owner, and moves on to its next run', async () => {
    const vm = await deploy('sched-fires');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    // 10 s of margin at least, so the schedule is made before its minute even on a loaded machine.
    const due = new Date(Math.ceil((Date.now() + 10_000) / 60_000) * 60_000);
    const schedule = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'HOURLY', schedule: String(due.getUTCMinutes()), timezone: 'UTC' })).backupschedule as Obj;
    expect(schedule.nextrun).toBe(due.toISOString());
    const [backup] = await until(() => backupsOf(vm.id), (bs) => bs.some((b) => b.status === 'BackedUp'), 80_000);
    expect(backup).toMatchObject({ status: 'BackedUp', intervaltype: 'HOURLY', virtualmachineid: vm.id });
    const lateMs = Date.parse(backup.created as string) - due.getTime();
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(60_000);
    const [after] = await schedulesOf(vm.id);
    expect(after.nextrun).toBe(new Date(due.getTime() + 3_600_000).toISOString());
    const jobs = (await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[];
    const [owner] = (await env.admin.ok('listAccounts', { name: vm.account, listall: true })).account as Obj[];
    expect(jobs.find((j) => (j.cmd as string).endsWith('CreateBackupCmd') && j.jobinstanceid === vm.id)).toMatchObject({ jobstatus: 1, accountid: owner.id });
    expect(await env.admin.ok('listVirtualMachines', { id: vm.id })).toMatchObject({ virtualmachine: [expect.objectContaining({ state: 'Running' })] });
  });

  it('takes one backup when two sweeps find the same run due at once', async () => {
    const vm = await deploy('sched-overlap');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    const schedule = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '00:03', timezone: 'UTC' })).backupschedule as Obj;
    await makeDue(schedule.id as string);
    const reports = await Promise.all([env.stack.runBackupScheduler(), env.stack.runBackupScheduler(), env.stack.runBackupScheduler()]);
    expect(reports.flatMap((r) => r.started).filter((s) => s.scheduleId === schedule.id).length).toBeLessThanOrEqual(1);
    const backups = await settled(vm.id);
    expect(backups.map((b) => ({ status: b.status, intervaltype: b.intervaltype }))).toEqual([{ status: 'BackedUp', intervaltype: 'DAILY' }]);
    expect(((await schedulesOf(vm.id))[0].nextrun as string).endsWith('T03:00:00.000Z')).toBe(true);
    await expectExactListCounters();
  });

  it("keeps the schedule's newest maxbackups backups, and never another schedule's or a manual one", async () => {
    const vm = await deploy('sched-retention');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    await job('createBackup', { virtualmachineid: vm.id, name: 'manual' });
    const hourly = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'HOURLY', schedule: far(), timezone: 'UTC', maxbackups: 2 })).backupschedule as Obj;
    const weekly = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'WEEKLY', schedule: '00:01:2', timezone: 'UTC', maxbackups: 1 })).backupschedule as Obj;
    await makeDue(weekly.id as string);
    await until(() => backupsOf(vm.id), (bs) => bs.some((b) => b.intervaltype === 'WEEKLY' && b.status === 'BackedUp'));
    const names: string[] = [];
    for (let run = 0; run < 3; run++) {
      await makeDue(hourly.id as string);
      const bs = await until(() => backupsOf(vm.id), (all) => all.some((b) => b.intervaltype === 'HOURLY' && !names.includes(b.id as string)) && all.every((b) => b.status !== 'BackingUp'));
      names.push(bs.find((b) => b.intervaltype === 'HOURLY' && !names.includes(b.id as string))!.id as string);
    }
    const kept = await until(() => backupsOf(vm.id), (bs) => bs.filter((b) => b.intervaltype === 'HOURLY').length === 2);
    expect(kept.filter((b) => b.intervaltype === 'HOURLY').map((b) => b.id)).toEqual(names.slice(1));
    expect(kept.filter((b) => b.intervaltype !== 'HOURLY').map((b) => b.intervaltype).sort()).toEqual(['MANUAL', 'WEEKLY']);
    const events = (await env.admin.ok('listEvents', { type: 'BACKUP.DELETE', listall: true })).event as Obj[];
    expect(events.some((e) => (e.description as string).includes(`suiting the retention specified in the backup schedule [ID: ${hourly.id}]`))).toBe(true);
    await expectExactListCounters();
  });

  it('skips a run it cannot take with an event saying why, and moves on', async () => {
    const vm = await deploy('sched-skip');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    const schedule = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '10:04', timezone: 'UTC' })).backupschedule as Obj;
    await job('destroyVirtualMachine', { id: vm.id });
    await makeDue(schedule.id as string);
    const event = await until(
      async () => (((await env.admin.ok('listEvents', { type: 'BACKUP.CREATE', level: 'ERROR', listall: true })).event as Obj[] | undefined) ?? []).find((e) => (e.description as string).includes('sched-skip')),
      (e) => e !== undefined,
    );
    expect(event?.description).toMatch(/Scheduled DAILY backup of VM sched-skip due at .* not taken: the VM is Destroyed/);
    expect(await backupsOf(vm.id)).toEqual([]);
    const [after] = ((await env.admin.ok('listBackupSchedule', { id: schedule.id })).backupschedule as Obj[]) ?? [];
    expect(Date.parse(after.nextrun as string)).toBeGreaterThan(Date.now());

    // An offering that no longer allows user-defined schedules: its VMs' runs are skipped, saying so.
    const other = await deploy('sched-disallowed');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: other.id, backupofferingid: gold.id });
    const disallowed = (await env.admin.ok('createBackupSchedule', { virtualmachineid: other.id, intervaltype: 'DAILY', schedule: '10:04', timezone: 'UTC' })).backupschedule as Obj;
    await env.admin.ok('updateBackupOffering', { id: gold.id, allowuserdrivenbackups: false });
    try {
      await makeDue(disallowed.id as string);
      const skipped = await until(
        async () => (((await env.admin.ok('listEvents', { type: 'BACKUP.CREATE', level: 'ERROR', listall: true })).event as Obj[] | undefined) ?? []).find((e) => (e.description as string).includes('sched-disallowed')),
        (e) => e !== undefined,
      );
      expect(skipped?.description).toMatch(/not taken: backup offering Gold no longer allows user-defined backup schedules$/);
      expect(await backupsOf(other.id)).toEqual([]);
    } finally {
      await env.admin.ok('updateBackupOffering', { id: gold.id, allowuserdrivenbackups: true });
    }
  });

  it("deletes a schedule whose VM left its offering when it comes due", async () => {
    const vm = await deploy('sched-orphan');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    const schedule = (await env.admin.ok('createBackupSchedule', { virtualmachineid: vm.id, intervaltype: 'DAILY', schedule: '20:04', timezone: 'UTC' })).backupschedule as Obj;
    // Written as the VM leaves (the index had not shown it to the removal): the store is written directly, as that race would.
    const store = createStore();
    const kept = (await store.backups.getSchedule(schedule.id as string, true))!;
    await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id });
    await store.backups.saveSchedule(undefined, { ...kept, nextRunAt: new Date(Date.now() - 1000).toISOString() });
    await until(async () => (await env.admin.ok('listBackupSchedule', { id: schedule.id })).backupschedule, (s) => s === undefined);
    expect((await env.admin.ok('listBackupSchedule', { id: schedule.id })).backupschedule).toBeUndefined();
    expect(await backupsOf(vm.id)).toEqual([]);
    await expectExactListCounters();
  });
});
