import { buildAgentCommand, DEFAULT_STOP_TIMEOUT_MS, legacyRootDisk, taskIdFor, vmSpecOf } from '../../../core/agent-commands';
import { AgentCommandSchema } from '../../../core/agent-protocol';
import type { Template, Vm } from '../../../core/entities';

const template = { id: 'tpl-1', url: 'http://images.example/d.qcow2', format: 'QCOW2' } as Template;
const vm = {
  id: 'vm-1',
  displayName: 'Web one',
  instanceName: 'i-2-1-VM',
  templateId: 'tpl-1',
  cpuNumber: 2,
  cpuSpeed: 1500,
  memory: 4096,
  nics: [{ id: 'n1', networkId: 'net', networkName: 'guest', ipAddress: '10.0.0.9', netmask: '255.255.255.0', gateway: '10.0.0.1', macAddress: '02:00:00:00:00:09', isDefault: true, type: 'Isolated' }],
} as Vm;

describe('agent commands', () => {
  it('builds the VM spec from the VM and its template, with hot-scaling ceilings unless the VM is not dynamically scalable', () => {
    // Act
    const spec = vmSpecOf(vm, template, [legacyRootDisk(vm, template)]);
    const fixed = vmSpecOf({ ...vm, isDynamicallyScalable: false }, template, [legacyRootDisk(vm, template)]);

    // Assess
    expect(spec).toEqual({
      vmId: 'vm-1',
      instanceName: 'i-2-1-VM',
      displayName: 'Web one',
      cpuNumber: 2,
      cpuSpeed: 1500,
      memory: 4096,
      template: { id: 'tpl-1', url: 'http://images.example/d.qcow2', format: 'QCOW2' },
      nics: [{ macAddress: '02:00:00:00:00:09', networkName: 'guest', ipAddress: '10.0.0.9' }],
      disks: [{ volumeId: 'vm-1-root', type: 'ROOT', deviceId: 0, path: 'i-2-1-VM-root', size: 1 }],
      maxCpuNumber: 8,
      maxMemory: 16384,
    });
    expect(fixed).not.toHaveProperty('maxCpuNumber');
    expect(fixed).not.toHaveProperty('maxMemory');
  });

  it.each([
    ['StartVm', {}, { spec: vmSpecOf(vm, template, [legacyRootDisk(vm, template)]) }],
    ['StopVm', {}, { instanceName: 'i-2-1-VM', force: false, timeoutMs: DEFAULT_STOP_TIMEOUT_MS }],
    ['StopVm', { forced: true, stopTimeoutMs: 1000 }, { instanceName: 'i-2-1-VM', force: true, timeoutMs: 1000 }],
    ['RebootVm', {}, { instanceName: 'i-2-1-VM' }],
    ['UndefineVm', {}, { instanceName: 'i-2-1-VM', removeDisks: true, disks: [] }],
    ['UndefineVm', { removeDisks: false }, { instanceName: 'i-2-1-VM', removeDisks: false, disks: [] }],
    ['MigrateVm', { destinationUri: 'sim://h2', migrateTimeoutMs: 5000 }, { instanceName: 'i-2-1-VM', destinationUri: 'sim://h2', timeoutMs: 5000 }],
    ['ResolveIncomingVm', {}, { instanceName: 'i-2-1-VM' }],
  ] as const)('builds %s with options %j as a valid wire command', (command, options, payload) => {
    // Act
    const built = buildAgentCommand(command, vm, template, options);

    // Assess
    expect(built).toEqual({ command, payload });
    expect(AgentCommandSchema.safeParse(built).success).toBe(true);
  });

  it('refuses StartVm without the template', () => {
    // Act / Assess
    expect(() => buildAgentCommand('StartVm', vm, undefined)).toThrow(/needs its template tpl-1/);
  });

  it('derives the same task id from the same token and different ids from different tokens', () => {
    // Act / Assess
    expect(taskIdFor('token-a')).toBe(taskIdFor('token-a'));
    expect(taskIdFor('token-a')).not.toBe(taskIdFor('token-b'));
    expect(taskIdFor('token-a')).toMatch(/^[0-9a-f]{32}$/);
  });
});
