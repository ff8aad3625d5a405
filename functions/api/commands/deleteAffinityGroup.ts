import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { AffinityGroup } from '../../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import type { Store } from '../../store';
import { MemberChangedError, recordAffinityEvent } from '../../store/affinity';
import { finishedJob } from '../../store/jobs';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** How often a member that changed under us is read again before the caller is asked to retry. */
const MEMBER_ATTEMPTS = 3;

export default defineCommand({
  name: 'deleteAffinityGroup',
  description: 'Deletes affinity group',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['createAffinityGroup', 'listAffinityGroups'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'The ID of the affinity group. Mutually exclusive with name parameter' }),
    name: cs.string().optional().meta({ description: 'The name of the affinity group. Mutually exclusive with ID parameter' }),
  }),
  async handle({ params, caller, store, now, command }) {
    const group = await groupFor(params, caller, store, command);
    // R-ALLOC.8: the members leave the group; placed ones keep running where they are (their
    // placement's marks stay until they release their capacity), a restart no longer follows it.
    for (const vm of (await store.vms.listByAccount(group.accountId)).filter((v) => v.affinityGroupIds?.includes(group.id))) {
      await leave(store, vm.id, group.id, now);
    }
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.user.affinitygroup.DeleteAffinityGroupCmd',
      eventType: 'AG.DELETE',
      caller,
      instanceType: 'AffinityGroup',
      instanceId: group.id,
      result: { success: true },
      at: now,
    });
    if ((await store.affinity.delete(group, job)) === 'gone') throw new EntityNotFoundError(command, 'id', group.id); // deleted meanwhile
    await recordAffinityEvent(store.events, job, `Deleted affinity group ${group.name}`);
    return { kind: 'async', jobid: job.id };
  },
});

/** The group named by id (as CloudStack, the id wins over the name) or by name in the caller's account. */
async function groupFor(params: { id?: string; name?: string }, caller: import('../../../core/entities').Caller, store: Store, command: string): Promise<AffinityGroup> {
  if (params.id) {
    const group = await store.affinity.get(params.id, true);
    if (!group || !canAccess(caller, group)) throw new EntityNotFoundError(command, 'id', params.id);
    return group;
  }
  if (params.name === undefined) throw new InvalidParameterError('Either the affinity group Id or group name must be specified to delete the group');
  const group = await store.affinity.findByName(caller.accountId, params.name);
  if (!group) throw new InvalidParameterError(`Unable to find affinity group ${params.name}`);
  return group;
}

/** Take the group out of one member's groups, reading the member again if it changed meanwhile. */
async function leave(store: Store, vmId: string, groupId: string, now: Date): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const vm = await store.vms.get(vmId, true);
    if (!vm || !vm.affinityGroupIds?.includes(groupId)) return;
    try {
      return await store.affinity.removeMember(vm, groupId, store.vms, now);
    } catch (err) {
      if (!(err instanceof MemberChangedError)) throw err;
      if (attempt >= MEMBER_ATTEMPTS) throw new ConcurrentOperationError(`VM ${vm.name} kept changing while affinity group ${groupId} was being deleted; try again`);
    }
  }
}
