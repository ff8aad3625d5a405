import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { checkMigrationDestination, migrationSource } from '../migration-targets';
import { requireOperable, VM_CMD, vmForCaller } from '../vm-access';

/**
 * Live migration by the root admin (R-MIG.1): a Running VM (R-MIG.2) to another Up, Enabled host of
 * its own cluster (KVM, R-MIG.4), not on local storage. No hostid: the allocator picks one. A
 * destination without room makes the VM wait in Migrating for up to vm.migrate.capacity.wait
 * seconds (R-MIG.3), then it stays where it runs.
 */
export default defineCommand({
  name: 'migrateVirtualMachine',
  description: 'Attempts Migration of a VM to a different host or Root volume of the vm to a different storage pool',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'the ID of the virtual machine' }),
    hostid: cs.uuid().optional().meta({ description: 'Destination Host ID to migrate VM to.' }),
    autoselect: cs.boolean().optional().meta({ description: 'Automatically select a destination host which do not require storage migration, if hostId and storageId are not specified. false by default', since: '4.16.0' }),
    storageid: cs.uuid().optional().meta({ description: 'Destination storage pool ID to migrate VM volumes to. Required for migrating the root disk volume' }),
  }),
  async handle({ params, caller, store, jobs, command, now }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    if (params.storageid) throw new InvalidParameterError("Storage migration is not supported: a VM's disks stay on its cluster's shared storage");
    requireOperable(vm, ['Running'], 'migrate');
    let source;
    if (params.hostid) {
      const checked = await checkMigrationDestination(store, vm, params.hostid, command);
      // Short of room: the migration waits for it (R-MIG.3). Tags, affinity or the guest limit: refused now.
      const reason = checked.ruledOut?.reason;
      if (reason && reason !== 'cpu' && reason !== 'memory') throw new InvalidParameterError(`Cannot migrate VM ${vm.name} to host ${checked.destination.name}: ${checked.ruledOut!.detail}`);
      source = checked.source;
    } else {
      source = (await migrationSource(store, vm)).source;
    }
    const destinationHostId = params.hostid;
    const waitSeconds = await store.settings.getNumber('vm.migrate.capacity.wait');
    const at = now;
    return jobs.startOnVm({
      workflow: 'migrate-vm',
      cmd: VM_CMD('MigrateVMCmd', true),
      eventType: 'VM.MIGRATE',
      caller,
      vm,
      set: { state: 'Migrating', lastUpdated: at.toISOString() },
      input: { sourceHostId: source.id, destination: destinationHostId ? { hostId: destinationHostId, chosen: false } : { chosen: false }, notify: {}, waitUntil: new Date(at.getTime() + waitSeconds * 1000).toISOString() },
    });
  },
});
