import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { AffinityGroup } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError, PermissionDeniedError } from '../../../core/errors';
import { recordAffinityEvent } from '../../store/affinity';
import { finishedJob } from '../../store/jobs';
import { busyError } from '../../store/jobs';
import { createLookups } from '../../views/lookups';
import { toVirtualMachineResponse } from '../../views/virtualMachine';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { shownState, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'updateVMAffinityGroup',
  description: 'Updates the affinity/anti-affinity group associations of an Instance. The Instance has to be stopped and restarted for the new properties to take effect.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  responseName: 'updatevirtualmachineresponse', // CloudStack's UpdateVMAffinityGroupCmd answers under this name
  related: ['createAffinityGroup', 'listAffinityGroups'],
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the Instance' }),
    affinitygroupids: cs.list(cs.uuid()).optional().meta({ description: 'comma separated list of affinity groups id that are going to be applied to the Instance. Mutually exclusive with affinitygroupnames parameter' }),
    affinitygroupnames: cs.list(cs.string()).optional().meta({ description: 'comma separated list of affinity groups names that are going to be applied to the Instance. Mutually exclusive with affinitygroupids parameter' }),
  }),
  async handle({ params, caller, store, now, command }) {
    if (params.affinitygroupids && params.affinitygroupnames) throw new InvalidParameterError('affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter');
    if (!params.affinitygroupids && !params.affinitygroupnames) throw new InvalidParameterError('affinitygroupids parameter or affinitygroupnames parameter must be given');
    const vm = await vmForCaller(store, caller, params.id, command);
    if (vm.activeJobId) throw busyError(vm, vm.activeJobId);
    // The new groups apply at the next start (R-ALLOC.8), so a VM that holds a host cannot change them.
    if (vm.state !== 'Stopped' && vm.state !== 'Allocated') // Allocated: deployed with startvm=false, shown as Stopped
      throw new InvalidParameterError(
        `Unable update affinity groups of the virtual machine VM[User|${vm.instanceName}] in state ${shownState(vm.state)}; make sure the virtual machine is stopped and not in an error state before updating.`,
      );

    let groups: AffinityGroup[];
    if (params.affinitygroupnames) {
      const owner = await store.inventory.getAccount(vm.accountId);
      groups = await Promise.all(
        params.affinitygroupnames.map(async (name) => {
          const g = await store.affinity.findByName(vm.accountId, name);
          if (!g) throw new InvalidParameterError(`Unable to find group by name ${name} for account ${owner?.name ?? vm.accountId}`);
          return g;
        }),
      );
    } else {
      groups = await Promise.all(
        params.affinitygroupids!.map(async (id) => {
          const g = await store.affinity.get(id);
          if (!g || !canAccess(caller, g)) throw new EntityNotFoundError(command, 'affinitygroupids', id);
          return g;
        }),
      );
    }
    for (const g of groups) if (g.accountId !== vm.accountId) throw new PermissionDeniedError(`Affinity Group ${g.name} does not belong to the VM's account`);

    const ids = [...new Set(groups.map((g) => g.id))];
    const at = now.toISOString();
    const updated = { ...vm, affinityGroupIds: ids, lastUpdated: at, version: vm.version + 1 };
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.user.affinitygroup.UpdateVMAffinityGroupCmd',
      eventType: 'VM.AG.UPDATE',
      caller,
      instanceType: 'VirtualMachine',
      instanceId: vm.id,
      result: { virtualmachine: await toVirtualMachineResponse(updated, createLookups(store), 'full') },
      at: now,
    });
    await store.affinity.setMembership(vm, ids, store.vms, job);
    await recordAffinityEvent(store.events, job, `Updated the affinity groups of VM ${vm.name} (${vm.id}) to ${groups.map((g) => g.name).join(', ') || 'none'}`);
    return { kind: 'async', jobid: job.id, id: vm.id };
  },
});
