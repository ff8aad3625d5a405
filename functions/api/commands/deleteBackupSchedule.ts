import { z } from 'zod';
import { ConcurrentOperationError, OperationRefusedError } from '../../../core/errors';
import { backupProviderFor } from '../../backups';
import { scheduleForCaller } from '../backup-schedules';
import { recordVmEvent } from '../../vm-events';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { vmForCaller } from '../vm-access';

/** deleteBackupSchedule: one schedule by `id`, or all of a VM's by `virtualmachineid`, in one transaction. */
export default defineCommand({
  name: 'deleteBackupSchedule',
  description: 'Deletes the backup schedule of a VM',
  since: '4.14.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  related: ['createBackupSchedule', 'listBackupSchedule'],
  params: z.object({
    virtualmachineid: cs.uuid().optional().meta({ description: 'ID of the VM' }),
    id: cs.uuid().optional().meta({ description: 'ID of the schedule', since: '4.20.1' }),
  }),
  async handle({ params, store, caller, command, now }) {
    // CloudStack's DeleteBackupScheduleCmd answers every refusal as 530.
    if (!params.virtualmachineid && !params.id) throw new OperationRefusedError('Either instance ID or ID of backup schedule needs to be specified.');
    const one = params.id ? await scheduleForCaller(store, caller, params.id) : undefined;
    const vm = await vmForCaller(store, caller, one?.vmId ?? params.virtualmachineid!, command, one ? 'id' : 'virtualmachineid');
    await backupProviderFor(store, vm.zoneId);
    const schedules = one ? [one] : await store.backups.schedulesOfVm(vm.id);
    if (!schedules.length) return { kind: 'success' };
    await store.backups.transact(store.backups.deleteSchedulesOperations(schedules), () => new ConcurrentOperationError(`A backup schedule of VM ${vm.name} changed while it was being deleted; try again`));
    if (schedules.length) await recordVmEvent(store, { type: 'BACKUP.SCHEDULE.DELETE', actor: caller, vm, ok: true, text: `Backup schedule(s) ${schedules.map((s) => s.intervalType).join(', ')} of VM ${vm.name} deleted` }, now).catch(() => undefined);
    return { kind: 'success' };
  },
});
