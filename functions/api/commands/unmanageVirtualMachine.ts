import { z } from 'zod';
import type { Host, StoragePool, Vm } from '../../../core/entities';
import { EntityNotFoundError, OperationRefusedError } from '../../../core/errors';
import { poolReaches } from '../../../core/storage';
import type { Store } from '../../store';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { VM_CMD } from '../vm-access';

/**
 * unmanageVirtualMachine (UnmanagedVMsManagerImpl.unmanageVMInstance, 4.22 for KVM;
 * workflows/unmanage-vm.asl.json): Stratus lets a VM go and leaves its domain on its host as it is,
 * persistent and without Stratus's metadata (R-UNM.5). CloudStack's preconditions in its order and
 * texts, each a 530 as its command answers them; checked before the job starts, so a refused unmanage
 * leaves no failed job behind. Stratus has no volume snapshots and no config drive yet, so refusals
 * 6, 7 and 10 cannot arise and `forced` changes nothing.
 */
export default defineCommand({
  name: 'unmanageVirtualMachine',
  description: 'Unmanage a guest virtual machine.',
  access: ['rootAdmin'],
  async: true,
  related: ['listUnmanagedInstances', 'importUnmanagedInstance'],
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the virtual machine to unmanage' }),
    hostid: cs.uuid().optional().meta({ description: 'ID of the host which will be used for unmanaging the Instance. Applicable only for KVM hypervisor and stopped Instances. Domain XML will be stored on this host.', since: '4.22.0' }),
    forced: cs.boolean().optional().meta({ description: 'Force unmanaging Instance with config drive (Stratus has no config drive: it changes nothing)', since: '4.22.0' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const vm = await store.vms.get(params.id, true);
    if (!vm) throw new EntityNotFoundError(command, 'id', params.id);
    if (vm.state === 'Expunged') throw new OperationRefusedError('Could not find VM to unmanage, it is either removed or not existing VM');
    if (vm.state !== 'Running' && vm.state !== 'Stopped') throw new OperationRefusedError(`VM with id = ${vm.id} must be running or stopped to be unmanaged`);
    if (params.hostid && vm.state === 'Running') throw new OperationRefusedError('Param hostid is only supported for KVM hypervisor for stopped Instances.');
    if (vm.isoId) throw new OperationRefusedError(`Cannot unmanage VM with id = ${vm.id} as there is an ISO attached. Please detach ISO before unmanaging.`);
    if (vm.activeJobId || vm.migration || vm.pendingScale || vm.haRestartPending) throw new OperationRefusedError(`There are pending jobs or HA tasks working on the VM: ${vm.instanceName}, can't unmanage the VM.`);

    // What its release writes (functions/steps/finishUnmanage.ts), bounded before the domain is touched: DynamoDB takes 100 writes at most.
    const records = 2 * (vm.volumeIds?.length ?? 0) + (vm.vmSnapshotIds?.length ?? 0) + Object.keys(vm.tags ?? {}).length + 2 * vm.nics.length;
    if (records + 50 > 100) throw new OperationRefusedError(`VM ${vm.name} has too many volumes, VM snapshots, tags and NICs (${records} records) to unmanage in one step: delete its VM snapshots first`);
    const root = vm.volumeIds?.[0] ? await store.storage.getVolume(vm.volumeIds[0], true) : undefined;
    if (root?.state === 'Allocated') throw new OperationRefusedError(`VM ${vm.name} (${vm.id}) has never been started: no host has its domain or its disks to leave behind; destroy it instead`);
    const pool = root?.poolId ? await store.storage.getPool(root.poolId) : undefined;
    const host = vm.state === 'Running' ? await store.hosts.get(vm.hostId ?? '', true) : await hostToDefineOn(store, vm, pool, params.hostid, command);
    if (!host) throw new OperationRefusedError(`No available host to persist domain XML for Instance: ${vm.instanceName}`);

    const started = await jobs.startOnVm({
      workflow: 'unmanage-vm',
      cmd: VM_CMD('UnmanageVMInstanceCmd', true),
      eventType: 'VM.UNMANAGE',
      caller,
      vm,
      set: { lastUpdated: now.toISOString() },
      input: {
        hostId: host.id,
        stateBefore: vm.state,
        undefineOnFailure: vm.state === 'Stopped' && host.id !== vm.lastHostId,
        // Left on another host than its last: the last one's definition (Stratus's) goes first, so the domain is defined once.
        lastHostId: vm.state === 'Stopped' && vm.lastHostId && host.id !== vm.lastHostId && (await store.hosts.get(vm.lastHostId))?.state === 'Up' ? vm.lastHostId : '',
      },
    });
    return { kind: 'async', jobid: started.jobid };
  },
});

/** Whether a host reaches a pool: its zone's, its cluster's, or its own. No pool: a VM made before storage, whose disk is on its last host. */
function reaches(host: Host, pool: StoragePool | undefined, vm: Vm): boolean {
  return pool ? poolReaches(pool, host) : host.id === vm.lastHostId;
}

/**
 * Where a stopped VM's domain is left (4.22: `hostid`, else the last host, else any host of the
 * cluster): an Up host that reaches its ROOT volume's pool, so the definition names disks it can open.
 */
async function hostToDefineOn(store: Store, vm: Vm, pool: StoragePool | undefined, hostId: string | undefined, command: string): Promise<Host | undefined> {
  if (hostId) {
    const host = await store.hosts.get(hostId, true);
    if (!host) throw new EntityNotFoundError(command, 'hostid', hostId);
    if (host.state !== 'Up' || host.resourceState !== 'Enabled') throw new OperationRefusedError(`Host ${host.name} is ${host.state} (${host.resourceState}): the domain of VM ${vm.name} can only be left on an Up, enabled host`);
    if (!reaches(host, pool, vm)) throw new OperationRefusedError(`Host ${host.name} cannot reach ${pool ? `storage pool ${pool.name}` : `the disk of VM ${vm.name} (on its last host's default pool)`}, where VM ${vm.name}'s ROOT volume is`);
    return host;
  }
  const last = vm.lastHostId ? await store.hosts.get(vm.lastHostId, true) : undefined;
  if (last?.state === 'Up' && reaches(last, pool, vm)) return last;
  return pool ? store.hosts.upHostReaching(pool) : undefined;
}
