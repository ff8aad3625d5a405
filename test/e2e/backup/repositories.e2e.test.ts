import { expectExactListCounters } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Backup repositories through signed HTTP: added, listed, updated and deleted; the nas provider
 * offering each repository of its zone as a policy to import; and a repository kept while an
 * offering was imported from it.
 */
jest.setTimeout(120_000);

describe('backup repositories and the nas provider\'s offerings', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  const refusal = async (command: string, params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call(command, params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const job = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid: cat.zoneid });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.provider.plugin', value: 'nas', zoneid: cat.zoneid });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('adds, lists, updates and deletes repositories, which the nas provider offers', async () => {
    await refusal('addBackupRepository', { name: 'r', address: 'nas:/b', type: 'iscsi', zoneid: cat.zoneid }, 431, /^Invalid backup repository type iscsi/);
    await refusal('addBackupRepository', { name: 'r', address: 'nas:/b', type: 'nfs', zoneid: cat.zoneid, capacitybytes: -1 }, 431, 'capacitybytes must not be negative');
    await refusal('addBackupRepository', { name: 'r', address: '   ', type: 'nfs', zoneid: cat.zoneid }, 431, 'The address of the backup repository must not be empty');
    await refusal('addBackupRepository', { name: 'r', address: 'nas:/b', type: 'nfs', zoneid: cat.zoneid, provider: 'veeam' }, 431, "Backup repositories are the nas provider's: provider veeam has none");
    const repo = (await env.admin.ok('addBackupRepository', { name: 'nfs-backups', address: '10.0.0.5:/export/backups', type: 'nfs', mountopts: 'vers=4.1', zoneid: cat.zoneid, capacitybytes: 2 ** 40 })).backuprepository as Obj;
    expect(repo).toMatchObject({ name: 'nfs-backups', address: '10.0.0.5:/export/backups', type: 'nfs', provider: 'nas', mountopts: 'vers=4.1', zoneid: cat.zoneid, capacitybytes: 2 ** 40, crosszoneinstancecreation: false });
    const ceph = (await env.admin.ok('addBackupRepository', { name: 'ceph-backups', address: 'mon1:/backups', type: 'cephfs', zoneid: cat.zoneid })).backuprepository as Obj;
    expect(ceph.type).toBe('ceph');
    const listed = await env.admin.ok('listBackupRepositories', { zoneid: cat.zoneid });
    expect({ count: listed.count, names: (listed.backuprepository as Obj[]).map((r) => r.name) }).toEqual({ count: 2, names: ['nfs-backups', 'ceph-backups'] });
    expect(((await env.admin.ok('listBackupRepositories', { keyword: 'ceph' })).backuprepository as Obj[]).map((r) => r.id)).toEqual([ceph.id]);
    expect((await env.admin.ok('updateBackupRepository', { id: ceph.id, name: 'ceph-nightly', mountopts: 'name=admin' })).backuprepository).toMatchObject({ id: ceph.id, name: 'ceph-nightly', mountopts: 'name=admin' });

    await refusal('updateBackupRepository', { id: ceph.id, address: '  ' }, 431, 'The address of the backup repository must not be empty');
    const policies = (await env.admin.ok('listBackupProviderOfferings', { zoneid: cat.zoneid })).backupoffering as Obj[];
    expect(policies.map((p) => ({ externalid: p.externalid, name: p.name, provider: p.provider }))).toEqual([
      { externalid: repo.id, name: 'nfs-backups', provider: 'nas' },
      { externalid: ceph.id, name: 'ceph-nightly', provider: 'nas' },
    ]);
    await refusal('importBackupOffering', { name: 'x', description: 'x', externalid: 'gold-policy', zoneid: cat.zoneid, allowuserdrivenbackups: true }, 530, `Backup offering 'gold-policy' does not exist on provider nas on zone ${cat.zoneid}`);
    const imported = await job('importBackupOffering', { name: 'NAS nightly', description: 'Nightly to the NFS share', externalid: repo.id, zoneid: cat.zoneid, allowuserdrivenbackups: true });
    const offering = (imported.jobresult as Obj).backupoffering as Obj;
    expect(offering).toMatchObject({ provider: 'nas', externalid: repo.id });

    // A repository an offering was imported from stays.
    await refusal('deleteBackupRepository', { id: repo.id }, 530, 'Backup repository nfs-backups is imported as backup offering NAS nightly: delete the offering first');
    // An offering with a VM in it stays too (its backups are the nas provider's: test/e2e/backup/nas.e2e.test.ts).
    const vm = ((await job('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, name: 'nas-backed' })).jobresult as Obj).virtualmachine as Obj;
    await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id });
    await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id });

    expect((await env.admin.ok('deleteBackupOffering', { id: offering.id })).success).toBe(true);
    expect((await env.admin.ok('deleteBackupRepository', { id: repo.id })).success).toBe(true);
    expect((await env.admin.ok('deleteBackupRepository', { id: ceph.id })).success).toBe(true);
    expect((await env.admin.ok('listBackupRepositories')).backuprepository).toBeUndefined();
    await expectExactListCounters();
  });
});
