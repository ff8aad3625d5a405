import type { ServiceOffering, Template, Vm } from './entities';
import { InvalidParameterError, PermissionDeniedError, type CloudStackError } from './errors';
import { osTypeById } from './os-catalogue';

/**
 * The rules of changing a VM's size, pure: the size an offering gives (custom offerings take it from
 * `details[]`, UserVmManagerImpl.validateCustomParameters) and why a running VM may not be scaled
 * live (UserVmManagerImpl.upgradeRunningVirtualMachine, the seeds' R-SCALE.2/6, the hot-scale room
 * its domain was started with). Texts are CloudStack's where it has one.
 */

export interface VmSize {
  cpuNumber: number;
  cpuSpeed: number; // MHz per core
  memory: number; // MiB
}

/** The detail names of a custom offering's size (CloudStack's UsageEventVO.DynamicParameters). */
export const CUSTOM_SIZE_DETAILS = ['cpuNumber', 'cpuSpeed', 'memory'] as const;

const INT_MAX = 2147483647;
/** CloudStack's default bounds when a custom offering names none (ServiceOfferingDetails absent). */
const DEFAULT_MIN_CPU = 1;
const DEFAULT_MIN_MEMORY = 32;

/** NumbersUtil.parseInt(text, -1): Integer.parseInt, or -1 when absent or not a Java int. */
function javaInt(text: string | undefined): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return -1;
  const n = Number(text);
  return n >= -2147483648 && n <= INT_MAX ? n : -1;
}

/**
 * The size a VM gets from `offering`. A fixed offering gives its own size and ignores the details,
 * as CloudStack validates custom parameters only for a custom ("dynamic") offering. A custom
 * offering takes `cpuNumber` and `memory` from the details, within its bounds, and `cpuSpeed` too
 * unless it is constrained (its own cpuspeed, which a detail may not change); anything missing or
 * out of bounds is CloudStack's 431.
 */
export function sizeFor(offering: ServiceOffering, details: Readonly<Record<string, string>> = {}): VmSize {
  if (!offering.isCustomized) return { cpuNumber: offering.cpuNumber, cpuSpeed: offering.cpuSpeed, memory: offering.memory };
  if (Object.keys(details).length === 0) throw new InvalidParameterError('Need to specify custom parameter values cpu, cpu speed and memory when using custom offering');

  const minCpu = offering.minCpuNumber ?? DEFAULT_MIN_CPU;
  const maxCpu = offering.maxCpuNumber ?? INT_MAX;
  const cpuNumber = javaInt(details.cpuNumber);
  if (cpuNumber < minCpu || cpuNumber > maxCpu) throw new InvalidParameterError(`Invalid cpu cores value, specify a value between ${minCpu} and ${maxCpu}`);

  // A constrained offering fixes the speed (its cpuspeed); an unconstrained one takes it from the details.
  const constrained = offering.cpuSpeed > 0;
  if (constrained && details.cpuSpeed !== undefined) throw new InvalidParameterError(`The cpu speed of this offering id:${offering.id} is not customizable. This is predefined in the template.`);
  const cpuSpeed = constrained ? offering.cpuSpeed : javaInt(details.cpuSpeed);
  if (cpuSpeed <= 0) throw new InvalidParameterError(`Invalid cpu speed value, specify a value between 1 and ${INT_MAX}`);

  const minMemory = offering.minMemory ?? DEFAULT_MIN_MEMORY;
  const maxMemory = offering.maxMemory ?? INT_MAX;
  const memory = javaInt(details.memory);
  if (memory < minMemory || memory > maxMemory) throw new InvalidParameterError(`Invalid memory value, specify a value between ${minMemory} and ${maxMemory}`);

  return { cpuNumber, cpuSpeed, memory };
}

/** A custom offering's size as the VM's details record it (CloudStack's saveCustomOfferingDetails). */
export const customSizeDetails = (size: VmSize): Record<(typeof CUSTOM_SIZE_DETAILS)[number], string> => ({
  cpuNumber: String(size.cpuNumber),
  cpuSpeed: String(size.cpuSpeed),
  memory: String(size.memory),
});

/** The VM's label in CloudStack's texts (VMInstanceVO.toString of the releases the Go clients know). */
export const vmLabel = (vm: Pick<Vm, 'instanceName'>) => `VM[User|${vm.instanceName}]`;

/** Hypervisors whose agents hot-change vCPUs and memory (docs/decisions.md: the seeds name VMware and XenServer). */
export const LIVE_SCALE_HYPERVISORS: ReadonlySet<string> = new Set(['KVM', 'Simulator']);

/** Memory (MiB) below which R-SCALE.6's guests may not be grown past while they run. */
export const LIVE_MEMORY_CEILING_3G = 3072;

