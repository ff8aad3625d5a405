import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * SSH key pairs, user data and what the guest reads of them, through signed HTTP against the local
 * stack: the key pair commands with CloudStack's answers, deploy with `keypair(s)` and `userdata`
 * (for the caller's account or, by an admin, for another), the config drive a simulated host gives
 * the guest at each start, resetSSHKeyForVirtualMachine and updateVirtualMachine userdata reaching
 * it at the next start, and the limits and refusals.
 */
describe('SSH keys, user data and the config drive', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let acme: Tenant;

  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  // A real ed25519 public key line (with a comment, which Stratus drops as CloudStack does).
  const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqHIX2QqRXQvYqwQhUZ1o9vB7mXo6jEx8Xr1nGfHkR4 laptop@example';
  const ED25519_KEY = ED25519.split(' ').slice(0, 2).join(' ');
  const md5Fingerprint = (line: string) => createHash('md5').update(Buffer.from(line.split(' ')[1], 'base64')).digest('hex').match(/../g)!.join(':');

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    cat = await catalogue(env.admin);
    acme = await createTenant(env, 'keys-acme');
  });
  afterAll(() => env.stop());

  const small = () => cat.offerings.find((o) => o.name === 'Small Instance')!;
  const deploy = async (client: typeof env.admin, params: Record<string, string | number | boolean>, method: 'GET' | 'POST' = 'GET'): Promise<{ reply: { status: number; data: unknown }; job?: Obj; vm: Obj }> => {
    const reply = await client.call('deployVirtualMachine', { serviceofferingid: small().id, templateid: cat.templateid, zoneid: cat.zoneid, ...params }, { method });
    if (reply.status !== 200) return { reply, vm: {} };
    const job = await client.waitForJob((reply.data as Obj).jobid as string);
    return { reply, job, vm: (job.jobresult as Obj)?.virtualmachine as Obj };
  };
  const hostDriver = (hostId: string) => env.stack.hosts.find((h) => h.hostId === hostId)!.driver;
  const instanceName = async (id: string) => (((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0].instancename as string);

  it('creates a pair whose private key matches its public key and fingerprint, and returns the private key only then', async () => {
    const made = (await acme.user.client.ok('createSSHKeyPair', { name: 'deploy-key' })).keypair as Obj;
    expect(made).toMatchObject({ name: 'deploy-key', account: acme.user.accountName, domainid: acme.domain.id, domain: 'keys-acme' });
    expect(made.privatekey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    // The private key is the pair of the public key listed (ssh would accept it).
    const derived = createPublicKey(createPrivateKey(made.privatekey)).export({ format: 'jwk' });
    const listed = ((await acme.user.client.ok('listSSHKeyPairs', { name: 'DEPLOY-KEY' })).sshkeypair as Obj[])[0];
    expect(listed).toMatchObject({ id: made.id, name: 'deploy-key', fingerprint: made.fingerprint });
    expect(listed.privatekey).toBeUndefined();
    expect(listed.publickey).toMatch(/^ssh-rsa /);
    expect(md5Fingerprint(listed.publickey)).toBe(made.fingerprint);
    const blob = Buffer.from(listed.publickey.split(' ')[1], 'base64');
    expect(blob.toString('latin1')).toContain(Buffer.from(derived.n!, 'base64url').toString('latin1'));
  });

  it('registers a public key, refuses taken names and keys and bad keys with CloudStack texts, and lists by fingerprint and keyword', async () => {
    const reg = (await acme.user.client.ok('registerSSHKeyPair', { name: 'laptop', publickey: ED25519 })).keypair as Obj;
    expect(reg).toMatchObject({ name: 'laptop', fingerprint: md5Fingerprint(ED25519_KEY), publickey: ED25519_KEY });
    expect(reg.privatekey).toBeUndefined();

    const again = await acme.user.client.call('registerSSHKeyPair', { name: 'Laptop', publickey: ED25519_KEY });
    expect(again.data).toMatchObject({ errorcode: 431, errortext: "A key pair with name 'Laptop' already exists for this account." });
    const sameKey = await acme.user.client.call('registerSSHKeyPair', { name: 'laptop-2', publickey: b64(ED25519) });
    expect(sameKey.data).toMatchObject({ errorcode: 431, errortext: `A key pair with key '${ED25519_KEY}' already exists for this account.` });
    const dup = await acme.user.client.call('createSSHKeyPair', { name: 'deploy-key' });
    expect(dup.data).toMatchObject({ errorcode: 431, errortext: "A key pair with name 'deploy-key' already exists." });
    for (const bad of ['ssh-rsa', 'not a key', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGqH', 'ssh-foo AAAA']) {
      const reply = await acme.user.client.call('registerSSHKeyPair', { name: 'bad', publickey: bad });
      expect(reply.data).toMatchObject({ errorcode: 431, errortext: 'Public key is invalid' });
    }
    // Another account may hold the same key under the same name.
    expect((await acme.domainAdmin.client.ok('registerSSHKeyPair', { name: 'laptop', publickey: ED25519 })).keypair).toMatchObject({ name: 'laptop', account: acme.domainAdmin.accountName });

    const byPrint = (await acme.user.client.ok('listSSHKeyPairs', { fingerprint: reg.fingerprint.toUpperCase() })) as Obj;
    expect(byPrint).toMatchObject({ count: 1, sshkeypair: [{ name: 'laptop' }] });
    const mine = (await acme.user.client.ok('listSSHKeyPairs', {})) as Obj;
    expect(mine.count).toBe(2);
    expect((mine.sshkeypair as Obj[]).map((k) => k.name)).toEqual(['laptop', 'deploy-key']); // newest first, as CloudStack
    expect((await acme.user.client.ok('listSSHKeyPairs', { keyword: 'LAP' })).sshkeypair).toHaveLength(1);
    // The domain admin sees its domain's pairs with listall; the user only its own.
    expect(((await acme.domainAdmin.client.ok('listSSHKeyPairs', { listall: true })) as Obj).count).toBe(3);
  });

  it('deploys with keypairs and user data: the guest reads its keys, user data and metadata from its config drive', async () => {
    const cloudConfig = '#cloud-config\nruncmd:\n - echo hello > /tmp/hello\n';
    const { job, vm } = await deploy(acme.user.client, { name: 'web-keys', keypairs: 'deploy-key,laptop', userdata: b64(cloudConfig) }, 'POST');
    expect(job).toMatchObject({ jobstatus: 1 });
    expect(vm).toMatchObject({ name: 'web-keys', state: 'Running', keypairs: 'deploy-key,laptop' });
    expect(vm.userdata).toBeUndefined(); // never in the VM object (R-UD.3)
    expect((await acme.user.client.ok('getVirtualMachineUserData', { virtualmachineid: vm.id })).virtualmachineuserdata).toEqual({ virtualmachineid: vm.id, userdata: b64(cloudConfig) });

    const listedVm = ((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0];
    const driver = hostDriver(listedVm.hostid);
    const name = listedVm.instancename as string;
    const keys = ((await acme.user.client.ok('listSSHKeyPairs', {})).sshkeypair as Obj[]).map((k) => k.publickey);
    // The CloudStack metadata paths and the OpenStack layout cloud-init's ConfigDrive datasource reads.
    expect(driver.guestRead(name, 'latest/user-data')).toBe(cloudConfig);
    expect(driver.guestRead(name, 'openstack/latest/user_data')).toBe(cloudConfig);
    expect(driver.guestRead(name, 'latest/meta-data/public-keys')!.split('\n').sort()).toEqual([...keys].sort());
    expect(driver.guestRead(name, 'latest/meta-data/instance-id')).toBe(name);
    expect(driver.guestRead(name, 'latest/instance-id')).toBe(name); // the legacy path
    expect(driver.guestRead(name, 'latest/meta-data/vm-id')).toBe(vm.id);
    expect(driver.guestRead(name, 'latest/meta-data/local-hostname')).toBe('web-keys');
    expect(driver.guestRead(name, 'latest/meta-data/local-ipv4')).toBe(vm.nic[0].ipaddress);
    expect(driver.guestRead(name, 'latest/meta-data/availability-zone')).toBe(vm.zonename);
    expect(driver.guestRead(name, 'latest/meta-data/service-offering')).toBe((small() as Obj).displaytext);
    const meta = JSON.parse(driver.guestRead(name, 'openstack/latest/meta_data.json')!);
    expect(meta).toMatchObject({ uuid: vm.id, hostname: 'web-keys', availability_zone: vm.zonename });
    expect(Object.keys(meta.public_keys).sort()).toEqual(['deploy-key', 'laptop']);
  });

  it('refuses unknown key pairs, bad and oversized user data with CloudStack texts, and parameters Stratus does not act on', async () => {
    expect((await deploy(acme.user.client, { keypair: 'nope' })).reply.data).toMatchObject({ errorcode: 431, errortext: 'Not all specified keypairs exist' });
    expect((await deploy(acme.user.client, { userdata: 'not base64!' })).reply.data).toMatchObject({ errorcode: 431, errortext: 'User data is not base64 encoded' });
    const big = b64('x'.repeat(2000)); // 2668 base64 characters: over a GET's 2 KB, within a POST's 32 KB
    expect((await deploy(acme.user.client, { userdata: big, startvm: false })).reply.data).toMatchObject({ errorcode: 431, errortext: 'User data is too long for an http GET request' });
    expect((await deploy(acme.user.client, { userdata: b64('y'.repeat(25_000)) }, 'POST')).reply.data).toMatchObject({ errorcode: 431, errortext: 'User data is too long for an http POST request' });
    const viaPost = await deploy(acme.user.client, { userdata: big, startvm: false, name: 'big-ud' }, 'POST');
    expect(viaPost.job).toMatchObject({ jobstatus: 1 });
    expect((await acme.user.client.ok('getVirtualMachineUserData', { virtualmachineid: viaPost.vm.id })).virtualmachineuserdata).toMatchObject({ userdata: big });
    for (const [param, value] of [['securitygroupids', 'a,b'], ['ipaddress', '10.1.1.99'], ['boottype', 'UEFI'], ['userdataid', '1f3e1f3e-0000-4000-8000-000000000000'], ['projectid', '1f3e1f3e-0000-4000-8000-000000000000']]) {
      const reply = (await deploy(acme.user.client, { [param]: value })).reply;
      expect(reply.status).toBe(431);
      expect((reply.data as Obj).errortext).toContain(param);
    }
    // A key pair of another account is not the caller's to use.
    expect((await deploy(acme.domainAdmin.client, { keypair: 'deploy-key' })).reply.data).toMatchObject({ errorcode: 431, errortext: 'Not all specified keypairs exist' });
  });

  it('resets the keys of a stopped VM and changes its user data: both reach the guest at its next start', async () => {
    const { vm } = await deploy(acme.user.client, { name: 'reset-me', keypair: 'laptop', userdata: b64('first') });
    const running = await acme.user.client.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'deploy-key' });
    expect(running.status).toBe(431);
    expect((running.data as Obj).errortext).toMatch(/^Vm VM\[User\|i-\S+\] should be stopped to do SSH Key reset$/);
    expect(running.data).toHaveProperty('errorcode', 431);

    await acme.user.client.waitForJob((await acme.user.client.ok('stopVirtualMachine', { id: vm.id })).jobid as string);
    // A user data change while it is stopped, by POST.
    const updated = await acme.user.client.call('updateVirtualMachine', { id: vm.id, userdata: b64('second') }, { method: 'POST' });
    expect(updated.status).toBe(200);
    expect(((await acme.user.client.call('resetSSHKeyForVirtualMachine', { id: vm.id })).data as Obj).errortext).toBe("'keypair' or 'keyparis' must be specified");
    expect(((await acme.user.client.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypairs: 'deploy-key,gone' })).data as Obj).errortext).toBe('Not all specified keyparis exist');
    const reset = await acme.user.client.call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair: 'deploy-key' });
    expect(Object.keys(reset.data as Obj)).toEqual(['id', 'jobid']);
    const job = await acme.user.client.waitForJob((reset.data as Obj).jobid as string);
    expect(job).toMatchObject({ jobstatus: 1, cmd: 'org.apache.cloudstack.api.command.user.vm.ResetVMSSHKeyCmd', jobresult: { virtualmachine: { id: vm.id, keypairs: 'deploy-key', state: 'Stopped' } } });
    // The guest still has what it booted with until it starts again.
    const name = await instanceName(vm.id);
    const hostBefore = env.stack.hosts.find((h) => h.driver.domain(name))!.driver;
    expect(hostBefore.guestRead(name, 'latest/user-data')).toBe('first');

    await acme.user.client.waitForJob((await acme.user.client.ok('startVirtualMachine', { id: vm.id })).jobid as string);
    const hostId = (((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0].hostid) as string;
    const driver = hostDriver(hostId);
    expect(driver.guestRead(name, 'latest/user-data')).toBe('second');
    const deployKey = ((await acme.user.client.ok('listSSHKeyPairs', { name: 'deploy-key' })).sshkeypair as Obj[])[0].publickey;
    expect(driver.guestRead(name, 'latest/meta-data/public-keys')).toBe(deployKey);
    const events = (await acme.user.client.ok('listEvents', { type: 'VM.RESETSSHKEY' })).event as Obj[];
    expect(events.some((e) => String(e.description).startsWith('Reset the SSH keys of VM reset-me to deploy-key'))).toBe(true);
  });

  it('deletes a pair by name; a VM given it keeps the key; a second delete gets CloudStack text', async () => {
    await acme.user.client.ok('createSSHKeyPair', { name: 'short-lived' });
    const { vm } = await deploy(acme.user.client, { name: 'keeps-key', keypair: 'short-lived', startvm: false });
    expect((await acme.user.client.ok('deleteSSHKeyPair', { name: 'SHORT-LIVED' })).success).toBe(true);
    const second = await acme.user.client.call('deleteSSHKeyPair', { name: 'short-lived' });
    expect(second.data).toMatchObject({ errorcode: 431, errortext: `A key pair with name 'short-lived' does not exist for account ${acme.user.accountName} in specified domain id` });
    expect((await acme.user.client.ok('listSSHKeyPairs', { name: 'short-lived' })).count ?? 0).toBe(0);
    await acme.user.client.waitForJob((await acme.user.client.ok('startVirtualMachine', { id: vm.id })).jobid as string);
    const name = await instanceName(vm.id);
    const driver = env.stack.hosts.find((h) => h.driver.domain(name))!.driver;
    expect(driver.guestRead(name, 'latest/meta-data/public-keys')).toMatch(/^ssh-rsa /);
    // The name is free again.
    expect((await acme.user.client.ok('createSSHKeyPair', { name: 'short-lived' })).keypair).toMatchObject({ name: 'short-lived' });
  });

  it('lets an admin create a key pair and deploy for another account with account + domainid; users may not', async () => {
    const pair = (await env.admin.ok('createSSHKeyPair', { name: 'ops-key', account: acme.user.accountName, domainid: acme.domain.id })).keypair as Obj;
    expect(pair).toMatchObject({ account: acme.user.accountName, domainid: acme.domain.id });
    const { job, vm } = await deploy(env.admin, { name: 'for-acme', keypair: 'ops-key', account: acme.user.accountName, domainid: acme.domain.id, startvm: false });
    expect(job).toMatchObject({ jobstatus: 1 });
    expect(vm).toMatchObject({ account: acme.user.accountName, domainid: acme.domain.id, keypairs: 'ops-key' });
    // The account sees it as its own, with its volumes.
    expect(((await acme.user.client.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0]).toMatchObject({ id: vm.id });
    expect(((await acme.user.client.ok('listVolumes', { virtualmachineid: vm.id })).volume as Obj[])[0]).toMatchObject({ account: acme.user.accountName });
    // The domain admin acts for its domain's accounts too.
    expect((await acme.domainAdmin.client.ok('createSSHKeyPair', { name: 'from-admin', account: acme.user.accountName, domainid: acme.domain.id })).keypair).toMatchObject({ account: acme.user.accountName });

    const asUser = await acme.user.client.call('createSSHKeyPair', { name: 'x', account: acme.domainAdmin.accountName, domainid: acme.domain.id });
    expect(asUser.data).toMatchObject({ errorcode: 531, errortext: `Can't create/list resources for account ${acme.domainAdmin.accountName} in domain ${acme.domain.id}, permission denied` });
    expect((await env.admin.call('createSSHKeyPair', { name: 'x', account: acme.user.accountName })).data).toMatchObject({ errorcode: 431, errortext: 'AccountName and domainId must be specified together' });
    expect((await env.admin.call('createSSHKeyPair', { name: 'x', account: 'nobody', domainid: acme.domain.id })).data).toMatchObject({ errorcode: 431, errortext: `Unable to find account nobody in domain ${acme.domain.id}` });
    const other = await createTenant(env, 'keys-other');
    const outside = await acme.domainAdmin.client.call('deployVirtualMachine', { serviceofferingid: small().id, templateid: cat.templateid, zoneid: cat.zoneid, account: other.user.accountName, domainid: other.domain.id });
    expect(outside.data).toMatchObject({ errorcode: 431, errortext: `Unable to find the domain by id=${other.domain.id}` });
  });
  it('lists VMs by the filters CloudStack applies: keypair, networkid, ids, affinitygroupid, userid, haenable, clusterid, podid; refuses the ones Stratus lacks', async () => {
    const names = async (params: Record<string, string | boolean>, client = acme.user.client) => (((await client.ok('listVirtualMachines', params)).virtualmachine as Obj[] | undefined) ?? []).map((v) => v.name as string).sort();
    const all = ((await acme.user.client.ok('listVirtualMachines', {})).virtualmachine as Obj[]).filter((v) => v.account === acme.user.accountName);
    const byName = new Map(all.map((v) => [v.name as string, v]));
    expect(await names({ keypair: 'laptop' })).toEqual(['web-keys']);
    expect(await names({ keypair: 'deploy-key' })).toEqual(['reset-me', 'web-keys']);
    expect(await names({ ids: `${byName.get('web-keys')!.id},${byName.get('reset-me')!.id}` })).toEqual(['reset-me', 'web-keys']);
    expect(await names({ networkid: byName.get('web-keys')!.nic[0].networkid })).toEqual([...byName.keys()].sort());
    expect(await names({ networkid: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
    expect(await names({ userid: acme.user.userId })).toEqual([...byName.keys()].filter((n) => byName.get(n)!.userid === acme.user.userId).sort());
    expect(await names({ haenable: true })).toEqual([]);
    expect(await names({ hypervisor: 'XenServer' })).toEqual([]);
    expect(await names({ displayvm: false })).toEqual([]);
    const group = (await acme.user.client.waitForJob((await acme.user.client.ok('createAffinityGroup', { name: 'spread', type: 'host anti-affinity' })).jobid as string)).jobresult as Obj;
    const grouped = await deploy(acme.user.client, { name: 'in-group', affinitygroupids: group.affinitygroup.id, startvm: false });
    expect(await names({ affinitygroupid: group.affinitygroup.id })).toEqual(['in-group']);
    // A root admin lists a cluster's and a pod's VMs (those placed on their hosts).
    const running = byName.get('web-keys')!;
    const host = ((await env.admin.ok('listHosts', { id: ((await env.admin.ok('listVirtualMachines', { id: running.id })).virtualmachine as Obj[])[0].hostid })).host as Obj[])[0];
    expect(await names({ clusterid: host.clusterid, listall: true }, env.admin)).toContain('web-keys');
    expect(await names({ podid: host.podid, listall: true }, env.admin)).toContain('web-keys');
    expect(await names({ clusterid: host.clusterid, listall: true }, env.admin)).not.toContain(grouped.vm.name); // stopped: on no host
    for (const [param, value] of [['groupid', 'x'], ['vpcid', 'x'], ['securitygroupid', 'x']]) {
      const reply = await acme.user.client.call('listVirtualMachines', { [param]: value });
      expect(reply.status).toBe(431);
      expect((reply.data as Obj).errortext).toContain(`Parameter ${param} is not supported`);
    }
  });
});
