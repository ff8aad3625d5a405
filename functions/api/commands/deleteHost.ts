import { z } from 'zod';
import type { Host } from '../../../core/entities';
import { EntityNotFoundError, InternalError } from '../../../core/errors';
import { ServerApiError } from '../../../core/infrastructure';
import type { Store } from '../../store';
import { EntityGoneError } from '../../store/infrastructure';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/**
 * deleteHost, with CloudStack's rule (ResourceManagerImpl.doDeleteHost / deleteRoutingHost): the
 * host must be in Maintenance unless `forced`, and no VM may hold capacity on it. CloudStack's
 * forced deletion stops or restarts such VMs through HA; Stratus refuses instead, so a VM never
 * loses track of the host it may still run on. Stop the host's agent first, as for KVM's cloud-agent.
 */
export default defineCommand({
  name: 'deleteHost',
  description: 'Deletes a host.',
  access: ['rootAdmin'],
  async: false,
  params: z.object({
    id: cs.uuid().meta({ description: 'the host ID' }),
    forced: cs.boolean().optional().meta({ description: 'Force delete the host. All HA enabled vms running on the host will be put to HA; HA disabled ones will be stopped' }),
    forcedestroylocalstorage: cs.boolean().optional().meta({ description: 'Force destroy local storage on this host. All VMs created on this local storage will be destroyed' }),
  }),
  async handle({ params, store, command }) {
    const forced = params.forced === true;
    const host = await store.hosts.get(params.id, true);
    if (!host) throw new EntityNotFoundError(command, 'id', params.id);
    if (!forced && host.resourceState !== 'Maintenance') throw notInMaintenance(host);
    if (host.cpuUsed > 0 || host.memoryUsed > 0) throw await inUse(store, host, forced);
    let outcome;
    try {
      outcome = await store.infrastructure.deleteHost(host, { forced });
    } catch (err) {
      if (err instanceof EntityGoneError) throw new EntityNotFoundError(command, 'id', params.id);
      throw err;
    }
    // The host changed between the read and the delete: a placement took capacity, or its state moved.
    if (outcome === 'inUse') throw await inUse(store, host, forced);
    if (outcome === 'notInMaintenance') throw notInMaintenance(host);
    return { kind: 'success' };
  },
});

/** canDeleteHost failed: CloudStack throws a CloudRuntimeException (530). */
const notInMaintenance = (host: Host) =>
  new InternalError(`Host ${host.id} cannot be deleted as it is not in maintenance mode. Either put the host into maintenance or perform a forced deletion.`);

/** deleteRoutingHost's refusal, naming the state of a VM on the host. */
async function inUse(store: Store, host: Host, forced: boolean): Promise<ServerApiError> {
  const states = [...new Set((await store.vms.listOnHost(host.id)).map((vm) => vm.state))];
  const base = `Unable to delete the host as there are vms in ${states.join('/') || 'an unknown'} state using this host`;
  return new ServerApiError(
    forced ? `${base}: a forced deletion does not stop or restart them here; stop or migrate them first` : `${base} and isForced=false specified`,
  );
}
