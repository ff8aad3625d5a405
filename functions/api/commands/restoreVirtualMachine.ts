import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { volumesOf } from '../../store/storage';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { imageStatus, isReady, usableBy } from '../../../core/templates';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { refuseUnsupported } from '../offering-params';
import { refuseWithSnapshots } from '../vm-snapshot-access';
import { requireOperable, VM_CMD, vmForCaller } from '../vm-access';

/**
 * restoreVirtualMachine (UserVmManagerImpl.restoreVM; workflows/restore-vm.asl.json): a new ROOT
 * volume from the VM's template, or from `templateid`, replaces the old one, whose file is removed; a
 * running VM is powered off and started again on its host, a stopped one stays stopped. R-IMG.2: a
 * VM from a template takes a template, never an ISO. Data disks stay as they are.
 */
export default defineCommand({
  name: 'restoreVirtualMachine',
  responseName: 'restorevmresponse',
  description: 'Restore a VM to original template/ISO or new template/ISO',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  related: ['deployVirtualMachine', 'listTemplates'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'Virtual Machine ID' }),
    templateid: cs.uuid().optional().meta({ description: 'an optional template Id to restore VM from the new template. This can be an ISO id in case of restore vm deployed using ISO' }),
    expunge: cs.boolean().optional().meta({ description: 'Optional field to expunge old root volume after restore; Stratus always removes it', since: '4.19.0' }),
    diskofferingid: cs.uuid().optional().meta({ description: 'Override root volume\'s diskoffering (not supported)', since: '4.19.0' }),
    rootdisksize: cs.long().optional().meta({ description: 'Override root volume\'s size (not supported)', since: '4.19.0' }),
    details: cs.map().optional().meta({ description: 'used to specify the custom parameters (not supported)', since: '4.19.0' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    refuseUnsupported(params, {
      diskofferingid: 'the new ROOT volume keeps the old one\'s disk offering',
      rootdisksize: 'the new ROOT volume has the template\'s size, or the old one\'s if larger; resize it with resizeVolume',
      details: 'a restore changes no VM details',
    });
    if (params.expunge === false) throw new InvalidParameterError('Parameter expunge=false is not supported: a restore always removes the old ROOT volume');
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    if (vm.state !== 'Running' && vm.state !== 'Stopped' && vm.state !== 'Allocated')
      throw new InvalidParameterError(`Vm ${vm.id} currently in ${vm.state} state, restore vm can only execute when VM in Running or Stopped`);
    requireOperable(vm, ['Running', 'Stopped', 'Allocated'], 'restore');
    refuseWithSnapshots(vm, 'Unable to restore VM, please remove VM snapshots before restoring VM');
    if (vm.volumeIds === undefined) throw new InvalidParameterError(`VM ${vm.name} was made before storage: it has no ROOT volume to restore`);

    const templateId = params.templateid ?? vm.templateId;
    const template = await store.templates.get(templateId, true);
    if (!template || template.removed || !usableBy(template, { caller, ownerAccountId: vm.accountId })) throw new EntityNotFoundError(command, 'templateid', templateId);
    if (template.format === 'ISO') throw new InvalidParameterError(`Cannot restore VM ${vm.name} from ISO ${template.name}: it was deployed from a template, and a template cannot change to an ISO`);
    if (!isReady(template)) throw new InvalidParameterError(`Template ${template.name} is not ready to restore from: ${imageStatus(template)}`);
    if (template.zoneId && template.zoneId !== vm.zoneId) throw new InvalidParameterError(`Template ${template.name} is not available in the zone of VM ${vm.name}`);

    // The new ROOT takes the template's size if larger (swapRootVolume): the growth is met against the
    // primary storage limit now, before the VM is powered off, as CloudStack checks it.
    const oldRoot = (await volumesOf(store.storage, vm)).find((v) => v.type === 'ROOT');
    if (oldRoot && template.size > oldRoot.size) await store.limits.assertRoom(vm, { primary_storage: template.size - oldRoot.size });
    const running = vm.state === 'Running';
    const started = await jobs.startOnVm({
      workflow: 'restore-vm',
      cmd: VM_CMD('RestoreVMCmd'),
      eventType: 'VM.RESTORE',
      caller,
      vm,
      set: { lastUpdated: now.toISOString() },
      input: { hostId: running ? (vm.hostId ?? '') : '', wasRunning: running, templateId: template.id, newVolumeId: randomUUID() },
    });
    return { kind: 'async', jobid: started.jobid, id: vm.id };
  },
});
