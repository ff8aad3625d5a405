import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Backup and recovery's framework through signed HTTP: the setting that turns it on (globally and
 * for the zone), the providers and their policies, backup offerings imported, listed, updated and
 * deleted, and VMs assigned to them and removed, with CloudStack's refusals.
 */
jest.setTimeout(120_000);

describe('backup offerings and assignment', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const refusal = async (command: string, params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call(command, params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const job = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const deploy = async (name: string) => ((await job('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name })).jobresult as Obj).virtualmachine as Obj;
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const gold = (name = 'Gold') => ({ name, description: `${name} backups`, externalid: 'gold-policy', zoneid: cat.zoneid, allowuserdrivenbackups: true });

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('is off until backup.framework.enabled is on, globally and for the zone', async () => {
    await refusal('listBackupProviderOfferings', { zoneid: cat.zoneid }, 431, 'Backup and Recovery feature is disabled for the zone');
    await refusal('importBackupOffering', gold(), 431, 'Backup and Recovery feature is disabled for the zone');
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'false', zoneid: cat.zoneid });
    await refusal('listBackupProviderOfferings', { zoneid: cat.zoneid }, 431, 'Backup and Recovery feature is disabled for the zone');
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid: cat.zoneid });
    // Only the providers Stratus carries.
    expect((await env.admin.call('updateConfiguration', { name: 'backup.framework.provider.plugin', value: 'veeam' })).status).toBe(431);
  });

  it('lists the providers and the dummy provider\'s policies, and imports one as an offering', async () => {
    expect((await env.admin.ok('listBackupProviders')).providers).toEqual([
      { name: 'dummy', description: 'Dummy Backup Plugin' },
      { name: 'nas', description: 'NAS Backup Plugin' },
    ]);
    const policies = (await env.admin.ok('listBackupProviderOfferings', { zoneid: cat.zoneid })).backupoffering as Obj[];
    expect(policies.map((p) => p.externalid)).toEqual(['gold-policy', 'silver-policy']);
    await refusal('importBackupOffering', { ...gold(), externalid: 'platinum' }, 530, `Backup offering 'platinum' does not exist on provider dummy on zone ${cat.zoneid}`);

    const done = await job('importBackupOffering', gold());
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { backupoffering: { name: 'Gold', externalid: 'gold-policy', provider: 'dummy', allowuserdrivenbackups: true, zoneid: cat.zoneid } } });
    await job('importBackupOffering', { ...gold('Silver'), externalid: 'silver-policy', allowuserdrivenbackups: false });
    const listed = await env.admin.ok('listBackupOfferings', { zoneid: cat.zoneid });
    expect({ count: listed.count, names: (listed.backupoffering as Obj[]).map((o) => o.name) }).toEqual({ count: 2, names: ['Gold', 'Silver'] });
    expect(((await env.admin.ok('listBackupOfferings', { keyword: 'silv' })).backupoffering as Obj[]).map((o) => o.name)).toEqual(['Silver']);
    const id = ((done.jobresult as Obj).backupoffering as Obj).id as string;
    expect((await env.admin.ok('updateBackupOffering', { id, name: 'Gold Daily', allowuserdrivenbackups: false })).backupoffering).toMatchObject({ id, name: 'Gold Daily', allowuserdrivenbackups: false });
    await refusal('updateBackupOffering', { id }, 431, /^Can't update Backup Offering .* because there are no parameters to be updated/);
    await expectExactListCounters();
  });

  it('assigns a VM to one offering at a time, shows it on the VM, and keeps an offering with VMs from being deleted', async () => {
    const offering = ((await env.admin.ok('listBackupOfferings', { name: 'Silver', keyword: 'silver' })).backupoffering as Obj[])[0];
    const vm = await deploy('backed-up');
    expect(await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id })).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect(await vmOf(vm.id)).toMatchObject({ backupofferingid: offering.id, backupofferingname: 'Silver' });
    await refusal('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id }, 530, 'VM already is assigned to a backup offering, please remove the VM from its previous offering');
    await refusal('deleteBackupOffering', { id: offering.id }, 530, 'Backup offering is assigned to VMs, remove the assignment(s) in order to remove the offering.');

    expect(await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id })).toMatchObject({ jobstatus: 1 });
    expect((await vmOf(vm.id)).backupofferingid).toBeUndefined();
    await refusal('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id }, 530, 'No previously configured backup offering found for the VM');

    // An expunged VM leaves its offering with it.
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id });
    expect(await job('destroyVirtualMachine', { id: vm.id, expunge: true })).toMatchObject({ jobstatus: 1 });
    expect((await env.admin.ok('deleteBackupOffering', { id: offering.id })).success).toBe(true);
    expect(((await env.admin.ok('listBackupOfferings')).backupoffering as Obj[]).map((o) => o.name)).toEqual(['Gold Daily']);
    await expectExactListCounters();
  });

  it('backs a VM up with the dummy provider, lists its backups and deletes them, the VM running on as it was', async () => {
    const offering = ((await env.admin.ok('listBackupOfferings')).backupoffering as Obj[])[0];
    const vm = await deploy('nightly');
    await refusal('createBackup', { virtualmachineid: vm.id }, 530, 'VM has not backup offering configured, cannot create backup before assigning it to a backup offering');
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id });
    await refusal('createBackup', { virtualmachineid: vm.id, quiescevm: true }, 431, 'Quiesce VM option is supported only for NAS backup provider');

    const done = await job('createBackup', { virtualmachineid: vm.id, description: 'before the upgrade' });
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { backup: { virtualmachineid: vm.id, virtualmachinename: 'nightly', status: 'BackedUp', type: 'FULL', externalid: 'dummy-external-id', intervaltype: 'MANUAL', backupofferingid: offering.id, description: 'before the upgrade' } } });
    const backup = (done.jobresult as Obj).backup as Obj;
    expect(backup.name).toMatch(/^nightly-\d{14}$/);
    const [root] = (await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume as Obj[];
    expect(JSON.parse(backup.volumes as string)).toEqual([expect.objectContaining({ uuid: root.id, type: 'ROOT', size: root.size, deviceId: 0 })]);
    expect(backup.virtualsize).toBe(root.size);
    expect(await vmOf(vm.id)).toMatchObject({ state: 'Running', hostid: vm.hostid });
    await job('createBackup', { virtualmachineid: vm.id, name: 'second' });
    const listed = await env.admin.ok('listBackups', { virtualmachineid: vm.id });
    expect({ count: listed.count, names: (listed.backup as Obj[]).map((b) => b.name) }).toEqual({ count: 2, names: [backup.name, 'second'] });
    expect(((await env.admin.ok('listBackups', { name: 'second' })).backup as Obj[]).map((b) => b.virtualmachineid)).toEqual([vm.id]);

    expect(await job('deleteBackup', { id: backup.id })).toMatchObject({ jobstatus: 1 });
    expect(((await env.admin.ok('listBackups', { virtualmachineid: vm.id })).backup as Obj[]).map((b) => b.name)).toEqual(['second']);
    // Its offering keeps the backups it took: it cannot go while they exist, even with no VM left on it.
    await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id });
    await refusal('deleteBackupOffering', { id: offering.id }, 530, 'Backup Offering cannot be removed as it has backups associated with it.');
    // The backup outlives its VM, and says so.
    await job('destroyVirtualMachine', { id: vm.id, expunge: true });
    const [kept] = (await env.admin.ok('listBackups', { name: 'second' })).backup as Obj[];
    expect(kept).toMatchObject({ isbackupvmexpunged: true, vmbackupofferingremoved: true, backupofferingname: offering.name });
    expect(await job('deleteBackup', { id: kept.id })).toMatchObject({ jobstatus: 1 });
    await expectExactListCounters();
  });

  it('refuses a VM that is neither running nor stopped', async () => {
    const offering = ((await env.admin.ok('listBackupOfferings')).backupoffering as Obj[])[0];
    const vm = await deploy('going');
    await job('destroyVirtualMachine', { id: vm.id });
    await refusal('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id }, 530, 'VM is not in running or stopped state');
  });
});
