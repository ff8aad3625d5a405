import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { VmSnapshot } from '../../../core/entities';
import { ConcurrentOperationError, InvalidParameterError } from '../../../core/errors';
import { createRefusal, limitRefusal, nextSnapshotStamp, vmSnapshotName } from '../../../core/vm-snapshots';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';
import { refuseBusy, snapshotHost, VM_SNAPSHOT_CMD } from '../vm-snapshot-access';

/** CloudStack's CreateVMSnapshotCmd wraps what its manager refuses at run time in this prefix. */
const FAILED = 'Failed to create vm snapshot: ';

export default defineCommand({
  name: 'createVMSnapshot',
  description: 'Creates snapshot for a vm.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'vmsnapshot',
  related: ['listVMSnapshot', 'revertToVMSnapshot', 'deleteVMSnapshot'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'The ID of the vm' }),
    name: cs.string().max(255).optional().meta({ description: 'The display name of the snapshot' }),
    description: cs.string().max(1024).optional().meta({ description: 'The description of the snapshot' }),
    snapshotmemory: cs.boolean().optional().meta({ description: 'snapshot memory if true' }),
    // A memory snapshot is consistent as it is, and a stopped VM's disks are at rest: both quiesced by nature.
    quiescevm: cs.boolean().optional().meta({ description: 'quiesce vm if true; Stratus snapshots a running VM with its memory and a stopped one at rest, consistent either way' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    const memory = params.snapshotmemory ?? false;
    const refused = createRefusal(vm, memory);
    if (refused) throw new InvalidParameterError(refused);
    const overLimit = limitRefusal(vm, await store.settings.getNumber('vmsnapshot.max'));
    if (overLimit) throw new ConcurrentOperationError(`${FAILED}${overLimit}`);
    await refuseBusy(store, vm, FAILED);
    const hostId = await snapshotHost(store, vm);
    const stamp = nextSnapshotStamp(vm.lastVmSnapshotAt, now);
    const name = vmSnapshotName(vm.instanceName, stamp);
    const snapshot: VmSnapshot = {
      id: randomUUID(),
      name,
      displayName: params.name ?? name,
      ...(params.description ? { description: params.description } : {}),
      type: memory ? 'DiskAndMemory' : 'Disk',
      state: 'Creating',
      quiesce: params.quiescevm ?? false,
      ...(vm.currentVmSnapshotId ? { parentId: vm.currentVmSnapshotId } : {}),
      vmId: vm.id,
      accountId: vm.accountId,
      accountName: (await store.inventory.getAccount(vm.accountId))?.name ?? '',
      domainId: vm.domainId,
      domainPath: vm.domainPath,
      zoneId: vm.zoneId,
      serviceOfferingId: vm.serviceOfferingId,
      created: now.toISOString(),
      version: 1,
    };
    // The record and the VM's list of snapshots with the job: a second create races on the VM's version.
    const started = await jobs.startOnVm({
      workflow: 'create-vm-snapshot',
      cmd: VM_SNAPSHOT_CMD('CreateVMSnapshotCmd'),
      eventType: 'VMSNAPSHOT.CREATE',
      caller,
      vm,
      set: { vmSnapshotIds: [...(vm.vmSnapshotIds ?? []), snapshot.id], lastVmSnapshotAt: stamp.toISOString(), lastUpdated: now.toISOString() },
      also: store.vmSnapshots.createOperations(snapshot),
      input: { vmSnapshotId: snapshot.id, hostId, vmState: vm.state, timeoutSeconds: await store.settings.getNumber('vmsnapshot.create.wait') },
    });
    return { jobid: started.jobid, id: snapshot.id };
  },
});
