import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../../../functions/store/client';
import { accountCountsKey, domainCountsKey } from '../../../functions/store/keys';
import { catalogue, startTestStack } from '../../support/stack';
import { createAccountWithKeys, createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Resource limits and counts through signed HTTP against the local stack: the limits in force as
 * listResourceLimits shows them (defaults, an account's own, a domain's inherited), deploys held to
 * them in the transaction that takes the VM, racing deploys that cannot pass a limit together,
 * destroy and recover giving back and taking again, a running VM's scale refused before its host is
 * asked, volumes held to volume and primary storage limits, a domain's limit over all its accounts,
 * updateResourceCount agreeing with what is there, and CloudStack's refusals and texts.
 */
describe('Resource limits and counts', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let acme: Tenant;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 2, settingsCacheMs: 0 });
    cat = await catalogue(env.admin);
    acme = await createTenant(env, 'limits-acme');
  }, 120_000);
  afterAll(() => env.stop());

  const offering = (name: string) => cat.offerings.find((o) => o.name === name)!;
  const limitsOf = async (client: typeof env.admin, params: Record<string, string | number> = {}) =>
    Object.fromEntries((((await client.ok('listResourceLimits', params)).resourcelimit as Obj[]) ?? []).map((l) => [l.resourcetypename, l]));
  const setLimit = (params: Record<string, string | number>) => env.admin.ok('updateResourceLimit', params);
  const deploy = async (client: typeof env.admin, o = 'Small Instance', extra: Record<string, string | number> = {}) => {
    const reply = await client.call('deployVirtualMachine', { serviceofferingid: offering(o).id, templateid: cat.templateid, zoneid: cat.zoneid, ...extra });
    if (reply.status !== 200) return { status: reply.status, error: reply.data as Obj };
    const job = await client.waitForJob((reply.data as Obj).jobid as string);
    return { status: job.jobstatus === 1 ? 200 : (job.jobresult as Obj).errorcode, vm: (job.jobresult as Obj).virtualmachine as Obj, error: job.jobresult as Obj };
  };
  const counts = async (params: Record<string, string>) => Object.fromEntries(((await env.admin.ok('updateResourceCount', params)).resourcecount as Obj[]).map((c) => [c.resourcetypename, c.resourcecount]));

  it('lists the limits in force: the defaults for an account, unlimited for the root admin, storage in GiB', async () => {
    const mine = await limitsOf(acme.user.client);
    expect(Object.keys(mine).sort()).toEqual(['backup', 'backup_storage', 'cpu', 'memory', 'primary_storage', 'user_vm', 'volume']);
    expect(mine.user_vm).toMatchObject({ account: acme.user.accountName, domainid: acme.domain.id, domain: 'limits-acme', resourcetype: '0', max: 20 });
    expect(mine.cpu.max).toBe(40);
    expect(mine.memory.max).toBe(40960);
    expect(mine.primary_storage).toMatchObject({ resourcetype: '10', max: 200 });
    const root = await limitsOf(env.admin);
    expect(Object.values(root).every((l) => (l as Obj).max === -1)).toBe(true);
    // A domain's: the max.domain.* defaults.
    const domain = await limitsOf(env.admin, { domainid: acme.domain.id });
    expect(domain.user_vm).toMatchObject({ domainid: acme.domain.id, max: 40 });
    expect(domain.user_vm.account).toBeUndefined();
    // The account and domain objects carry them too, as CloudStack's do.
    const account = ((await env.admin.ok('listAccounts', { id: acme.user.accountId })).account as Obj[])[0];
    expect(account).toMatchObject({ vmlimit: '20', vmtotal: 0, vmavailable: '20', cpulimit: '40', memorylimit: '40960', primarystoragelimit: '200', primarystoragetotal: 0, volumelimit: '20' });
    const adminAccount = ((await env.admin.ok('listAccounts', { name: 'admin' })).account as Obj[])[0];
    expect(adminAccount).toMatchObject({ vmlimit: 'Unlimited', vmavailable: 'Unlimited' });
    expect(((await env.admin.ok('listDomains', { id: acme.domain.id })).domain as Obj[])[0]).toMatchObject({ vmlimit: '40', vmtotal: 0, vmavailable: '40', memorylimit: '81920' });
    // One type, by number or by name.
    expect(((await acme.user.client.ok('listResourceLimits', { resourcetype: 9 })).resourcelimit as Obj[]).map((l) => l.resourcetypename)).toEqual(['memory']);
    expect(((await acme.user.client.ok('listResourceLimits', { resourcetypename: 'volume' })).resourcelimit as Obj[]).map((l) => l.resourcetype)).toEqual(['2']);
  });

  it('refuses what CloudStack refuses, with its texts, and types Stratus does not count by name', async () => {
    const refusal = async (params: Record<string, string | number>, as = env.admin) => {
      const r = await as.call('updateResourceLimit', params);
      return { status: r.status, text: (r.data as Obj).errortext as string };
    };
    const rootDomain = ((await env.admin.ok('listDomains', { level: 0 })).domain as Obj[])[0];
    expect(await refusal({ domainid: rootDomain.id, resourcetype: 0, max: 5 })).toEqual({ status: 531, text: `Cannot update resource limit for ROOT domain ${rootDomain.id}, permission denied` });
    expect(await refusal({ domainid: acme.domain.id, account: acme.user.accountName, resourcetype: 0, max: -2 })).toEqual({ status: 431, text: "Please specify either '-1' for an infinite limit, or a limit that is at least '0'." });
    expect(await refusal({ domainid: acme.domain.id, resourcetype: 77, max: 1 })).toEqual({ status: 431, text: 'Please specify valid resource type' });
    expect((await refusal({ domainid: acme.domain.id, resourcetype: 4, max: 1 })).text).toMatch(/^Resource type 4 \(template\) is not counted by Stratus/);
    expect(await refusal({ resourcetype: 0, max: 1 })).toEqual({ status: 431, text: 'AccountId or domainId have to be specified in order to update resource limit' });
    expect((await refusal({ domainid: acme.domain.id, account: 'admin', resourcetype: 0, max: 1 })).status).toBe(431);
    // A domain admin may not raise its own domain's or account's limits, nor may a user call it.
    expect(await refusal({ domainid: acme.domain.id, resourcetype: 0, max: 100 }, acme.domainAdmin.client)).toEqual({ status: 531, text: `Unable to update resource limit for domain ${acme.domain.id}, permission denied` });
    expect((await acme.user.client.call('updateResourceLimit', { domainid: acme.domain.id, resourcetype: 0, max: 100 })).status).toBe(401);
    const tagged = await env.admin.call('listResourceLimits', { tag: 'ssd' });
    expect(tagged.status).toBe(431);
    expect((tagged.data as Obj).errortext).toMatch(/Parameter tag is not supported/);
  });

  it('holds deploys to an account limit, also when they race, and gives back on destroy and takes again on recover', async () => {
    const racer = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'limits-racer', accounttype: 0 });
    const set = (await setLimit({ domainid: acme.domain.id, account: racer.accountName, resourcetype: 0, max: 3 })).resourcelimit as Obj;
    expect(set).toMatchObject({ account: racer.accountName, resourcetype: '0', resourcetypename: 'user_vm', max: 3 });
    expect((await limitsOf(racer.client)).user_vm.max).toBe(3);

    // Six deploys at once: exactly three get a VM; the rest are refused with CloudStack's text.
    const results = await Promise.all(Array.from({ length: 6 }, () => deploy(racer.client)));
    const made = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(made).toHaveLength(3);
    for (const r of refused) {
      expect(r.status).toBe(535);
      expect(r.error!.errortext).toMatch(
        new RegExp(`^Maximum amount of resources of Type = 'user_vm', tag = 'null' for Account Name = ${racer.accountName} in Domain Id = ${acme.domain.id} is exceeded: Account Resource Limit = 3, Current Account Resource Amount = 3, Current Account Resource Reservation = 0, Requested Resource Amount = 1\\.$`),
      );
    }
    expect(((await racer.client.ok('listVirtualMachines')).virtualmachine as Obj[]).filter((v) => v.state !== 'Error')).toHaveLength(3);
    const small = offering('Small Instance');
    expect(await counts({ domainid: acme.domain.id, account: racer.accountName })).toMatchObject({ user_vm: 3, cpu: 3 * small.cpunumber, memory: 3 * small.memory, volume: 3 });

    // A destroyed VM gives its place back; recovering it while the place is taken is refused.
    const victim = made[0]!.vm!;
    await racer.client.waitForJob(((await racer.client.ok('destroyVirtualMachine', { id: victim.id })) as Obj).jobid);
    const again = await deploy(racer.client);
    expect(again.status).toBe(200);
    const recover = await env.admin.call('recoverVirtualMachine', { id: victim.id });
    expect(recover.status).toBe(535);
    expect((recover.data as Obj).errortext).toMatch(/^Maximum amount of resources of Type = 'user_vm'/);
    await setLimit({ domainid: acme.domain.id, account: racer.accountName, resourcetype: 0, max: 4 });
    expect((await env.admin.call('recoverVirtualMachine', { id: victim.id })).status).toBe(200);
    expect((await counts({ domainid: acme.domain.id, account: racer.accountName })).user_vm).toBe(4);
    expect(((await racer.client.ok('listAccounts')).account as Obj[])[0]).toMatchObject({ vmlimit: '4', vmtotal: 4, vmavailable: '0' });
  }, 300_000);

  it('refuses a running VM\'s scale past the memory limit before its host is asked, and a stopped one\'s change of offering', async () => {
    const scaler = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'limits-scaler', accounttype: 0 });
    const small = offering('Small Instance');
    const medium = offering('Medium Instance');
    await setLimit({ domainid: acme.domain.id, account: scaler.accountName, resourcetype: 9, max: small.memory + Math.floor((medium.memory - small.memory) / 2) });
    await env.admin.ok('updateConfiguration', { name: 'enable.dynamic.scale.vm', value: 'true' });
    const vm = (await deploy(scaler.client)).vm!;
    const scale = await scaler.client.call('scaleVirtualMachine', { id: vm.id, serviceofferingid: medium.id });
    expect(scale.status).toBe(535);
    expect((scale.data as Obj).errortext).toMatch(/^Maximum amount of resources of Type = 'memory'/);
    const listed = ((await scaler.client.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0];
    expect(listed).toMatchObject({ state: 'Running', serviceofferingid: small.id, memory: small.memory });
    await scaler.client.waitForJob(((await scaler.client.ok('stopVirtualMachine', { id: vm.id })) as Obj).jobid);
    const change = await scaler.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: medium.id });
    expect(change.status).toBe(535);
    // Raised, the same change goes through and is counted.
    await setLimit({ domainid: acme.domain.id, account: scaler.accountName, resourcetype: 9, max: -1 });
    expect((await scaler.client.call('changeServiceForVirtualMachine', { id: vm.id, serviceofferingid: medium.id })).status).toBe(200);
    expect((await counts({ domainid: acme.domain.id, account: scaler.accountName })).memory).toBe(medium.memory);
  }, 300_000);

  it('holds volumes to the volume and primary storage limits, in GiB as given', async () => {
    const disks = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'limits-disks', accounttype: 0 });
    const custom = (await env.admin.ok('createDiskOffering', { name: 'limits-disk', customized: true })).diskoffering as Obj;
    await setLimit({ domainid: acme.domain.id, account: disks.accountName, resourcetype: 10, max: 15 });
    const create = (size: number, name: string) => disks.client.call('createVolume', { name, zoneid: cat.zoneid, diskofferingid: custom.id, size });
    expect((await create(10, 'ten')).status).toBe(200);
    const over = await create(10, 'ten-more');
    expect(over.status).toBe(535);
    expect((over.data as Obj).errortext).toMatch(/^Maximum amount of resources of Type = 'primary_storage', tag = 'null' for Account Name = limits-disks in Domain Id = .* is exceeded: Account Resource Limit = 15\.00 GB, Current Account Resource Amount = 10\.00 GB, Current Account Resource Reservation = 0 bytes, Requested Resource Amount = 10\.00 GB\.$/);
    expect((await limitsOf(disks.client)).primary_storage.max).toBe(15);
    expect(await counts({ domainid: acme.domain.id, account: disks.accountName })).toMatchObject({ volume: 1, primary_storage: 10 * 1024 ** 3 });
    await setLimit({ domainid: acme.domain.id, account: disks.accountName, resourcetype: 2, max: 1 });
    const second = await create(1, 'one');
    expect(second.status).toBe(535);
    expect((second.data as Obj).errortext).toMatch(/^Maximum amount of resources of Type = 'volume'/);
  });

  it('holds backups to the backup limit when they are asked, and counts what they hold', async () => {
    const keeper = await createAccountWithKeys(env, { domainId: acme.domain.id, name: 'limits-backups', accounttype: 0 });
    await env.admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    const policy = ((await env.admin.ok('listBackupProviderOfferings', { zoneid: cat.zoneid })).backupoffering as Obj[])[0];
    const imported = await env.admin.ok('importBackupOffering', { name: 'limits', description: 'limits', externalid: policy.externalid, zoneid: cat.zoneid, allowuserdrivenbackups: true });
    const offering = (imported.jobid ? ((await env.admin.waitForJob(imported.jobid as string)).jobresult as Obj) : imported).backupoffering as Obj;
    const vm = (await deploy(keeper.client)).vm!;
    await keeper.client.ok('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: offering.id });
    await setLimit({ domainid: acme.domain.id, account: keeper.accountName, resourcetype: 12, max: 1 });
    const first = await keeper.client.waitForJob(((await keeper.client.ok('createBackup', { virtualmachineid: vm.id })) as Obj).jobid);
    expect(first.jobstatus).toBe(1);
    const second = await keeper.client.call('createBackup', { virtualmachineid: vm.id });
    expect(second.status).toBe(535);
    expect((second.data as Obj).errortext).toMatch(/^Maximum amount of resources of Type = 'backup', tag = 'null' for Account Name = limits-backups .* Account Resource Limit = 1, Current Account Resource Amount = 1,/);
    const held = await counts({ domainid: acme.domain.id, account: keeper.accountName });
    const backup = ((await keeper.client.ok('listBackups', { virtualmachineid: vm.id })).backup as Obj[])[0];
    expect(held).toMatchObject({ backup: 1, backup_storage: Math.min(backup.size, backup.virtualsize) });
  }, 300_000);

  it("holds a domain's accounts together to its limit, inherited by its subdomains, and sums their counts", async () => {
    const parent = await createTenant(env, 'limits-parent');
    const child = await createTenant(env, 'limits-child', { parentId: parent.domain.id });
    await setLimit({ domainid: parent.domain.id, resourcetype: 0, max: 2 });
    // A subdomain without its own limit inherits its parent's; it may not be given more, but may be given -1 (CloudStack's check).
    expect((await setLimit({ domainid: child.domain.id, resourcetype: 8, max: -1 })).resourcelimit).toMatchObject({ max: -1 });
    expect((await limitsOf(env.admin, { domainid: child.domain.id })).user_vm.max).toBe(2);
    const tooMuch = await env.admin.call('updateResourceLimit', { domainid: child.domain.id, resourcetype: 0, max: 3 });
    expect(tooMuch.status).toBe(431);
    expect((tooMuch.data as Obj).errortext).toBe(`Domain limits-child(id: ${parent.domain.id}) has maximum allowed resource limit 2 for user_vm, please specify a value less than or equal to 2`);
    expect((await deploy(parent.user.client)).status).toBe(200);
    expect((await deploy(child.user.client)).status).toBe(200);
    const third = await deploy(child.domainAdmin.client);
    expect(third.status).toBe(535);
    expect(third.error!.errortext).toBe(
      `Maximum domain resource limits of Type 'user_vm' for Domain Id = ${parent.domain.id} is exceeded: Domain Resource Limit = 2, Current Domain Resource Amount = 2, Current Resource Reservation = 0, Requested Resource Amount = 1.`,
    );
    expect((await counts({ domainid: parent.domain.id })).user_vm).toBe(2);
    expect((await counts({ domainid: child.domain.id })).user_vm).toBe(1);
    // A table from before limits were kept has no counts: a recount of the domain makes them, its accounts' and its subdomains'.
    const zero = (Key: { pk: string; sk: string }) => documentClient().send(new UpdateCommand({ TableName: tableName(), Key, UpdateExpression: 'SET c_user_vm = :zero', ExpressionAttributeValues: { ':zero': 0 } }));
    await Promise.all([accountCountsKey(parent.user.accountId), accountCountsKey(child.user.accountId), domainCountsKey(child.domain.path), domainCountsKey(parent.domain.path)].map(zero));
    expect(((await env.admin.ok('listDomains', { id: parent.domain.id })).domain as Obj[])[0]).toMatchObject({ vmtotal: 0 });
    expect((await counts({ domainid: parent.domain.id })).user_vm).toBe(2);
    expect(((await env.admin.ok('listDomains', { id: child.domain.id })).domain as Obj[])[0]).toMatchObject({ vmtotal: 1 });
    expect(((await env.admin.ok('listAccounts', { id: parent.user.accountId })).account as Obj[])[0]).toMatchObject({ vmtotal: 1 });
    // A root admin deploying for the account is held to the owner's limits, as CloudStack checks the owner's.
    expect((await deploy(env.admin, 'Small Instance', { account: parent.user.accountName, domainid: parent.domain.id })).status).toBe(535);
  }, 300_000);
});
