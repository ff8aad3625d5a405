import { z } from 'zod';
import { vmForCaller } from '../vm-access';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { Conditions } from '../../store/listing';
import type { ServiceOffering } from '../../../core/entities';
import { toServiceOfferingResponse } from '../../views/infrastructure';

export default defineCommand({
  name: 'listServiceOfferings',
  description: 'Lists all available service offerings.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'serviceoffering',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'ID of the service offering' }),
    name: cs.string().optional().meta({ description: 'name of the service offering' }),
    zoneid: cs.uuid().optional().meta({ description: 'id of zone disk offering is associated with' }),
    issystem: cs.boolean().optional().meta({ description: 'is this a system vm offering' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'the ID of the Instance. Pass this in if you want to see the available service offering that an Instance can be changed to.' }),
    cpunumber: cs.int().optional().meta({ description: 'the CPU number that listed offerings must support', since: '4.15' }),
    memory: cs.int().optional().meta({ description: 'the RAM memory that listed offering must support', since: '4.15' }),
    cpuspeed: cs.int().optional().meta({ description: 'the CPU speed that listed offerings must support', since: '4.15' }),
    state: cs.string().optional().meta({ description: 'Filter by state of the service offering. Defaults to Active. If set to all shows both Active & Inactive offerings (Stratus has no inactive ones).', since: '4.19' }),
    storagetype: cs.string().optional().meta({ description: 'the storage type of the service offering: shared or local', since: '4.19' }),
    ...listParams,
  }),
  refused: {
    domainid: 'every service offering is public',
    isrecursive: 'every service offering is public',
    systemvmtype: 'Stratus has no system VMs',
    encryptroot: 'volume encryption is not supported',
    templateid: 'any offering deploys any template',
    gpuenabled: 'GPUs are not supported',
    vgpuprofileid: 'GPUs are not supported',
    projectid: 'projects are not supported',
  },
  async handle({ params, store, caller, command }) {
    // A deleted offering stays for the VMs made from it, but is no longer listed.
    const where = new Conditions().named(params.name).contains('text', params.keyword?.toLowerCase()).absent('removed');
    if (params.issystem) where.in('id', []); // Stratus has no system VMs, so no system offerings
    const state = params.state?.toLowerCase();
    if (state !== undefined && state !== 'active' && state !== 'all') where.in('id', []); // none is Inactive
    if (params.storagetype !== undefined) where.in('storageType', ['shared', 'local'].filter((t) => t === params.storagetype!.toLowerCase()));
    // Offerings that can run this size: fixed ones of it, custom ones whose bounds hold it (or unbounded ones).
    const fits = (field: 'cpuNumber' | 'memory', min: 'minCpuNumber' | 'minMemory', max: 'maxCpuNumber' | 'maxMemory', value: number | undefined) => {
      if (value === undefined) return;
      where.or(
        (c) => c.absent('isCustomized').eq(field, value),
        (c) => c.or((x) => x.eq('isCustomized', false).eq(field, value), (x) => x.eq('isCustomized', true).or((u) => u.absent(min), (b) => b.compare(min, '<=', value).compare(max, '>=', value))),
      );
    };
    fits('cpuNumber', 'minCpuNumber', 'maxCpuNumber', params.cpunumber);
    fits('memory', 'minMemory', 'maxMemory', params.memory);
    if (params.cpuspeed !== undefined) where.or((c) => c.eq('cpuSpeed', params.cpuspeed), (c) => c.eq('cpuSpeed', 0)); // 0: the speed is given at deploy
    if (params.virtualmachineid) {
      // What the VM may change to: not its own offering, and of its offering's storage type.
      const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      const current = await store.inventory.getServiceOffering(vm.serviceOfferingId);
      where.notIn('id', [vm.serviceOfferingId]);
      if (current) where.eq('storageType', current.storageType);
    }
    // In creation order, as CloudStack lists offerings (sort key, then id ascending): the first is the seed's smallest.
    return pageOf<ServiceOffering>(store, 'serviceoffering', { ...catalogueSource('OFFERING', params.id), filter: where.build() }, params, toServiceOfferingResponse);
  },
});
