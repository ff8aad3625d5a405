import { z } from 'zod';
import { ConcurrentOperationError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { requireOperable, VM_CMD, vmForCaller } from '../vm-access';

export default defineCommand({
  name: 'startVirtualMachine',
  description: 'Starts a virtual machine.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine' }),
    podid: cs.uuid().optional().meta({ description: 'destination Pod ID to deploy the VM to - parameter available for root admin only', since: '4.13', roles: ['rootAdmin'] }),
    clusterid: cs.uuid().optional().meta({ description: 'destination Cluster ID to deploy the VM to - parameter available for root admin only', since: '4.13', roles: ['rootAdmin'] }),
    hostid: cs.uuid().optional().meta({ description: 'destination Host ID to deploy the VM to - parameter available for root admin only', since: '3.0.1', roles: ['rootAdmin'] }),
  }),
  async handle({ params, caller, store, jobs, command, now }) {
    const vm = await vmForCaller(store, caller, params.id, command);
    requireOperable(vm, ['Stopped', 'Allocated'], 'start');
    // Never two running copies: a VM the HA monitor stopped on a Down host without proof it is off
    // starts again only once that host is back Up (its agent stopped it first) or deleted.
    if (vm.mayStillRunOn) {
      const host = await store.hosts.get(vm.mayStillRunOn, true);
      if (host && host.state !== 'Up')
        throw new ConcurrentOperationError(`VM ${vm.name} (${vm.id}) may still be running on host ${host.name}, which is ${host.state} and has not confirmed it off; it can be started once that host is back or deleted`);
    }
    // The start re-applies the stored configuration (R-LIFE.9): StartOnHost builds the domain from the VM item as it is then.
    const placement = { podId: params.podid, clusterId: params.clusterid, hostId: params.hostid };
    return jobs.startOnVm({
      workflow: 'start-vm',
      cmd: VM_CMD('StartVMCmd'),
      eventType: 'VM.START',
      caller,
      vm,
      set: { state: 'Starting', lastUpdated: now.toISOString() },
      remove: ['mayStillRunOn'],
      input: { placement: Object.fromEntries(Object.entries(placement).filter(([, v]) => v !== undefined)) }, // ASL input: no undefined
    });
  },
});
