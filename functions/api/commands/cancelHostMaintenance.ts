import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { newEvent } from '../../../core/events';
import { finishedJob } from '../../store/jobs';
import { hostResponseOf } from '../../views/host';
import { cs } from '../params';
import { defineCommand } from '../define-command';

const IN_MAINTENANCE = new Set(['PrepareForMaintenance', 'Maintenance', 'ErrorInMaintenance']);

/**
 * CancelMaintenanceCmd: the host is Enabled again and takes new VMs. A drain still running stops
 * starting migrations (those under way finish) and leaves the host Enabled. VMs moved off it are
 * not moved back (002 says they are, 003 that an administrator may move them back by hand; we
 * follow 003, as CloudStack does). The job is born done.
 */
export default defineCommand({
  name: 'cancelHostMaintenance',
  description: 'Cancels host maintenance.',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'host',
  params: z.object({
    id: cs.uuid().meta({ description: 'the host ID' }),
  }),
  async handle({ params, caller, store, command, now }) {
    const host = await store.hosts.get(params.id, true);
    if (!host) throw new EntityNotFoundError(command, 'id', params.id);
    if (!IN_MAINTENANCE.has(host.resourceState)) throw new InvalidParameterError(`Host ${host.name} is ${host.resourceState}, not in maintenance: there is no maintenance to cancel`);
    const updated = { ...host, resourceState: 'Enabled' as const, maintenanceReason: undefined, version: host.version + 1 };
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.admin.host.CancelMaintenanceCmd',
      eventType: 'MAINT.CANCEL',
      caller,
      instanceType: 'Host',
      instanceId: host.id,
      result: { host: await hostResponseOf(store, updated) },
      at: now,
    });
    await store.maintenance.cancel(host, await store.jobs.completedOperations(job));
    await store.events.record(newEvent({ type: 'MAINT.CANCEL', caller, description: `Cancelled the maintenance of host ${host.name}: it was ${host.resourceState}, it is Enabled`, resource: { type: 'Host', id: host.id, name: host.name }, jobId: job.id }), now);
    return { kind: 'async', jobid: job.id, id: host.id };
  },
});
