import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, type CompatStack } from '../helpers';

/**
 * SSH key pairs and user data through the `cloudstack` CLI (Debian's cs), as an operator would use
 * them: create a pair and save its private key, register a laptop's key, deploy with both and user
 * data sent by --post, read the user data back, reset the keys of the stopped VM, delete a pair.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('the cs CLI (cloudstack) with SSH key pairs and user data', () => {
  let env: CompatStack;
  let ids: { zone: string; small: string; template: string };
  const cs = (...args: string[]) => cloudstack(env.stack.apiUrl, env.stack.credentials, args);
  const LAPTOP = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqHIX2QqRXQvYqwQhUZ1o9vB7mXo6jEx8Xr1nGfHkR4 ops@laptop';
  const USER_DATA = Buffer.from('#cloud-config\npackages: [nginx]\n').toString('base64');

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack();
    const offerings = (await env.admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[];
    const templates = (await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[];
    ids = { zone: env.stack.seed.zone.id, small: String(offerings[0].id), template: String(templates[0].id) };
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('creates and registers pairs, deploys with them and user data by POST, reads the user data, resets the keys and deletes a pair', async () => {
    const created = await cs('createSSHKeyPair', 'name=ops');
    expect(created.code).toBe(0);
    const pair = jsonOf<{ keypair: Obj }>(created).keypair;
    expect(pair).toMatchObject({ name: 'ops', privatekey: expect.stringMatching(/^-----BEGIN RSA PRIVATE KEY-----/) });
    expect(jsonOf<{ keypair: Obj }>(await cs('registerSSHKeyPair', 'name=laptop', `publickey=${LAPTOP}`)).keypair).toMatchObject({ name: 'laptop' });
    const taken = await cs('registerSSHKeyPair', 'name=laptop', `publickey=${LAPTOP}`);
    expect(taken.code).toBe(1);
    expect(taken.stderr + taken.stdout).toContain("A key pair with name 'laptop' already exists for this account.");
    const listed = jsonOf<{ count: number; sshkeypair: Obj[] }>(await cs('listSSHKeyPairs'));
    expect(listed.sshkeypair.map((k) => k.name)).toEqual(['laptop', 'ops']);

    const deployed = await cs('--post', 'deployVirtualMachine', `serviceofferingid=${ids.small}`, `templateid=${ids.template}`, `zoneid=${ids.zone}`, 'name=keyed', 'keypairs=ops,laptop', `userdata=${USER_DATA}`);
    expect(deployed.code).toBe(0);
    const vm = jsonOf<{ virtualmachine: Obj }>(deployed).virtualmachine;
    expect(vm).toMatchObject({ name: 'keyed', state: 'Running', keypairs: 'ops,laptop' });
    expect(jsonOf<{ virtualmachineuserdata: Obj }>(await cs('getVirtualMachineUserData', `virtualmachineid=${vm.id}`)).virtualmachineuserdata).toEqual({ virtualmachineid: vm.id, userdata: USER_DATA });

    const resetRunning = await cs('resetSSHKeyForVirtualMachine', `id=${vm.id}`, 'keypair=ops');
    expect(resetRunning.code).toBe(1);
    expect(resetRunning.stderr + resetRunning.stdout).toContain('should be stopped to do SSH Key reset');
    expect((await cs('stopVirtualMachine', `id=${vm.id}`)).code).toBe(0);
    const reset = await cs('resetSSHKeyForVirtualMachine', `id=${vm.id}`, 'keypair=ops');
    expect(reset.code).toBe(0);
    expect(jsonOf<{ virtualmachine: Obj }>(reset).virtualmachine).toMatchObject({ id: vm.id, keypairs: 'ops' });

    expect(jsonOf<Obj>(await cs('deleteSSHKeyPair', 'name=laptop'))).toEqual({ success: true });
    const gone = await cs('deleteSSHKeyPair', 'name=laptop');
    expect(gone.code).toBe(1);
    expect(gone.stderr + gone.stdout).toContain("A key pair with name 'laptop' does not exist for account admin in specified domain id");
    expect(jsonOf<{ sshkeypair: Obj[] }>(await cs('listSSHKeyPairs')).sshkeypair.map((k) => k.name)).toEqual(['ops']);
  });
});
