import type { AgentCommand, VmSpec } from '../../../../core/agent-protocol';
import { DriverError, type HypervisorDriver } from '../../../../agent/drivers/driver';
import { SimulatorDriver } from '../../../../agent/drivers/simulator';
import { runCommand } from '../../../../agent/tasks';
import { toTaskError } from '../../../../agent/tasks/result';

const spec: VmSpec = {
  vmId: 'vm-1',
  instanceName: 'i-2-1-VM',
  displayName: 'web',
  cpuNumber: 2,
  cpuSpeed: 1000,
  memory: 1024,
  template: { id: 't', url: 'http://images.example/t.qcow2', format: 'QCOW2' },
  nics: [{ macAddress: '02:00:00:00:00:01', networkName: 'guest', ipAddress: '10.0.0.5' }],
  disks: [{ volumeId: 'vol-1', type: 'ROOT', deviceId: 0, path: 'vol-1', size: 1 }],
};
const repository = { id: 'repo-1', type: 'nfs' as const, address: '10.0.0.9:/backups', mountOptions: '' };
const disk = { volumeId: 'vol-2', type: 'DATADISK' as const, deviceId: 1, path: 'vol-2', size: 2 };

/** Records which driver call a command made, with its arguments. */
function recordingDriver(): HypervisorDriver & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    hostFacts: async () => ({ hostname: 'h', hypervisor: 'Simulator', cpuNumber: 1, cpuSpeed: 1, memoryTotal: 1, ipAddress: '127.0.0.1', agentVersion: 'x' }),
    domains: async () => [],
    start: async (s) => void calls.push(['start', s.instanceName]),
    stop: async (name, o) => void calls.push(['stop', name, o]),
    reboot: async (name) => void calls.push(['reboot', name]),
    undefine: async (name, o) => void calls.push(['undefine', name, o]),
    migrate: async (name, uri, o) => void calls.push(['migrate', name, uri, o]),
    scale: async (name, o) => void calls.push(['scale', name, o]),
    resolveIncoming: async (name) => {
      calls.push(['resolveIncoming', name]);
      return 'PowerOff';
    },
    attachVolume: async (name, d) => void calls.push(['attachVolume', name, d.volumeId]),
    detachVolume: async (name, d) => void calls.push(['detachVolume', name, d.volumeId]),
    resizeVolume: async (d, o) => void calls.push(['resizeVolume', d.volumeId, o]),
    deleteVolume: async (d) => void calls.push(['deleteVolume', d.volumeId]),
    poolStats: async () => ({ capacityBytes: 1, usedBytes: 0 }),
    createSnapshot: async (name, snap, o) => void calls.push(['createSnapshot', name, snap.name, o]),
    revertSnapshot: async (name, snap, o) => void calls.push(['revertSnapshot', name, snap.name, o]),
    deleteSnapshot: async (name, snap, o) => void calls.push(['deleteSnapshot', name, snap.name, o]),
    changeMedia: async (name, iso) => void calls.push(['changeMedia', name, iso?.id]),
    downloadImage: async (image) => {
      calls.push(['downloadImage', image.id]);
      return { size: 10, physicalSize: 4 };
    },
    describe: async () => undefined,
    checkVolume: async (pool, path) => {
      calls.push(['checkVolume', pool.id, path]);
      return { size: 8, format: 'qcow2' };
    },
    adopt: async (name) => ({ name, powerState: 'PowerOn', cpuNumber: 1, cpuCoresPerSocket: 1, cpuSpeed: 1, memory: 512, persistent: true, disks: [], nics: [] }),
    takeBackup: async (name, o) => {
      calls.push(['takeBackup', name, o.path, o.running, o.quiesce]);
      return { files: o.disks.map((d) => ({ volumeId: d.volumeId, file: `root.${d.volumeId}.qcow2`, size: 100 })) };
    },
    restoreBackup: async (name, o) => void calls.push(['restoreBackup', name, o.path, o.volumes.map((v) => v.file)]),
    deleteBackup: async (o) => void calls.push(['deleteBackup', o.path, o.instanceName]),
    measureBackupRepository: async (r) => {
      calls.push(['measureBackupRepository', r.id]);
      return { capacityBytes: 1000, usedBytes: 10 };
    },
    unmanage: async (name, o) => {
      calls.push(['unmanage', name, o]);
      return { name, powerState: 'PowerOn', cpuNumber: 1, cpuCoresPerSocket: 1, cpuSpeed: 1, memory: 512, persistent: true, disks: [], nics: [] };
    },
  };
}

