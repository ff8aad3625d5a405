import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServiceOffering } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { toServiceOfferingResponse } from '../../views/infrastructure';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { NO_ROOT_STORAGE_TAGS, PUBLIC_OFFERING, refuseUnsupported, tagList } from '../offering-params';

const INT_MAX = 2147483647;

export default defineCommand({
  name: 'createServiceOffering',
  description: 'Creates a service offering.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'serviceoffering',
  related: ['listServiceOfferings', 'updateServiceOffering', 'deleteServiceOffering'],
  params: z.object({
    name: cs.string().meta({ description: 'the name of the service offering' }),
    displaytext: cs.string(4096).optional().meta({ description: 'The display text of the service offering, defaults to \'name\'.' }),
    cpunumber: cs.int().optional().meta({ description: 'the CPU number of the service offering' }),
    cpuspeed: cs.int().optional().meta({ description: 'the CPU speed of the service offering in MHz.' }),
    memory: cs.int().optional().meta({ description: 'the total memory of the service offering in MB' }),
    customized: cs.boolean().optional().meta({ description: 'Whether service offering size is custom or not', since: '4.13' }),
    mincpunumber: cs.int().optional().meta({ description: 'The minimum number of CPUs to be set with Custom Compute Offering', since: '4.13' }),
    maxcpunumber: cs.int().optional().meta({ description: 'The maximum number of CPUs to be set with Custom Compute Offering', since: '4.13' }),
    minmemory: cs.int().optional().meta({ description: 'The minimum memory size of the custom service offering in MB', since: '4.13' }),
    maxmemory: cs.int().optional().meta({ description: 'The maximum memory size of the custom service offering in MB', since: '4.13' }),
    offerha: cs.boolean().optional().meta({ description: 'the HA for the service offering' }),
    hosttags: cs.string(4096).optional().meta({ description: 'the host tag for this service offering.' }),
    storagetype: cs.string().optional().meta({ description: 'the storage type of the service offering. Values are local and shared.' }),
    dynamicscalingenabled: cs.boolean().optional().meta({ description: 'true if virtual machine needs to be dynamically scalable of cpu or memory', since: '4.16' }),
    provisioningtype: cs.string().optional().meta({ description: 'provisioning type used to create volumes. Valid values are thin, sparse, fat.' }),
    // Known to CloudStack, not acted on by Stratus: refused when given (refuseUnsupported below).
    tags: cs.string(4096).optional().meta({ description: 'the tags for this service offering (storage tags of its root disk)' }),
    limitcpuuse: cs.boolean().optional().meta({ description: 'restrict the CPU usage to committed service offering' }),
    isvolatile: cs.boolean().optional().meta({ description: 'true if the virtual machine needs to be volatile so that on every reboot of VM, original root disk is dettached then destroyed and a fresh root disk is created and attached to VM' }),
    issystem: cs.boolean().optional().meta({ description: 'is this a system vm offering' }),
    systemvmtype: cs.string().optional().meta({ description: 'the system VM type. Possible types are "domainrouter", "consoleproxy" and "secondarystoragevm".' }),
    domainid: cs.list(cs.uuid()).optional().meta({ description: 'the ID of the containing domain(s), null for public offerings' }),
    zoneid: cs.list(cs.uuid()).optional().meta({ description: 'the ID of the containing zone(s), null for public offerings', since: '4.13' }),
    networkrate: cs.int().optional().meta({ description: 'data transfer rate in megabits per second allowed. Supported only for non-System offering and system offerings having "domainrouter" systemvmtype' }),
    deploymentplanner: cs.string().optional().meta({ description: 'The deployment planner heuristics used to deploy a VM of this offering. If null, value of global config vm.deployment.planner is used' }),
    rootdisksize: cs.long().optional().meta({ description: 'the Root disk size in GB.', since: '4.15' }),
    diskofferingid: cs.uuid().optional().meta({ description: 'the ID of the disk offering to which service offering should be mapped', since: '4.17' }),
    customizediops: cs.boolean().optional().meta({ description: 'whether compute offering iops is custom or not', since: '4.4' }),
    miniops: cs.long().optional().meta({ description: 'min iops of the compute offering', since: '4.4' }),
    maxiops: cs.long().optional().meta({ description: 'max iops of the compute offering', since: '4.4' }),
    encryptroot: cs.boolean().optional().meta({ description: 'VMs using this offering require root volume encryption', since: '4.18' }),
    serviceofferingdetails: cs.map().optional().meta({ description: 'details for planner, used to store specific parameters', since: '4.2.0' }),
  }),
  async handle({ params, store, now }) {
    refuseUnsupported(params, {
      tags: NO_ROOT_STORAGE_TAGS,
      limitcpuuse: 'Stratus does not cap a VM at its offering\'s speed',
      isvolatile: 'Stratus does not recreate a VM\'s root disk at every reboot',
      issystem: 'Stratus has no system VMs',
      systemvmtype: 'Stratus has no system VMs',
      domainid: PUBLIC_OFFERING,
      zoneid: PUBLIC_OFFERING,
      networkrate: 'Stratus does not shape guest traffic',
      deploymentplanner: 'Stratus has one allocator (vm.allocation.algorithm)',
      rootdisksize: 'give rootdisksize at deploy',
      diskofferingid: 'a VM\'s ROOT volume takes its template\'s size or rootdisksize',
      customizediops: 'Stratus does not limit IOPS of ROOT volumes',
      miniops: 'Stratus does not limit IOPS of ROOT volumes',
      maxiops: 'Stratus does not limit IOPS of ROOT volumes',
      encryptroot: 'encrypted volumes are not supported',
      serviceofferingdetails: 'no offering details other than a custom offering\'s bounds (mincpunumber, ...)',
    });
    if (params.provisioningtype !== undefined && params.provisioningtype.toLowerCase() !== 'thin')
      throw new InvalidParameterError(`Provisioning type '${params.provisioningtype}' is not supported for service offerings: ROOT volumes are thin QCOW2 overlays of their template`);
    const name = params.name;
    if (name.length === 0) throw new InvalidParameterError('Failed to create service offering: specify the name that has non-zero length');
    const { cpunumber, cpuspeed, memory, mincpunumber, maxcpunumber, minmemory, maxmemory } = params;
    // CreateServiceOfferingCmd.isCustomized: absent, an offering without a vCPU number or memory is custom.
    const customized = params.customized ?? (cpunumber === undefined || memory === undefined);
    let shape: Pick<ServiceOffering, 'cpuNumber' | 'cpuSpeed' | 'memory' | 'isCustomized' | 'minCpuNumber' | 'maxCpuNumber' | 'minMemory' | 'maxMemory'>;
    // ConfigurationManagerImpl.createServiceOffering's checks, in its order and with its texts.
    if (customized) {
      if (cpunumber !== undefined || memory !== undefined) throw new InvalidParameterError('For creating a custom compute offering cpu and memory all should be null');
      const bounds = [maxcpunumber, mincpunumber, maxmemory, minmemory, cpuspeed];
      if (bounds.some((b) => b === undefined)) {
        if (bounds.some((b) => b !== undefined)) throw new InvalidParameterError('For creating a custom compute offering min/max cpu and min/max memory/cpu speed should all be null or all specified');
        shape = { cpuNumber: 1, cpuSpeed: 0, memory: 32, isCustomized: true }; // unconstrained: all three from details[] at deploy
      } else {
        if (cpuspeed! < 1) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the cpu speed value between 1 and ${INT_MAX}`);
        if (maxcpunumber! <= 0 || mincpunumber! <= 0) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the minimum or minimum cpu number value between 1 and ${INT_MAX}`);
        if (minmemory! < 32) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the memory value between 32 and ${INT_MAX} MB`);
        if (mincpunumber! > maxcpunumber! || minmemory! > maxmemory!) throw new InvalidParameterError(`Failed to create service offering ${name}: a minimum is above its maximum`);
        shape = { cpuNumber: mincpunumber!, cpuSpeed: cpuspeed!, memory: minmemory!, isCustomized: true, minCpuNumber: mincpunumber, maxCpuNumber: maxcpunumber, minMemory: minmemory, maxMemory: maxmemory };
      }
    } else {
      if (cpunumber === undefined || cpunumber <= 0) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the cpu number value between 1 and ${INT_MAX}`);
      if (cpuspeed === undefined || cpuspeed < 0) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the cpu speed value between 0 and ${INT_MAX}`);
      if (memory === undefined || memory < 32) throw new InvalidParameterError(`Failed to create service offering ${name}: specify the memory value between 32 and ${INT_MAX} MB`);
      if ([mincpunumber, maxcpunumber, minmemory, maxmemory].some((b) => b !== undefined)) throw new InvalidParameterError('Minimum and maximum CPU numbers and memory are for a custom offering only (customized=true)');
      shape = { cpuNumber: cpunumber, cpuSpeed: cpuspeed, memory };
    }
    const offerHa = params.offerha ?? false;
    const storageType = params.storagetype?.toLowerCase() ?? 'shared';
    if (storageType === 'local' && offerHa) throw new InvalidParameterError('HA offering with local storage is not supported. ');
    if (storageType !== 'local' && storageType !== 'shared') throw new InvalidParameterError(`Invalid storage type ${params.storagetype} specified, valid types are: 'local' and 'shared'`);
    const hostTags = tagList(params.hosttags);
    const offering: ServiceOffering = {
      id: randomUUID(),
      name,
      displayText: params.displaytext || name,
      ...shape,
      offerHa,
      ...(hostTags ? { hostTags } : {}),
      storageType,
      dynamicScalingEnabled: params.dynamicscalingenabled ?? true,
      created: now.toISOString(),
      version: 1,
    };
    await store.inventory.createServiceOffering(offering);
    return { kind: 'object', key: 'serviceoffering', value: toServiceOfferingResponse(offering) };
  },
});
