import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackupRepositorySpec, DiskSpec } from '../../../../core/agent-protocol';
import { LibvirtDriver } from '../../../../agent/drivers/libvirt';
import { parseDomJobInfo, pushBackupXml } from '../../../../agent/drivers/libvirt-backup';
import { VirshCommandError, type VirshRunner } from '../../../../agent/drivers/virsh-session';

/**
 * The libvirt driver's nas backups, which libvirt's test:/// driver cannot run (it has no backup
 * jobs, no guest agent, no files): a scripted virsh answers as a KVM host would, the repository is a
 * directory of the test's, and qemu-img copies files. What is checked: the order of freeze,
 * backup-begin and thaw, a thaw and a resume whatever fails, a job left by a killed agent aborted
 * first, progress from domjobinfo, nothing half-made left, restores all or nothing.
 */
class ScriptedVirsh implements VirshRunner {
  readonly commands: string[] = [];
  constructor(private readonly answer: (command: string, args: readonly string[]) => string) {}
  async run(args: readonly string[]): Promise<string> {
    const command = args.join(' ');
    this.commands.push(command);
    return this.answer(command, args);
  }
}
const fail = (command: string, ...errors: string[]): never => {
  throw new VirshCommandError(command, errors);
};
const JOB_NONE = 'Job type:         None\n';
const job = (processed: string, total: string) => `Job type:         Unbounded\nOperation:        Backup\nTime elapsed:     1200         ms\nData processed:   ${processed}\nData remaining:   1.000 GiB\nData total:       ${total}\n`;

describe('the libvirt driver\'s backup XML and job parsing', () => {
  it('lists each disk by target into its QCOW2 file, escaped', () => {
    expect(pushBackupXml([{ target: 'vda', file: "/b/i-1/root.v'1.qcow2" }])).toBe(
      "<domainbackup mode='push'>\n  <disks>\n    <disk name='vda' backup='yes' type='file'>\n      <driver type='qcow2'/>\n      <target file='/b/i-1/root.v&apos;1.qcow2'/>\n    </disk>\n  </disks>\n</domainbackup>\n",
    );
  });

  it('reads a running job\'s progress, a completed one, a failed one with its error, and none', () => {
    expect(parseDomJobInfo(job('1.000 GiB', '4.000 GiB'))).toEqual({ type: 'Unbounded', operation: 'Backup', percent: 25 });
    // What virsh prints for a backup job: its disks' bytes as File processed/total.
    expect(parseDomJobInfo('Job type:         Unbounded\nOperation:        Backup\nFile processed:   3.000 GiB\nFile remaining:   1.000 GiB\nFile total:       4.000 GiB\n')).toEqual({ type: 'Unbounded', operation: 'Backup', percent: 75 });
    expect(parseDomJobInfo('Job type:         Completed\nOperation:        Backup\n')).toEqual({ type: 'Completed', operation: 'Backup' });
    expect(parseDomJobInfo('Job type:         Failed\nOperation:        Backup\nError message:    No space left on device\n')).toEqual({ type: 'Failed', operation: 'Backup', error: 'No space left on device' });
    expect(parseDomJobInfo(JOB_NONE)).toEqual({ type: 'None' });
    expect(parseDomJobInfo('')).toEqual({ type: 'None' });
  });
});