export interface LiveScaleInput {
  vm: Pick<Vm, 'instanceName' | 'cpuNumber' | 'cpuSpeed' | 'memory' | 'bootMemory' | 'isDynamicallyScalable' | 'osTypeId'>;
  template: Pick<Template, 'name' | 'isDynamicallyScalable'>;
  /** the VM's offering now and the one it scales to */
  current: Pick<ServiceOffering, 'name' | 'dynamicScalingEnabled'>;
  next: Pick<ServiceOffering, 'name' | 'dynamicScalingEnabled'>;
  /** the size it scales to: sizeFor(next, details) */
  target: VmSize;
  /** the hypervisor of the host it runs on */
  hypervisor: string;
  /** enable.dynamic.scale.vm for the VM's zone */
  dynamicScaleEnabled: boolean;
  /** the hot-scale room its running domain was started with (VmSpec maxCpuNumber/maxMemory); none: it has none */
  ceilings: { maxCpuNumber: number; maxMemory: number } | undefined;
}

/**
 * Why the running VM may not be scaled to `target` in place or by live migration, or undefined when
 * it may. In CloudStack's order (hypervisor, offering flags, scale down, the zone's setting, the
 * VM's tools), then the template's tools, the OS type, the 3 GB rule and the domain's hot-scale room.
 */
export function liveScaleRefusal(input: LiveScaleInput): CloudStackError | undefined {
  const { vm, template, current, next, target } = input;
  const label = vmLabel(vm);
  if (!LIVE_SCALE_HYPERVISORS.has(input.hypervisor))
    return new InvalidParameterError(`Scaling the VM dynamically is not supported for VMs running on Hypervisor [${input.hypervisor}].`);
  if (next.dynamicScalingEnabled !== current.dynamicScalingEnabled)
    return new InvalidParameterError('Unable to Scale VM: since dynamic scaling enabled flag is not same for new service offering and old service offering');
  if (!current.dynamicScalingEnabled) return new InvalidParameterError(`Unable to scale ${label}: its service offering ${current.name} does not have dynamic scaling enabled`);

  // Only up while it runs: no value may shrink, and at least one must grow.
  const shrinks = target.cpuSpeed < vm.cpuSpeed || target.memory < vm.memory || target.cpuNumber < vm.cpuNumber;
  const same = target.cpuSpeed === vm.cpuSpeed && target.memory === vm.memory && target.cpuNumber === vm.cpuNumber;
  if (shrinks || same)
    return new InvalidParameterError(
      `While the VM is running, only scalling up it is supported. New service offering {"memory": ${target.memory}, "speed": ${target.cpuSpeed}, "cpu": ${target.cpuNumber}} should` +
        ` have at least one value (ram, speed or cpu) greater than the current values {"memory": ${vm.memory}, "speed": ${vm.cpuSpeed}, "cpu": ${vm.cpuNumber}}.`,
    );

  if (!input.dynamicScaleEnabled) return new PermissionDeniedError('Dynamically scaling virtual machines is disabled for this zone, please contact your admin.');
  if (vm.isDynamicallyScalable === false) return new InvalidParameterError(`Unable to scale ${label} as it does not have tools to support dynamic scaling.`);
  if (!template.isDynamicallyScalable) return new InvalidParameterError(`Unable to scale ${label} as its template ${template.name} does not have tools to support dynamic scaling.`);

  const os = osTypeById(vm.osTypeId);
  if (os?.noHotScale) return new InvalidParameterError(`Unable to scale ${label} while it runs: its OS type ${os.description} cannot add vCPUs or memory while it runs; stop it and change its service offering`);
  const booted = vm.bootMemory ?? vm.memory;
  if (os?.liveMemoryCeiling3G && booted < LIVE_MEMORY_CEILING_3G && target.memory > LIVE_MEMORY_CEILING_3G)
    return new InvalidParameterError(
      `Unable to scale ${label} to ${target.memory} MiB while it runs: it started with ${booted} MiB, and a ${os.description} guest started below ${LIVE_MEMORY_CEILING_3G} MiB can be scaled up to ${LIVE_MEMORY_CEILING_3G} MiB, but not more; stop it and change its service offering`,
    );

  const room = input.ceilings;
  if (!room) return new InvalidParameterError(`Unable to scale ${label} while it runs: it was started without room to add vCPUs or memory; stop and start it to scale it live`);
  if (target.cpuNumber > room.maxCpuNumber || target.memory > room.maxMemory)
    return new InvalidParameterError(
      `Unable to scale ${label} to ${target.cpuNumber} vCPUs and ${target.memory} MiB while it runs: it was started with room for at most ${room.maxCpuNumber} vCPUs and ${room.maxMemory} MiB; stop it and change its service offering`,
    );
  return undefined;
}