describe('agent tasks', () => {
  it.each<[AgentCommand, unknown[], Record<string, unknown>]>([
    [{ command: 'StartVm', payload: { spec } }, ['start', 'i-2-1-VM'], { instanceName: 'i-2-1-VM', powerState: 'PowerOn' }],
    [{ command: 'StopVm', payload: { instanceName: 'i-2-1-VM', force: true, timeoutMs: 5000 } }, ['stop', 'i-2-1-VM', { force: true, timeoutMs: 5000 }], { instanceName: 'i-2-1-VM', powerState: 'PowerOff' }],
    [{ command: 'RebootVm', payload: { instanceName: 'i-2-1-VM' } }, ['reboot', 'i-2-1-VM'], { instanceName: 'i-2-1-VM', powerState: 'PowerOn' }],
    [{ command: 'UndefineVm', payload: { instanceName: 'i-2-1-VM', removeDisks: false, disks: [] } }, ['undefine', 'i-2-1-VM', { removeDisks: false, disks: [] }], { instanceName: 'i-2-1-VM', undefined: true }],
    [{ command: 'AttachVolume', payload: { instanceName: 'i-2-1-VM', disk } }, ['attachVolume', 'i-2-1-VM', 'vol-2'], { instanceName: 'i-2-1-VM', volumeId: 'vol-2', attached: true }],
    [{ command: 'DetachVolume', payload: { instanceName: 'i-2-1-VM', disk } }, ['detachVolume', 'i-2-1-VM', 'vol-2'], { instanceName: 'i-2-1-VM', volumeId: 'vol-2', attached: false }],
    [{ command: 'ResizeVolume', payload: { instanceName: 'i-2-1-VM', disk, shrink: false } }, ['resizeVolume', 'vol-2', { shrink: false, instanceName: 'i-2-1-VM' }], { volumeId: 'vol-2', size: 2 }],
    [{ command: 'DeleteVolume', payload: { disk } }, ['deleteVolume', 'vol-2'], { volumeId: 'vol-2', deleted: true }],
    [
      { command: 'MigrateVm', payload: { instanceName: 'i-2-1-VM', destinationUri: 'sim://b', timeoutMs: 9000 } },
      ['migrate', 'i-2-1-VM', 'sim://b', { timeoutMs: 9000 }],
      { instanceName: 'i-2-1-VM', destinationUri: 'sim://b', migrated: true },
    ],
    [
      { command: 'ScaleVm', payload: { instanceName: 'i-2-1-VM', cpuNumber: 4, cpuSpeed: 1500, memory: 4096 } },
      ['scale', 'i-2-1-VM', { cpuNumber: 4, cpuSpeed: 1500, memory: 4096 }],
      { instanceName: 'i-2-1-VM', cpuNumber: 4, cpuSpeed: 1500, memory: 4096 },
    ],
    [{ command: 'ResolveIncomingVm', payload: { instanceName: 'i-2-1-VM' } }, ['resolveIncoming', 'i-2-1-VM'], { instanceName: 'i-2-1-VM', powerState: 'PowerOff' }],
    [{ command: 'ChangeMedia', payload: { instanceName: 'i-2-1-VM', iso: { id: 'iso-1', url: 'http://127.0.0.1/x.iso', format: 'ISO' } } }, ['changeMedia', 'i-2-1-VM', 'iso-1'], { instanceName: 'i-2-1-VM', isoId: 'iso-1' }],
    [{ command: 'ChangeMedia', payload: { instanceName: 'i-2-1-VM' } }, ['changeMedia', 'i-2-1-VM', undefined], { instanceName: 'i-2-1-VM', isoId: null }],
    [
      { command: 'UnmanageVm', payload: { instanceName: 'i-2-1-VM', running: true } },
      ['unmanage', 'i-2-1-VM', { running: true, spec: undefined }],
      { domain: { name: 'i-2-1-VM', powerState: 'PowerOn', cpuNumber: 1, cpuCoresPerSocket: 1, cpuSpeed: 1, memory: 512, persistent: true, disks: [], nics: [] } },
    ],
    [{ command: 'CheckVolume', payload: { pool: { id: 'p-1', type: 'NetworkFilesystem', host: '10.0.0.9', path: '/export' }, path: 'old.qcow2' } }, ['checkVolume', 'p-1', 'old.qcow2'], { path: 'old.qcow2', size: 8, format: 'qcow2' }],
    [{ command: 'DownloadImage', payload: { image: { id: 't-1', url: 'http://127.0.0.1/t.qcow2', format: 'QCOW2' } } }, ['downloadImage', 't-1'], { templateId: 't-1', size: 10, physicalSize: 4 }],
    [
      { command: 'TakeBackup', payload: { instanceName: 'i-2-1-VM', repository, path: 'i-2-1-VM/b-1', running: true, quiesce: true, disks: [spec.disks[0]] } },
      ['takeBackup', 'i-2-1-VM', 'i-2-1-VM/b-1', true, true],
      { externalId: 'i-2-1-VM/b-1', size: 100, files: [{ volumeId: 'vol-1', file: 'root.vol-1.qcow2', size: 100 }] },
    ],
    [
      { command: 'RestoreBackup', payload: { instanceName: 'i-2-1-VM', repository, path: 'i-2-1-VM/b-1', volumes: [{ file: 'root.vol-1.qcow2', disk: spec.disks[0] }] } },
      ['restoreBackup', 'i-2-1-VM', 'i-2-1-VM/b-1', ['root.vol-1.qcow2']],
      { restored: ['vol-1'] },
    ],
    [{ command: 'DeleteBackup', payload: { repository, path: 'i-2-1-VM/b-1', instanceName: 'i-2-1-VM' } }, ['deleteBackup', 'i-2-1-VM/b-1', 'i-2-1-VM'], { path: 'i-2-1-VM/b-1' }],
    [{ command: 'MeasureBackupRepository', payload: { repository } }, ['measureBackupRepository', 'repo-1'], { repositoryId: 'repo-1', capacityBytes: 1000, usedBytes: 10 }],
    ...(['CreateVmSnapshot', 'RevertVmSnapshot', 'DeleteVmSnapshot'] as const).map((command): [AgentCommand, unknown[], Record<string, unknown>] => [
      { command, payload: { instanceName: 'i-2-1-VM', snapshot: { name: 's2', memory: true, created: 2 }, chain: [{ name: 's1', memory: false, created: 1 }], spec } },
      [`${command.charAt(0).toLowerCase()}${command.slice(1).replace('VmSnapshot', 'Snapshot')}`, 'i-2-1-VM', 's2', { chain: [{ name: 's1', memory: false, created: 1 }], spec }],
      { instanceName: 'i-2-1-VM', snapshot: 's2' },
    ]),
  ])('maps %j to one driver call and a successful result', async (command, call, data) => {
    // Prepare
    const driver = recordingDriver();

    // Act
    const result = await runCommand(driver, command);

    // Assess
    expect(driver.calls).toEqual([call]);
    expect(result).toEqual({ ok: true, data });
  });

  it('turns a driver error into a failed result with its name, message and retryability', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim', faults: { start: { error: 'InsufficientCapacityError', message: 'full', retryable: false } } });

    // Act
    const result = await runCommand(driver, { command: 'StartVm', payload: { spec } });

    // Assess
    expect(result).toEqual({ ok: false, error: { name: 'InsufficientCapacityError', message: 'full', retryable: false } });
  });

  it('succeeds on a repeated StartVm, as a re-leased task needs', async () => {
    // Prepare
    const driver = new SimulatorDriver({ hostname: 'sim' });
    await runCommand(driver, { command: 'StartVm', payload: { spec } });

    // Act
    const again = await runCommand(driver, { command: 'StartVm', payload: { spec } });

    // Assess
    expect(again.ok).toBe(true);
  });

  it.each([
    [new DriverError('ResourceUnavailableError', 'gone', false), { name: 'ResourceUnavailableError', message: 'gone', retryable: false }],
    [new Error('boom'), { name: 'AgentError', message: 'boom', retryable: true }],
    [new TypeError('bad'), { name: 'TypeError', message: 'bad', retryable: true }],
    ['text', { name: 'AgentError', message: 'text', retryable: true }],
  ])('maps the thrown %p to a task error', (thrown, expected) => {
    // Act / Assess
    expect(toTaskError(thrown)).toEqual(expected);
  });
});
