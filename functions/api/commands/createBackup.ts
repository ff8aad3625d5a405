import { z } from 'zod';
import { whyProviderCannot } from '../../../core/backup';
import { InvalidParameterError, OperationRefusedError } from '../../../core/errors';
import { backupProviderFor, startBackup } from '../../backups';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

/**
 * createBackup (workflows/backup-vm.asl.json, started by functions/backups.ts as the backup
 * scheduler starts its runs): a backup of the VM by its offering's provider; the VM keeps its state
 * whatever happens.
 */
export default defineCommand({
  name: 'createBackup',
  description: 'Create VM backup',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'backup',
  related: ['listBackups', 'deleteBackup', 'restoreBackup'],
  params: z.object({
    virtualmachineid: cs.uuid().meta({ description: 'ID of the VM' }),
    name: cs.string().optional().meta({ description: 'the name of the backup', since: '4.21.0' }),
    description: cs.string().optional().meta({ description: 'the description for the backup', since: '4.21.0' }),
    quiescevm: cs.boolean().optional().meta({ description: 'Quiesce the instance before checkpointing the disks for backup. Applicable only to NAS backup provider.', since: '4.21.0' }),
  }),
  async handle({ params, store, caller, command, jobs, now }) {
    const vm = await vmForCaller(store, caller, params.virtualmachineid, command, 'virtualmachineid');
    const provider = await backupProviderFor(store, vm.zoneId);
    if (!vm.backupOfferingId) throw new OperationRefusedError('VM has not backup offering configured, cannot create backup before assigning it to a backup offering');
    const offering = await store.backups.getOffering(vm.backupOfferingId, true);
    if (!offering) throw new OperationRefusedError('VM has not backup offering configured, cannot create backup before assigning it to a backup offering');
    if (caller.role !== 'rootAdmin' && !offering.allowUserDrivenBackups) throw new OperationRefusedError('The assigned backup offering does not allow ad-hoc user backup');
    if (params.quiescevm && offering.provider !== 'nas') throw new InvalidParameterError('Quiesce VM option is supported only for NAS backup provider');
    const cannot = whyProviderCannot(offering, provider);
    if (cannot) throw new OperationRefusedError(cannot);
    if (vm.state !== 'Running' && vm.state !== 'Stopped') throw new OperationRefusedError(`VM ${vm.name} is ${vm.state}: only a Running or Stopped VM is backed up`);
    const started = await startBackup(store, jobs, { vm, offering, provider, caller, name: params.name, description: params.description, quiesce: params.quiescevm }, now);
    return { jobid: started.jobid, id: started.backup.id };
  },
});
