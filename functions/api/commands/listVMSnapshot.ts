import { z } from 'zod';
import type { VmSnapshot } from '../../../core/entities';
import { vmSnapshotVmPartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toVmSnapshotResponse } from '../../views/vmSnapshot';
import { cs } from '../params';
import { whereTagged } from '../tag-filter';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'listVMSnapshot',
  description: 'List virtual machine snapshot by conditions',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  // CloudStack's ListVMSnapshotCmd names its items in camelCase.
  responseKey: 'vmSnapshot',
  related: ['createVMSnapshot'],
  params: z.object({
    vmsnapshotid: cs.uuid().optional().meta({ description: 'The ID of the VM snapshot' }),
    vmsnapshotids: cs.list(cs.uuid()).optional().meta({ description: 'the IDs of the vm snapshots, mutually exclusive with vmsnapshotid', since: '4.9' }),
    virtualmachineid: cs.uuid().optional().meta({ description: 'the ID of the vm' }),
    name: cs.string().optional().meta({ description: 'lists snapshot by snapshot name or display name' }),
    state: cs.string().optional().meta({ description: 'state of the virtual machine snapshot' }),
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller, command } = ctx;
    const ids = params.vmsnapshotid ? [params.vmsnapshotid] : params.vmsnapshotids;
    const scope = await resolveScope(ctx, params, ids?.[0]);
    const where = new Conditions();
    let source = await scopePartitions(store, 'VMSNAPSHOT', scope, where, ids?.[0]);
    if (ids && ids.length > 1) source = { ...source, partitions: ids };
    else if (params.virtualmachineid && !ids) {
      // A VM's snapshots: one small partition, seen by whoever may see the VM.
      await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
      source = { index: 'gsi4' as const, partitions: [vmSnapshotVmPartition(params.virtualmachineid)] };
    }
    where.eq('vmId', params.virtualmachineid).eq('state', params.state).contains('text', params.keyword?.toLowerCase());
    if (params.name) where.or((c) => c.eq('name', params.name), (c) => c.eq('displayName', params.name));
    whereTagged(where, params.tags);
    const lookups = createLookups(store);
    return pageOf<VmSnapshot>(store, 'vmSnapshot', { ...source, filter: where.build(), countFrom: where.empty && source.index !== 'gsi4' ? (c) => c.n : undefined }, params, (s) => toVmSnapshotResponse(s, lookups));
  },
});
