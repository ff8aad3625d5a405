import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestData, VmSpec } from '../../../../core/agent-protocol';
import { configDriveFiles, guestRead } from '../../../../core/config-drive';
import { LibvirtDriver } from '../../../../agent/drivers/libvirt';
import { VirshCommandError, type VirshRunner } from '../../../../agent/drivers/virsh-session';

/**
 * The config drive on a KVM host: the libvirt driver builds it with the real genisoimage into the
 * ROOT disk's pool (a scripted virsh plays libvirt, pointing the volume at a file of the test's),
 * and the domain it defines carries it as a second CD-ROM. The ISO is then read back with isoinfo,
 * as the guest's cloud-init would mount it: its label and every file.
 */
const guest: GuestData = {
  userData: Buffer.from('#cloud-config\nusers: [default]\n').toString('base64'),
  publicKeys: [{ name: 'laptop', key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGqHIX2QqRXQvYqwQhUZ1o9vB7mXo6jEx8Xr1nGfHkR4' }],
  metadata: {
    'service-offering': 'Small Instance',
    'availability-zone': 'zone-1',
    'local-ipv4': '10.1.1.5',
    'local-hostname': 'web-1',
    'public-ipv4': '10.1.1.5',
    'public-hostname': '10.1.1.5',
    'instance-id': 'i-2-5-VM',
    'vm-id': '6f1c1a52-9a3e-4cf5-9b1b-0c1f4d0e2a11',
  },
};

describe('the config drive', () => {
  it('lays its files out as CloudStack and cloud-init read them, and answers the metadata URL paths', () => {
    const files = configDriveFiles(guest);
    expect([...files.keys()].sort()).toEqual(
      [
        'cloudstack/userdata/user_data.txt',
        ...Object.keys(guest.metadata).map((t) => `cloudstack/metadata/${t}.txt`),
        'cloudstack/metadata/public-keys.txt',
        'cloudstack/metadata/cloud-identifier.txt',
        'openstack/latest/meta_data.json',
        'openstack/latest/user_data',
        'openstack/latest/vendor_data.json',
      ].sort(),
    );
    expect(guestRead(files, '/latest/user-data')?.toString()).toBe('#cloud-config\nusers: [default]\n');
    expect(guestRead(files, 'latest/meta-data/local-ipv4')?.toString()).toBe('10.1.1.5');
    expect(guestRead(files, 'latest/public-keys')?.toString()).toBe(guest.publicKeys[0]!.key);
    expect(guestRead(files, 'latest/meta-data/../../etc/passwd')).toBeUndefined();
    expect(guestRead(files, 'latest/meta-data/nothing')).toBeUndefined();
    const noUserData = configDriveFiles({ ...guest, userData: undefined });
    expect(noUserData.has('openstack/latest/user_data')).toBe(false);
    expect(guestRead(noUserData, 'latest/user-data')).toBeUndefined();
  });
});

describe('LibvirtDriver config drives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stratus-configdrive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const spec: VmSpec = {
    vmId: guest.metadata['vm-id'],
    instanceName: 'i-2-5-VM',
    displayName: 'web-1',
    cpuNumber: 1,
    cpuSpeed: 500,
    memory: 512,
    template: { id: 'tpl-1', url: 'http://images.example/tpl.qcow2', format: 'QCOW2' },
    nics: [{ macAddress: '02:00:00:00:00:05', networkName: 'guest', ipAddress: '10.1.1.5' }],
    disks: [{ volumeId: 'v-root', type: 'ROOT', deviceId: 0, path: 'v-root', size: 1024, pool: { id: 'p-1', type: 'SharedMountPoint', host: 'localhost', path: '/srv/p1' } }],
    guest,
  };

  /** A KVM host's virsh as far as a start goes: pools and volumes exist, the domain does not yet. */
  function scriptedVirsh(defined: string[]): VirshRunner & { commands: string[] } {
    const commands: string[] = [];
    return {
      commands,
      async run(args: readonly string[]) {
        const command = args.join(' ');
        commands.push(command);
        if (args[0] === 'domstate') throw new VirshCommandError(command, ['error: failed to get domain']);
        if (args[0] === 'pool-info') return 'Name: p-1\nState:          running\n';
        if (args[0] === 'vol-info') {
          if (args.includes('i-2-5-VM-configdrive.iso')) throw new VirshCommandError(command, ['error: failed to get vol']);
          return 'Capacity:       1024 bytes\n';
        }
        if (args[0] === 'vol-path') return `${join(dir, args[args.length - 1]!)}\n`;
        if (args[0] === 'define') defined.push(readFileSync(args[2]!, 'utf8'));
        return '';
      },
    };
  }

  it('builds the ISO in the ROOT disk\'s pool with genisoimage, labelled config-2, and defines the domain with it as hdd', async () => {
    const defined: string[] = [];
    const virsh = scriptedVirsh(defined);
    const driver = new LibvirtDriver({ uri: 'test:///fake', runner: virsh });
    await driver.start(spec);
    await driver.close();

    const iso = join(dir, 'i-2-5-VM-configdrive.iso');
    expect(existsSync(iso)).toBe(true);
    expect(virsh.commands).toContain('vol-create-as --pool p-1 --name i-2-5-VM-configdrive.iso --capacity 1 --format raw');
    // What the guest sees: the volume label cloud-init looks for, and each file with its content.
    expect(execFileSync('isoinfo', ['-d', '-i', iso]).toString()).toMatch(/Volume id: config-2/);
    const read = (path: string) => execFileSync('isoinfo', ['-R', '-i', iso, '-x', `/${path}`]).toString();
    for (const [path, content] of configDriveFiles(guest)) expect(read(path)).toBe(content.toString());
    expect(JSON.parse(read('openstack/latest/meta_data.json')).public_keys).toEqual({ laptop: guest.publicKeys[0]!.key });

    expect(defined).toHaveLength(1);
    expect(defined[0]).toContain(`<source file='${iso}'/>\n      <target dev='hdd' bus='ide'/>`);
    expect(defined[0]).toContain("<target dev='hdc' bus='ide'/>"); // the ISO drive stays, empty
    expect(virsh.commands.indexOf('start --domain i-2-5-VM')).toBeGreaterThan(virsh.commands.findIndex((c) => c.startsWith('define')));
  });

  it('defines no config drive for a spec without guest data, and says plainly when genisoimage is missing', async () => {
    const defined: string[] = [];
    const plain = new LibvirtDriver({ uri: 'test:///fake', runner: scriptedVirsh(defined) });
    await plain.start({ ...spec, guest: undefined });
    expect(defined[0]).not.toContain("dev='hdd'");

    const missing = Object.assign(new Error('spawn genisoimage ENOENT'), { code: 'ENOENT' });
    const noTool = new LibvirtDriver({ uri: 'test:///fake', runner: scriptedVirsh([]), exec: async () => Promise.reject(missing) });
    await expect(noTool.start(spec)).rejects.toThrow('genisoimage is not installed on this host');
    await Promise.all([plain.close(), noTool.close()]);
  });
});
