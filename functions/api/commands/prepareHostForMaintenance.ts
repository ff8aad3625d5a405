import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/**
 * PrepareForMaintenanceCmd: the host leaves the pool for new VMs at once (PrepareForMaintenance),
 * and workflows/host-maintenance.asl.json live-migrates every VM on it to other hosts of its cluster;
 * it ends in Maintenance, or in ErrorInMaintenance naming the VMs that could not move and why (they
 * keep running where they are). One maintenance job per host at a time.
 */
export default defineCommand({
  name: 'prepareHostForMaintenance',
  description: 'Prepares a host for maintenance.',
  access: ['rootAdmin'],
  async: true,
  responseKey: 'host',
  params: z.object({
    id: cs.uuid().meta({ description: 'the host ID' }),
  }),
  async handle({ params, caller, store, jobs, command }) {
    const host = await store.hosts.get(params.id, true);
    if (!host) throw new EntityNotFoundError(command, 'id', params.id);
    if (host.resourceState === 'Maintenance' || host.resourceState === 'PrepareForMaintenance')
      throw new InvalidParameterError(`Host ${host.name} is already in ${host.resourceState}`);
    const started = await jobs.startOnHost({
      workflow: 'host-maintenance',
      cmd: 'org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd',
      eventType: 'MAINT.PREPARE',
      caller,
      host,
      input: { moves: [], failure: {} }, // FinishMaintenance reads both on every path: nothing moved, nothing failed yet
    });
    return { kind: 'async', jobid: started.jobid, id: host.id };
  },
});
