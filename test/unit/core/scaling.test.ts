import type { ServiceOffering } from '../../../core/entities';
import { InvalidParameterError, PermissionDeniedError } from '../../../core/errors';
import { stableId } from '../../../core/ids';
import { customSizeDetails, liveScaleRefusal, sizeFor, type LiveScaleInput } from '../../../core/scaling';

const offering = (over: Partial<ServiceOffering> = {}): ServiceOffering => ({
  id: 'o-fixed',
  name: 'Medium Instance',
  displayText: 'Medium',
  cpuNumber: 1,
  cpuSpeed: 1000,
  memory: 1024,
  offerHa: false,
  storageType: 'shared',
  dynamicScalingEnabled: true,
  created: '2025-01-01T00:00:00.000Z',
  ...over,
});

const custom = offering({ id: 'o-custom', name: 'Custom Instance', cpuNumber: 1, cpuSpeed: 0, memory: 512, isCustomized: true, minCpuNumber: 1, maxCpuNumber: 8, minMemory: 512, maxMemory: 16384 });

describe('sizeFor', () => {
  it('gives a fixed offering its own size and ignores details, as CloudStack validates them only for custom offerings', () => {
    // Act
    const size = sizeFor(offering(), { cpuNumber: '4', memory: '4096' });
    // Assess
    expect(size).toEqual({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });
  });

  it('takes a custom offering size from the details within its bounds', () => {
    expect(sizeFor(custom, { cpuNumber: '8', cpuSpeed: '2000', memory: '16384' })).toEqual({ cpuNumber: 8, cpuSpeed: 2000, memory: 16384 });
    expect(sizeFor(custom, { cpuNumber: '1', cpuSpeed: '1', memory: '512' })).toEqual({ cpuNumber: 1, cpuSpeed: 1, memory: 512 });
  });

  it.each([
    ['no details', {}, 'Need to specify custom parameter values cpu, cpu speed and memory when using custom offering'],
    ['no cpuNumber', { cpuSpeed: '1000', memory: '1024' }, 'Invalid cpu cores value, specify a value between 1 and 8'],
    ['cpuNumber above the bound', { cpuNumber: '9', cpuSpeed: '1000', memory: '1024' }, 'Invalid cpu cores value, specify a value between 1 and 8'],
    ['cpuNumber not a number', { cpuNumber: 'two', cpuSpeed: '1000', memory: '1024' }, 'Invalid cpu cores value, specify a value between 1 and 8'],
    ['cpuNumber beyond a Java int', { cpuNumber: '99999999999', cpuSpeed: '1000', memory: '1024' }, 'Invalid cpu cores value, specify a value between 1 and 8'],
    ['no cpuSpeed', { cpuNumber: '2', memory: '1024' }, 'Invalid cpu speed value, specify a value between 1 and 2147483647'],
    ['cpuSpeed 0', { cpuNumber: '2', cpuSpeed: '0', memory: '1024' }, 'Invalid cpu speed value, specify a value between 1 and 2147483647'],
    ['memory below the bound', { cpuNumber: '2', cpuSpeed: '1000', memory: '511' }, 'Invalid memory value, specify a value between 512 and 16384'],
    ['memory above the bound', { cpuNumber: '2', cpuSpeed: '1000', memory: '16385' }, 'Invalid memory value, specify a value between 512 and 16384'],
  ])('refuses a custom size with %s (431, CloudStack text)', (_case, details, text) => {
    // Act
    const act = () => sizeFor(custom, details);
    // Assess
    expect(act).toThrow(InvalidParameterError);
    expect(act).toThrow(text);
  });

  it('takes a constrained offering\'s speed as its own and refuses a cpuSpeed detail, as CloudStack does', () => {
    const constrained = offering({ id: 'o-bounded', isCustomized: true, cpuSpeed: 2000, minCpuNumber: 1, maxCpuNumber: 4, minMemory: 512, maxMemory: 4096 });
    expect(sizeFor(constrained, { cpuNumber: '4', memory: '4096' })).toEqual({ cpuNumber: 4, cpuSpeed: 2000, memory: 4096 });
    expect(() => sizeFor(constrained, { cpuNumber: '2', cpuSpeed: '1000', memory: '1024' })).toThrow('The cpu speed of this offering id:o-bounded is not customizable. This is predefined in the template.');
    expect(() => sizeFor(constrained, { cpuNumber: '5', memory: '1024' })).toThrow('Invalid cpu cores value, specify a value between 1 and 4');
  });

  it("uses CloudStack's default bounds when a custom offering names none", () => {
    const open = offering({ isCustomized: true, cpuSpeed: 0, minCpuNumber: undefined, maxCpuNumber: undefined, minMemory: undefined, maxMemory: undefined });
    expect(() => sizeFor(open, { cpuNumber: '0', cpuSpeed: '1', memory: '32' })).toThrow('Invalid cpu cores value, specify a value between 1 and 2147483647');
    expect(() => sizeFor(open, { cpuNumber: '1', cpuSpeed: '1', memory: '31' })).toThrow('Invalid memory value, specify a value between 32 and 2147483647');
  });

  it('records a custom size as the details CloudStack saves on the VM', () => {
    expect(customSizeDetails({ cpuNumber: 2, cpuSpeed: 1500, memory: 2048 })).toEqual({ cpuNumber: '2', cpuSpeed: '1500', memory: '2048' });
  });
});

