import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, run, startCompatStack, startRecordingProxy, type CompatStack, type RecordingProxy } from '../helpers';

/**
 * Terraform's cloudstack_instance create/read/update/delete, replayed by instance_test.go with the
 * Go CloudStack SDK Debian packages (golang-github-xanzy-go-cloudstack-dev), run with `go test` in
 * GOPATH mode against the local stack through a recording proxy: the Go side checks every answer
 * with the SDK's strict types, this side the calls as the SDK sent them.
 */
const GO = '/usr/bin/go';
const SDK = '/usr/share/gocode/src/github.com/xanzy/go-cloudstack/cloudstack';

describe("Terraform's cloudstack_instance life cycle through the Go SDK", () => {
  let env: CompatStack;
  let proxy: RecordingProxy;
  let goCache: string;

  beforeAll(async () => {
    requireTool(GO, 'golang-go');
    requireTool(SDK, 'golang-github-xanzy-go-cloudstack-dev');
    env = await startCompatStack();
    proxy = await startRecordingProxy(env.stack.endpoint);
    goCache = mkdtempSync(join(tmpdir(), 'stratus-gocache-'));
  }, 120_000);

  /** One Go test of the package, run against the stack through the proxy (GOPATH mode, nothing fetched). */
  const goTest = async (name: string, extra: Record<string, string> = {}) =>
    run(
      GO,
      ['test', '-count=1', '-v', '-run', `^${name}$`, '.'],
      {
        GO111MODULE: 'off', // the SDK comes from Debian's GOPATH tree; nothing is fetched
        GOPATH: '/usr/share/gocode',
        GOCACHE: goCache,
        GOFLAGS: '',
        STRATUS_API_URL: proxy.apiUrl,
        STRATUS_API_KEY: env.stack.credentials.apiKey,
        STRATUS_SECRET_KEY: env.stack.credentials.secretKey,
        STRATUS_ZONE: env.stack.seed.zone.name,
        STRATUS_TEMPLATE: (((await env.admin.ok('listTemplates', { templatefilter: 'executable' })).template as Array<{ name: string }>)[0]).name,
        ...extra,
      },
      300_000,
      __dirname,
    );

  afterAll(async () => {
    await proxy?.stop();
    await env?.stop();
    if (goCache) rmSync(goCache, { recursive: true, force: true });
  }, 60_000);

  it('creates, reads, updates (display name, offering by stop/change/start, tags) and deletes an instance, each call as the SDK makes it', async () => {
    // Act
    const r = await goTest('TestInstanceLifeCycle', { STRATUS_NETWORK: (((await env.admin.ok('listNetworks', {})).network as Array<{ name: string }>)[0]).name });

    // Assess
    if (r.code !== 0) throw new Error(`go test exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain('--- PASS: TestInstanceLifeCycle');
    const calls = proxy.commands().filter((c) => c !== 'queryAsyncJobResult');
    expect(calls).toEqual([
      'listZones',
      'listServiceOfferings',
      'listServiceOfferings',
      'listTemplates',
      'listNetworks',
      'deployVirtualMachine',
      'createTags',
      'listVirtualMachines',
      'listVolumes',
      'updateVirtualMachine',
      'stopVirtualMachine',
      'changeServiceForVirtualMachine',
      'startVirtualMachine',
      'deleteTags',
      'createTags',
      'listVirtualMachines',
      'listVolumes',
      'destroyVirtualMachine',
      'listVirtualMachines',
    ]);
    // The SDK polls each async job until it ends.
    expect(proxy.commands().filter((c) => c === 'queryAsyncJobResult').length).toBeGreaterThanOrEqual(6);
  }, 360_000);
  it('registers and creates key pairs (cloudstack_ssh_keypair), deploys an instance with a key and user data, resets its key and user data while stopped, and deletes them', async () => {
    proxy.clear();
    const r = await goTest('TestSSHKeypairAndInstanceKeys');
    if (r.code !== 0) throw new Error(`go test exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    expect(r.stdout).toContain('--- PASS: TestSSHKeypairAndInstanceKeys');
    expect(proxy.commands().filter((c) => c !== 'queryAsyncJobResult' && c !== 'listZones' && c !== 'listServiceOfferings' && c !== 'listTemplates')).toEqual([
      'registerSSHKeyPair',
      'createSSHKeyPair',
      'listSSHKeyPairs',
      'deployVirtualMachine',
      'stopVirtualMachine',
      'resetSSHKeyForVirtualMachine',
      'updateVirtualMachine',
      'startVirtualMachine',
      'createTags',
      'listVirtualMachines',
      'destroyVirtualMachine',
      'deleteSSHKeyPair',
      'deleteSSHKeyPair',
      'deleteSSHKeyPair',
    ]);
    // The SDK sent the user data base64-encoded and the key pair by name.
    expect(proxy.requests.find((q) => q.command === 'deployVirtualMachine')?.params).toMatchObject({ keypair: 'tf-laptop', userdata: Buffer.from('#cloud-config\nhostname: tf-keyed\n').toString('base64') });
  }, 360_000);
});