describe('LibvirtDriver backups into a repository', () => {
  let dir: string;
  let repository: BackupRepositorySpec;
  const drivers: LibvirtDriver[] = [];
  const disks: DiskSpec[] = [
    { volumeId: 'v-root', type: 'ROOT', deviceId: 0, path: 'v-root', size: 1024, pool: { id: 'p-1', type: 'SharedMountPoint', host: 'localhost', path: '/srv/p1' } },
    { volumeId: 'v-data', type: 'DATADISK', deviceId: 1, path: 'v-data', size: 2048, pool: { id: 'p-1', type: 'SharedMountPoint', host: 'localhost', path: '/srv/p1' } },
  ];
  /** qemu-img convert as a copy of the file. */
  const qemuImg = async (args: readonly string[]) => {
    if (args[0] === 'convert') {
      const [source, target] = args.slice(-2);
      if (source.includes('broken')) throw Object.assign(new Error('exit 1'), { stderr: `qemu-img: Could not open '${source}': Input/output error\n` });
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(source));
    }
    return '';
  };
  const driverWith = (runner: VirshRunner, extra: Partial<ConstructorParameters<typeof LibvirtDriver>[0]> = {}) => {
    const d = new LibvirtDriver({ uri: 'test:///fake', runner, qemuImg, backupPollMs: 1, ...extra });
    drivers.push(d);
    return d;
  };
  /** A KVM host running the domain: backup-begin writes each target the backup XML names; domjobinfo shows the job half-way, then done. */
  const runningHost = (o: { leftover?: boolean; beginFails?: boolean; freezeFails?: boolean; jobFails?: boolean; thawFails?: boolean; pausedBefore?: boolean } = {}) => {
    let polls = 0;
    let begun = false;
    let leftover = o.leftover ?? false;
    const virsh: ScriptedVirsh = new ScriptedVirsh((c, args) => {
      if (c.startsWith('domstate')) return o.pausedBefore ? 'paused\n' : 'running\n';
      if (c.startsWith('domfsfreeze')) return o.freezeFails ? fail(c, 'error: Guest agent is not responding: QEMU guest agent is not connected') : 'Frozen 2 filesystem(s)\n';
      if (c.startsWith('domfsthaw')) return o.thawFails && begun ? fail(c, 'error: internal error: unable to execute QEMU agent command guest-fsfreeze-thaw: timeout') : 'Thawed 2 filesystem(s)\n';
      if (c.startsWith('domjobabort')) {
        leftover = false;
        return '';
      }
      if (c.startsWith('backup-begin')) {
        if (o.beginFails) fail(c, 'error: operation failed: domain is not running');
        const xml = readFileSync(args[args.indexOf('--backupxml') + 1], 'utf8');
        for (const [, file] of xml.matchAll(/<target file='([^']+)'\/>/g)) writeFileSync(file, 'qcow2 bytes of ' + file);
        begun = true;
        return 'Backup started\n';
      }
      if (c === 'domjobinfo --domain i-2-1-VM --completed') return o.jobFails ? 'Job type:         Failed\nOperation:        Backup\nError message:    No space left on device\n' : 'Job type:         Completed\nOperation:        Backup\n';
      if (c.startsWith('domjobinfo')) {
        if (leftover) return job('1.000 GiB', '2.000 GiB');
        if (!begun) return JOB_NONE;
        polls += 1;
        return polls === 1 ? job('1.000 GiB', '2.000 GiB') : JOB_NONE;
      }
      if (c.startsWith('dumpxml')) return "<domain type='kvm'><name>i-2-1-VM</name></domain>";
      return '';
    });
    return virsh;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stratus-backup-test-'));
    repository = { id: 'repo-1', type: 'nfs', address: join(dir, 'repo'), mountOptions: '' };
  });
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs a running domain up in push mode: frozen only while the backup begins, progress from its job, the definition kept', async () => {
    const virsh = runningHost();
    const progress: number[] = [];
    const taken = await driverWith(virsh).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-1', running: true, quiesce: true, disks }, (p) => progress.push(p));

    const backupDir = join(repository.address, 'i-2-1-VM/b-1');
    expect(taken.files.map((f) => f.file)).toEqual(['root.v-root.qcow2', 'datadisk.v-data.qcow2']);
    expect(taken.files.every((f) => f.size > 0)).toBe(true);
    expect(readFileSync(join(backupDir, 'domain-config.xml'), 'utf8')).toContain('<name>i-2-1-VM</name>');
    expect(progress).toEqual([50, 100]);
    const order = virsh.commands.filter((c) => /^(domfsfreeze|backup-begin|domfsthaw|domjobinfo|resume)/.test(c)).map((c) => c.split(' ')[0]);
    // A look for a job left behind (and a thaw, in case one left the guest frozen), then freeze, begin,
    // thaw at once, and the job followed to its end; nothing resumed (nothing was paused).
    expect(order).toEqual(['domjobinfo', 'domfsthaw', 'domfsfreeze', 'backup-begin', 'domfsthaw', 'domjobinfo', 'domjobinfo', 'domjobinfo']);
  });

  it('thaws the guest and removes the half-made directory when the backup cannot begin', async () => {
    const virsh = runningHost({ beginFails: true });
    await expect(driverWith(virsh).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-2', running: true, quiesce: true, disks }, () => undefined)).rejects.toMatchObject({ name: 'ResourceUnavailableError', message: expect.stringContaining('domain is not running') });
    // Thawed after the failed begin (by the backup's finally, and again by the clean-up of its job).
    expect(virsh.commands.slice(virsh.commands.findIndex((c) => c.startsWith('backup-begin'))).filter((c) => c.startsWith('domfsthaw')).length).toBeGreaterThan(0);
    expect(existsSync(join(repository.address, 'i-2-1-VM/b-2'))).toBe(false);
  });

  it('fails clearly when the guest cannot be frozen, and never begins the backup', async () => {
    const virsh = runningHost({ freezeFails: true });
    await expect(driverWith(virsh).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-3', running: true, quiesce: true, disks }, () => undefined)).rejects.toMatchObject({
      name: 'ResourceUnavailableError',
      message: expect.stringContaining('is qemu-guest-agent running in it?'),
      retryable: false,
    });
    expect(virsh.commands.some((c) => c.startsWith('backup-begin'))).toBe(false);
  });

  it('fails loudly when the guest cannot be thawed, and never resumes a domain that was paused before', async () => {
    const stuck = runningHost({ thawFails: true });
    await expect(driverWith(stuck).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-10', running: true, quiesce: true, disks }, () => undefined)).rejects.toMatchObject({
      message: 'The guest filesystems of i-2-1-VM could not be thawed after the backup began: thaw them with virsh domfsthaw i-2-1-VM',
    });
    expect(existsSync(join(repository.address, 'i-2-1-VM/b-10'))).toBe(false);
    const paused = runningHost({ pausedBefore: true });
    await driverWith(paused).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-11', running: true, quiesce: false, disks }, () => undefined);
    expect(paused.commands.some((c) => c.startsWith('resume'))).toBe(false);
  });

  it('fails with the job\'s own error when the backup job fails, leaving nothing in the repository', async () => {
    const virsh = runningHost({ jobFails: true });
    await expect(driverWith(virsh).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-4', running: true, quiesce: false, disks }, () => undefined)).rejects.toMatchObject({ message: 'The backup job of i-2-1-VM ended Failed: No space left on device' });
    expect(existsSync(join(repository.address, 'i-2-1-VM/b-4'))).toBe(false);
    expect(virsh.commands.some((c) => c.startsWith('domfsfreeze'))).toBe(false);
  });

  it('aborts a backup job a killed agent left on the domain, and thaws its guest, before starting again', async () => {
    mkdirSync(join(repository.address, 'i-2-1-VM/b-5'), { recursive: true });
    writeFileSync(join(repository.address, 'i-2-1-VM/b-5/root.v-root.qcow2'), 'half');
    const virsh = runningHost({ leftover: true });
    await driverWith(virsh).takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-5', running: true, quiesce: true, disks }, () => undefined);
    const first = virsh.commands.findIndex((c) => c.startsWith('domjobabort'));
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(virsh.commands.findIndex((c) => c.startsWith('backup-begin')));
    expect(virsh.commands.slice(0, virsh.commands.findIndex((c) => c.startsWith('backup-begin'))).filter((c) => c.startsWith('domfsthaw'))).toHaveLength(1);
    expect(readFileSync(join(repository.address, 'i-2-1-VM/b-5/root.v-root.qcow2'), 'utf8')).toContain('qcow2 bytes of');
  });

  it('backs a stopped domain up by copying each volume\'s file, and restores them all or nothing', async () => {
    const pool = join(dir, 'pool');
    mkdirSync(pool);
    writeFileSync(join(pool, 'v-root'), 'root v1');
    writeFileSync(join(pool, 'v-data'), 'data v1');
    const virsh = new ScriptedVirsh((c) => {
      if (c.startsWith('domstate')) return 'shut off\n';
      if (c.startsWith('pool-info')) return 'State:          running\n';
      if (c.startsWith('vol-info')) return 'Capacity:       1024 bytes\n';
      if (c.startsWith('vol-path')) return join(pool, c.split(' ').at(-1)!) + '\n';
      if (c.startsWith('dumpxml')) return '<domain/>';
      return '';
    });
    const driver = driverWith(virsh);
    const progress: number[] = [];
    await driver.takeBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-6', running: false, quiesce: false, disks }, (p) => progress.push(p));
    expect(progress).toEqual([50, 100]);
    expect(readFileSync(join(repository.address, 'i-2-1-VM/b-6/datadisk.v-data.qcow2'), 'utf8')).toBe('data v1');
    expect(virsh.commands.some((c) => c.startsWith('backup-begin') || c.startsWith('domfsfreeze'))).toBe(false);

    // Written since; restored: both back as they were.
    writeFileSync(join(pool, 'v-root'), 'root v2');
    writeFileSync(join(pool, 'v-data'), 'data v2');
    const volumes = disks.map((d) => ({ file: `${d.type === 'ROOT' ? 'root' : 'datadisk'}.${d.volumeId}.qcow2`, disk: d }));
    await driver.restoreBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-6', volumes }, () => undefined);
    expect([readFileSync(join(pool, 'v-root'), 'utf8'), readFileSync(join(pool, 'v-data'), 'utf8')]).toEqual(['root v1', 'data v1']);

    // A copy that cannot be read: nothing is changed, nothing is left staged.
    writeFileSync(join(pool, 'v-root'), 'root v3');
    writeFileSync(join(repository.address, 'i-2-1-VM/b-6/broken.v-data.qcow2'), 'x');
    await expect(driver.restoreBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-6', volumes: [volumes[0], { ...volumes[1], file: 'broken.v-data.qcow2' }] }, () => undefined)).rejects.toMatchObject({ name: 'ResourceUnavailableError', message: expect.stringContaining('Input/output error') });
    expect(readFileSync(join(pool, 'v-root'), 'utf8')).toBe('root v3');
    expect(existsSync(join(pool, 'v-root.restoring'))).toBe(false);
  });

  it('refuses to restore onto a running domain, and deletes a backup (aborting a job still running on it)', async () => {
    mkdirSync(join(repository.address, 'i-2-1-VM/b-7'), { recursive: true });
    writeFileSync(join(repository.address, 'i-2-1-VM/b-7/domain-config.xml'), '<domain/>');
    const virsh = runningHost({ leftover: true });
    const driver = driverWith(virsh);
    await expect(driver.restoreBackup('i-2-1-VM', { repository, path: 'i-2-1-VM/b-7', volumes: [{ file: 'root.v-root.qcow2', disk: disks[0] }] }, () => undefined)).rejects.toMatchObject({ name: 'OperationRefusedError', message: expect.stringContaining('is running') });
    await driver.deleteBackup({ repository, path: 'i-2-1-VM/b-7', instanceName: 'i-2-1-VM' });
    expect(existsSync(join(repository.address, 'i-2-1-VM/b-7'))).toBe(false);
    expect(virsh.commands.some((c) => c.startsWith('domjobabort'))).toBe(true);
    await expect(driver.deleteBackup({ repository, path: 'i-2-1-VM/b-7' })).resolves.toBeUndefined(); // gone already: success
  });

  it('mounts an NFS repository under its id once, and says why when it cannot', async () => {
    const mounted = new Set<string>();
    const calls: string[] = [];
    const exec = async (command: string, args: readonly string[]) => {
      calls.push([command, ...args].join(' '));
      if (command === 'mountpoint') {
        if (!mounted.has(args.at(-1)!)) throw Object.assign(new Error('exit 1'), { stderr: '' });
        return '';
      }
      if (args.includes('nas-down:/backups')) throw Object.assign(new Error('exit 32'), { stderr: 'mount.nfs: Connection timed out\n' });
      mounted.add(args.at(-1)!);
      return '';
    };
    const driver = driverWith(new ScriptedVirsh(() => ''), { exec, backupMountRoot: join(dir, 'mnt') });
    const nfs: BackupRepositorySpec = { id: 'repo-2', type: 'nfs', address: 'nas1:/backups', mountOptions: 'vers=4.1' };
    await driver.deleteBackup({ repository: nfs, path: 'i-2-1-VM/b-8' });
    await driver.deleteBackup({ repository: nfs, path: 'i-2-1-VM/b-9' });
    expect(calls.filter((c) => c.startsWith('mount '))).toEqual([`mount -t nfs -o vers=4.1 nas1:/backups ${join(dir, 'mnt', 'repo-2')}`]);
    await expect(driver.deleteBackup({ repository: { ...nfs, id: 'repo-3', address: 'nas-down:/backups' }, path: 'i-2-1-VM/b-8' })).rejects.toMatchObject({
      name: 'ResourceUnavailableError',
      message: `Cannot mount backup repository nas-down:/backups (nfs) at ${join(dir, 'mnt', 'repo-3')}: mount.nfs: Connection timed out`,
      retryable: true,
    });
  });
});
