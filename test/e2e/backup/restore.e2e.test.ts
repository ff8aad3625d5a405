import { createStore } from '../../../functions/store';
import { expectExactListCounters, expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Restores through signed HTTP: restoreBackup onto a stopped and onto a destroyed VM (which it
 * recovers), restoreVolumeFromBackupAndAttachToVM onto a running and a stopped VM, with CloudStack's
 * refusals; and what a VM in a backup offering may no longer do (change its disks, be expunged
 * while its offering holds backups of it).
 */
jest.setTimeout(180_000);

describe('restoring backups', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let gold: Obj;
  let diskOffering: Obj;
  const refusal = async (command: string, params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call(command, params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const job = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const ok = async (command: string, params: Obj) => {
    const done = await job(command, params);
    expect({ command, jobstatus: done.jobstatus, result: done.jobstatus === 1 ? undefined : done.jobresult }).toEqual({ command, jobstatus: 1, result: undefined });
    return done.jobresult as Obj;
  };
  const deploy = async (name: string) => (await ok('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name })).virtualmachine as Obj;
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[] | undefined)?.[0];
  const backupOf = async (id: string) => ((await env.admin.ok('listBackups', { id })).backup as Obj[])[0];
  /** A VM in the Gold offering with one backup of it, and the volumes it had. */
  const backedUp = async (name: string) => {
    const vm = await deploy(name);
    await ok('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: gold.id });
    const backup = (await ok('createBackup', { virtualmachineid: vm.id })).backup as Obj;
    return { vm, backup, volumes: JSON.parse(backup.volumes as string) as Obj[] };
  };

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid: cat.zoneid });
    gold = ((await job('importBackupOffering', { name: 'Gold', description: 'Gold', externalid: 'gold-policy', zoneid: cat.zoneid, allowuserdrivenbackups: true })).jobresult as Obj).backupoffering as Obj;
    diskOffering = (await env.admin.ok('createDiskOffering', { name: 'Data 1 GB', displaytext: 'One', disksize: 1 })).diskoffering as Obj;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('restores a stopped VM, which stays Stopped, and refuses a running one', async () => {
    const { vm, backup } = await backedUp('restore-stopped');
    await refusal('restoreBackup', { id: backup.id }, 530, 'Existing VM should be stopped before being restored from backup');
    await ok('stopVirtualMachine', { id: vm.id });
    const done = await job('restoreBackup', { id: backup.id });
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { success: true }, cmd: 'org.apache.cloudstack.api.command.user.backup.RestoreBackupCmd' });
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Stopped' });
    expect(await backupOf(backup.id as string)).toMatchObject({ status: 'BackedUp' });
    const events = (await env.admin.ok('listEvents', { type: 'BACKUP.RESTORE', listall: true })).event as Obj[];
    expect(events.some((e) => (e.description as string).startsWith(`Restored VM restore-stopped (${vm.id}) from backup ${backup.name}`))).toBe(true);
    // It starts again afterwards, on the disks it had.
    await ok('startVirtualMachine', { id: vm.id });
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Running' });
  });

  it('restores a destroyed VM, which comes back Stopped and out of the expunge queue', async () => {
    const { vm, backup } = await backedUp('restore-destroyed');
    await ok('destroyVirtualMachine', { id: vm.id });
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Destroyed' });
    expect(await createStore().vms.listDestroyedBefore(new Date(Date.now() + 60_000).toISOString())).toContain(vm.id);
    await ok('restoreBackup', { id: backup.id });
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Stopped' });
    // Out of the expunge queue: nothing destroyed before now is queued under its id.
    expect(await createStore().vms.listDestroyedBefore(new Date(Date.now() + 60_000).toISOString())).not.toContain(vm.id);
  });

  it("refuses a backup whose disks are not the VM's, matching them by id, never by order", async () => {
    const { vm, backup } = await backedUp('restore-disks');
    await ok('stopVirtualMachine', { id: vm.id });
    // A VM in an offering keeps its disks unless the setting allows changing them.
    await refusal('createVolume', { zoneid: cat.zoneid, diskofferingid: diskOffering.id, name: 'extra', virtualmachineid: vm.id }, 431, "Unable to attach volume, please specify a VM that does not have any backups or set the global configuration 'backup.enable.attach.detach.of.volumes' to true.");
    await env.admin.ok('updateConfiguration', { name: 'backup.enable.attach.detach.of.volumes', value: 'true' });
    try {
      const extra = (await ok('createVolume', { zoneid: cat.zoneid, diskofferingid: diskOffering.id, name: 'extra', virtualmachineid: vm.id })).volume as Obj;
      await refusal('restoreBackup', { id: backup.id }, 530, 'Unable to restore VM with the current backup as the backup has different number of disks as the VM');
      await ok('detachVolume', { id: extra.id });
      await env.admin.ok('deleteVolume', { id: extra.id });
    } finally {
      await env.admin.ok('updateConfiguration', { name: 'backup.enable.attach.detach.of.volumes', value: 'false' });
    }
    await refusal('detachVolume', { virtualmachineid: vm.id, deviceid: 0 }, 431, /^Unable to detach ROOT volume|^Unable to detach volume, cannot detach volume from a VM that has backups/);
    await ok('restoreBackup', { id: backup.id });
    // Same number of disks, another ROOT (reinstalled from its template): refused, naming the volume.
    await ok('restoreVirtualMachine', { virtualmachineid: vm.id });
    await refusal('restoreBackup', { id: backup.id }, 530, new RegExp(`^Unable to restore VM restore-disks from backup ${backup.name}: its ROOT volume ${JSON.parse(backup.volumes as string)[0].uuid} \\(device 0\\) is no longer the VM's`));
    await expectExactListCounters();
  });

  it('restores one backed-up volume as a new data disk of a running VM and of a stopped one', async () => {
    const { backup, volumes } = await backedUp('restore-source');
    const [root] = volumes;
    const target = await deploy('restore-target');
    const params = { backupid: backup.id, volumeid: root.uuid, virtualmachineid: target.id };
    await refusal('restoreVolumeFromBackupAndAttachToVM', { ...params, volumeid: '   ' }, 530, 'Invalid volume ID passed');
    await refusal('restoreVolumeFromBackupAndAttachToVM', { ...params, backupid: '00000000-0000-4000-8000-000000000000' }, 530, 'Provided backup not found');
    await refusal('restoreVolumeFromBackupAndAttachToVM', { ...params, volumeid: 'not-in-it' }, 530, 'Failed to find volume with Id not-in-it in the backed-up volumes metadata');
    // Running: hot-plugged by its host's agent through the attach workflow.
    const done = await job('restoreVolumeFromBackupAndAttachToVM', params);
    expect(done).toMatchObject({ jobstatus: 1, cmd: 'org.apache.cloudstack.api.command.user.backup.RestoreVolumeFromBackupAndAttachToVMCmd' });
    const attached = (await env.admin.ok('listVolumes', { virtualmachineid: target.id })).volume as Obj[];
    expect(attached.map((v) => ({ type: v.type, size: v.size, state: v.state }))).toEqual([
      { type: 'ROOT', size: expect.any(Number), state: 'Ready' },
      { type: 'DATADISK', size: root.size, state: 'Ready' },
    ]);
    expect(attached[1].name).toBe(`RestoredVol-${backup.name}-0`);
    // Stopped: attached at once.
    await ok('stopVirtualMachine', { id: target.id });
    await ok('restoreVolumeFromBackupAndAttachToVM', params);
    expect(((await env.admin.ok('listVolumes', { virtualmachineid: target.id })).volume as Obj[]).map((v) => v.type)).toEqual(['ROOT', 'DATADISK', 'DATADISK']);
    // A VM in an offering takes no restored volume, as CloudStack's.
    await ok('assignVirtualMachineToBackupOffering', { virtualmachineid: target.id, backupofferingid: gold.id });
    await refusal('restoreVolumeFromBackupAndAttachToVM', params, 530, 'The selected VM has backups, cannot restore and attach volume to the VM.');
    await expectExactListCounters();
    await expectPoolLedgers(env, 'after restored volumes');
  });

  it('keeps a VM whose offering holds backups of it from being expunged, in CloudStack\'s words', async () => {
    const { vm, backup } = await backedUp('restore-expunge');
    await refusal('destroyVirtualMachine', { id: vm.id, expunge: true }, 530, /^This Instance \[uuid: .*\] has a Backup Offering \[id: .*\] with 1 backups\. Please, remove the backup offering before proceeding to VM exclusion!$/);
    await ok('destroyVirtualMachine', { id: vm.id });
    await refusal('expungeVirtualMachine', { id: vm.id }, 530, /Please, remove the backup offering before proceeding to VM exclusion!$/);
    // Deleting the backup lets it go.
    await ok('deleteBackup', { id: backup.id });
    await ok('expungeVirtualMachine', { id: vm.id });
    expect(await vmOf(vm.id)).toBeUndefined();
    await expectExactListCounters();
  });
});
