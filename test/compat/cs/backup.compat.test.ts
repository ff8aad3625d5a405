import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, type CompatStack } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Backup offerings and backups with the `cloudstack` CLI, as an operator sets them up: turn the
 * framework on, list the provider's policies, import one, assign a VM (the CLI waits for the async
 * jobs), see it on the VM, take a backup, list and delete it, remove the VM, delete the offering.
 */
jest.setTimeout(300_000);

describe('backup offerings with the cs CLI', () => {
  let env: CompatStack;
  const cs = (...args: string[]) => cloudstack(env.stack.apiUrl, env.stack.credentials, args);
  const ok = async (...args: string[]) => {
    const r = await cs(...args);
    expect({ args, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ args, code: 0, stderr: '' });
    return r.stdout.trim() ? jsonOf<Obj>(r) : {};
  };

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack();
  }, 120_000);
  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('imports a policy as an offering, assigns a VM to it, backs it up, deletes the backup and takes the VM back', async () => {
    const zone = env.stack.seed.zone.id;
    const refused = await cs('listBackupProviderOfferings', `zoneid=${zone}`);
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain('Backup and Recovery feature is disabled for the zone');
    await ok('updateConfiguration', 'name=backup.framework.enabled', 'value=true');

    const policies = (await ok('listBackupProviderOfferings', `zoneid=${zone}`)).backupoffering as Obj[];
    const offering = (await ok('importBackupOffering', 'name=Gold', 'description=Gold backups', `externalid=${policies[0].externalid}`, `zoneid=${zone}`, 'allowuserdrivenbackups=true')).backupoffering as Obj;
    expect(offering).toMatchObject({ name: 'Gold', externalid: 'gold-policy', provider: 'dummy' });

    const small = ((await ok('listServiceOfferings', 'name=Small Instance')).serviceoffering as Obj[])[0].id as string;
    const template = ((await ok('listTemplates', 'templatefilter=executable')).template as Obj[])[0].id as string;
    const vm = (await ok('deployVirtualMachine', `serviceofferingid=${small}`, `templateid=${template}`, `zoneid=${zone}`)).virtualmachine as Obj;
    expect(await ok('assignVirtualMachineToBackupOffering', `virtualmachineid=${vm.id}`, `backupofferingid=${offering.id}`)).toMatchObject({ success: true });
    expect(((await ok('listVirtualMachines', `id=${vm.id}`)).virtualmachine as Obj[])[0]).toMatchObject({ backupofferingid: offering.id, backupofferingname: 'Gold' });
    const busy = await cs('deleteBackupOffering', `id=${offering.id}`);
    expect(`${busy.stdout}${busy.stderr}`).toContain('Backup offering is assigned to VMs, remove the assignment(s) in order to remove the offering.');

    // A backup, listed, deleted (the CLI waits for each job).
    const backup = (await ok('createBackup', `virtualmachineid=${vm.id}`, 'name=first')).backup as Obj;
    expect(backup).toMatchObject({ name: 'first', status: 'BackedUp', virtualmachineid: vm.id });
    expect(((await ok('listBackups', `virtualmachineid=${vm.id}`)).backup as Obj[]).map((b) => b.id)).toEqual([backup.id]);
    await ok('deleteBackup', `id=${backup.id}`);
    expect(await ok('listBackups', `virtualmachineid=${vm.id}`)).toEqual({});

    await ok('removeVirtualMachineFromBackupOffering', `virtualmachineid=${vm.id}`);
    expect(await ok('deleteBackupOffering', `id=${offering.id}`)).toMatchObject({ success: true });
    expect(await ok('listBackupOfferings')).toEqual({});
  });
  it('schedules backups, sees a run fire by itself, restores the VM and a volume, and deletes the schedule', async () => {
    const zone = env.stack.seed.zone.id;
    const offering = (await ok('importBackupOffering', 'name=Nightly', 'description=Nightly backups', 'externalid=gold-policy', `zoneid=${zone}`, 'allowuserdrivenbackups=true')).backupoffering as Obj;
    const small = ((await ok('listServiceOfferings', 'name=Small Instance')).serviceoffering as Obj[])[0].id as string;
    const template = ((await ok('listTemplates', 'templatefilter=executable')).template as Obj[])[0].id as string;
    const vm = (await ok('deployVirtualMachine', `serviceofferingid=${small}`, `templateid=${template}`, `zoneid=${zone}`, 'name=cli-scheduled')).virtualmachine as Obj;
    await ok('assignVirtualMachineToBackupOffering', `virtualmachineid=${vm.id}`, `backupofferingid=${offering.id}`);

    // Due at the next whole minute, keeping one backup: the stack's scheduler fires it by itself.
    const due = new Date(Math.ceil((Date.now() + 10_000) / 60_000) * 60_000);
    const schedule = (await ok('createBackupSchedule', `virtualmachineid=${vm.id}`, 'intervaltype=HOURLY', `schedule=${due.getUTCMinutes()}`, 'timezone=UTC', 'maxbackups=1')).backupschedule as Obj;
    expect(schedule).toMatchObject({ intervaltype: 'HOURLY', maxbackups: 1, virtualmachinename: 'cli-scheduled' });
    expect(((await ok('listBackupSchedule', `virtualmachineid=${vm.id}`)).backupschedule as Obj[]).map((s) => s.id)).toEqual([schedule.id]);
    const refused = await cs('createBackupSchedule', `virtualmachineid=${vm.id}`, 'intervaltype=MONTHLY', 'schedule=00:10:30', 'timezone=UTC');
    expect(`${refused.stdout}${refused.stderr}`).toContain('Day cannot be greater than 28 for monthly schedule');
    let backups: Obj[] = [];
    for (let i = 0; i < 160 && !backups.some((b) => b.status === 'BackedUp'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      backups = ((await ok('listBackups', `virtualmachineid=${vm.id}`)).backup as Obj[] | undefined) ?? [];
    }
    expect(backups).toEqual([expect.objectContaining({ intervaltype: 'HOURLY', status: 'BackedUp' })]);
    expect(Date.parse(backups[0].created as string) - due.getTime()).toBeLessThan(60_000);

    // Restore: refused while running, done once stopped (the CLI waits for the job).
    const running = await cs('restoreBackup', `id=${backups[0].id}`);
    expect(`${running.stdout}${running.stderr}`).toContain('Existing VM should be stopped before being restored from backup');
    await ok('stopVirtualMachine', `id=${vm.id}`);
    expect(await ok('restoreBackup', `id=${backups[0].id}`)).toMatchObject({ success: true });
    expect(((await ok('listVirtualMachines', `id=${vm.id}`)).virtualmachine as Obj[])[0]).toMatchObject({ state: 'Stopped' });

    // One of its volumes onto another VM, as a new data disk.
    const other = (await ok('deployVirtualMachine', `serviceofferingid=${small}`, `templateid=${template}`, `zoneid=${zone}`, 'name=cli-restore-target')).virtualmachine as Obj;
    const [root] = JSON.parse(backups[0].volumes as string) as Obj[];
    await ok('restoreVolumeFromBackupAndAttachToVM', `backupid=${backups[0].id}`, `volumeid=${root.uuid}`, `virtualmachineid=${other.id}`);
    expect(((await ok('listVolumes', `virtualmachineid=${other.id}`)).volume as Obj[]).map((v) => v.type)).toEqual(['ROOT', 'DATADISK']);

    expect(await ok('deleteBackupSchedule', `id=${schedule.id}`)).toMatchObject({ success: true });
    expect(await ok('listBackupSchedule', `virtualmachineid=${vm.id}`)).toEqual({});
  });

  it('runs the nas provider from the CLI: a repository, its offering, a quiesced backup, a restore and a deletion on the hosts', async () => {
    const zone = env.stack.seed.zone.id;
    await ok('updateConfiguration', 'name=backup.framework.enabled', 'value=true');
    await ok('updateConfiguration', 'name=backup.framework.provider.plugin', 'value=nas', `zoneid=${zone}`);
    const repo = (await ok('addBackupRepository', 'name=nfs-backups', 'type=nfs', 'address=10.0.0.5:/export/backups', 'mountopts=vers=4.1', `zoneid=${zone}`)).backuprepository as Obj;
    const policies = (await ok('listBackupProviderOfferings', `zoneid=${zone}`)).backupoffering as Obj[];
    expect(policies.map((p) => p.externalid)).toEqual([repo.id]);
    const offering = (await ok('importBackupOffering', 'name=NAS', 'description=Nightly to NFS', `externalid=${repo.id}`, `zoneid=${zone}`, 'allowuserdrivenbackups=true')).backupoffering as Obj;
    const small = ((await ok('listServiceOfferings', 'name=Small Instance')).serviceoffering as Obj[])[0].id as string;
    const template = ((await ok('listTemplates', 'templatefilter=executable')).template as Obj[])[0].id as string;
    const vm = (await ok('deployVirtualMachine', `serviceofferingid=${small}`, `templateid=${template}`, `zoneid=${zone}`, 'name=nas-cli')).virtualmachine as Obj;
    await ok('assignVirtualMachineToBackupOffering', `virtualmachineid=${vm.id}`, `backupofferingid=${offering.id}`);

    // The CLI waits for the job: the host's agent took it into the repository.
    const backup = (await ok('createBackup', `virtualmachineid=${vm.id}`, 'quiescevm=true', 'name=before-upgrade')).backup as Obj;
    expect(backup).toMatchObject({ name: 'before-upgrade', status: 'BackedUp', externalid: `${vm.instancename}/${backup.id}` });
    expect(JSON.parse(backup.volumes as string)[0].path).toMatch(/^root\..+\.qcow2$/);
    await ok('stopVirtualMachine', `id=${vm.id}`);
    await ok('restoreBackup', `id=${backup.id}`);
    expect(((await ok('listVirtualMachines', `id=${vm.id}`)).virtualmachine as Obj[])[0]).toMatchObject({ state: 'Stopped' });
    await ok('deleteBackup', `id=${backup.id}`);
    expect(await ok('listBackups', `virtualmachineid=${vm.id}`)).toEqual({});

    await ok('removeVirtualMachineFromBackupOffering', `virtualmachineid=${vm.id}`);
    await ok('deleteBackupOffering', `id=${offering.id}`);
    await ok('deleteBackupRepository', `id=${repo.id}`);
    await ok('updateConfiguration', 'name=backup.framework.provider.plugin', 'value=dummy', `zoneid=${zone}`);
  });
});