describe('liveScaleRefusal', () => {
  const debian = stableId('ostype', 'debian-12');
  const base: LiveScaleInput = {
    vm: { instanceName: 'i-2-7-VM', cpuNumber: 1, cpuSpeed: 1000, memory: 1024, bootMemory: 1024, osTypeId: debian },
    template: { name: 'Debian 12', isDynamicallyScalable: true },
    current: { name: 'Medium Instance', dynamicScalingEnabled: true },
    next: { name: 'Bigger', dynamicScalingEnabled: true },
    target: { cpuNumber: 2, cpuSpeed: 1000, memory: 2048 },
    hypervisor: 'KVM',
    dynamicScaleEnabled: true,
    ceilings: { maxCpuNumber: 4, maxMemory: 4096 },
  };
  const refusal = (over: Partial<LiveScaleInput>) => liveScaleRefusal({ ...base, ...over });

  it.each(['KVM', 'Simulator'])('lets a dynamically scalable VM on %s grow within its room', (hypervisor) => {
    expect(refusal({ hypervisor })).toBeUndefined();
  });

  it('lets a VM grow in one dimension only (speed)', () => {
    expect(refusal({ target: { cpuNumber: 1, cpuSpeed: 2000, memory: 1024 } })).toBeUndefined();
  });

  it.each<[string, Partial<LiveScaleInput>, string]>([
    ['a hypervisor that cannot', { hypervisor: 'LXC' }, 'Scaling the VM dynamically is not supported for VMs running on Hypervisor [LXC].'],
    ['offerings that differ in dynamic scaling', { next: { name: 'Fixed', dynamicScalingEnabled: false } }, 'Unable to Scale VM: since dynamic scaling enabled flag is not same for new service offering and old service offering'],
    [
      'offerings without dynamic scaling',
      { current: { name: 'Old', dynamicScalingEnabled: false }, next: { name: 'New', dynamicScalingEnabled: false } },
      'Unable to scale VM[User|i-2-7-VM]: its service offering Old does not have dynamic scaling enabled',
    ],
    [
      'a smaller memory',
      { target: { cpuNumber: 2, cpuSpeed: 1000, memory: 512 } },
      'While the VM is running, only scalling up it is supported. New service offering {"memory": 512, "speed": 1000, "cpu": 2} should have at least one value (ram, speed or cpu) greater than the current values {"memory": 1024, "speed": 1000, "cpu": 1}.',
    ],
    [
      'the same size',
      { target: { cpuNumber: 1, cpuSpeed: 1000, memory: 1024 } },
      'While the VM is running, only scalling up it is supported. New service offering {"memory": 1024, "speed": 1000, "cpu": 1} should have at least one value (ram, speed or cpu) greater than the current values {"memory": 1024, "speed": 1000, "cpu": 1}.',
    ],
    ['a VM marked not dynamically scalable', { vm: { ...base.vm, isDynamicallyScalable: false } }, 'Unable to scale VM[User|i-2-7-VM] as it does not have tools to support dynamic scaling.'],
    ['a template without tools', { template: { name: 'Bare', isDynamicallyScalable: false } }, 'Unable to scale VM[User|i-2-7-VM] as its template Bare does not have tools to support dynamic scaling.'],
    ['an OS type that cannot hot-add', { vm: { ...base.vm, osTypeId: stableId('ostype', 'dos') } }, 'its OS type DOS cannot add vCPUs or memory while it runs'],
    ['a domain started without room', { ceilings: undefined }, 'it was started without room to add vCPUs or memory'],
    ['more vCPUs than the room', { target: { cpuNumber: 5, cpuSpeed: 1000, memory: 1024 } }, 'it was started with room for at most 4 vCPUs and 4096 MiB'],
    [
      'more memory than the room',
      { vm: { ...base.vm, osTypeId: stableId('ostype', 'windows-server-2022') }, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 4097 } },
      'it was started with room for at most 4 vCPUs and 4096 MiB',
    ],
  ])('refuses %s with a 431', (_case, over, text) => {
    // Act
    const err = refusal(over);
    // Assess
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err?.message).toContain(text);
  });

  it('refuses with 531 when enable.dynamic.scale.vm is off for the zone', () => {
    const err = refusal({ dynamicScaleEnabled: false });
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err?.message).toBe('Dynamically scaling virtual machines is disabled for this zone, please contact your admin.');
  });

  describe('the 3 GB rule (R-SCALE.6)', () => {
    const big = { maxCpuNumber: 16, maxMemory: 16384 };
    it.each([
      ['Linux 64-bit', 'debian-12'],
      ['Windows 7 32-bit', 'windows-7-32'],
    ])('keeps a %s guest booted below 3 GB at or under 3072 MiB', (_os, key) => {
      const vm = { ...base.vm, osTypeId: stableId('ostype', key), memory: 2048, bootMemory: 2048 };
      expect(refusal({ vm, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 3072 } })).toBeUndefined();
      expect(refusal({ vm, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 3073 } })?.message).toContain('can be scaled up to 3072 MiB, but not more');
    });

    it('judges by the memory the VM booted with, not what it has grown to since', () => {
      const vm = { ...base.vm, memory: 3072, bootMemory: 2048 };
      expect(refusal({ vm, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 4096 } })?.message).toContain('it started with 2048 MiB');
    });

    it('lets a guest booted at 3 GB or more grow past it, and other OS types too', () => {
      const booted3g = { ...base.vm, memory: 3072, bootMemory: 3072 };
      expect(refusal({ vm: booted3g, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 8192 } })).toBeUndefined();
      const windows = { ...base.vm, osTypeId: stableId('ostype', 'windows-server-2022') };
      expect(refusal({ vm: windows, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 8192 } })).toBeUndefined();
    });

    it('reads the current memory as the boot memory when none was recorded', () => {
      const vm = { ...base.vm, bootMemory: undefined };
      expect(refusal({ vm, ceilings: big, target: { cpuNumber: 1, cpuSpeed: 1000, memory: 4096 } })?.message).toContain('it started with 1024 MiB');
    });
  });
});
