import { z } from 'zod';
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
    // The start re-applies the stored configuration (R-LIFE.9): StartOnHost builds the domain from the VM item as it is then.
    const placement = { podId: params.podid, clusterId: params.clusterid, hostId: params.hostid };
    return jobs.startOnVm({
      workflow: 'start-vm',
      cmd: VM_CMD('StartVMCmd'),
      eventType: 'VM.START',
      caller,
      vm,
      set: { state: 'Starting', lastUpdated: now.toISOString() },
      input: { placement: Object.fromEntries(Object.entries(placement).filter(([, v]) => v !== undefined)) }, // ASL input: no undefined
    });
  },
});
