import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AFFINITY_GROUP_TYPES } from '../../../core/allocator';
import type { AffinityGroup } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { recordAffinityEvent } from '../../store/affinity';
import { finishedJob } from '../../store/jobs';
import { toAffinityGroupResponse } from '../../views/affinityGroup';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'createAffinityGroup',
  description: 'Creates an affinity/anti-affinity group',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'affinitygroup',
  related: ['listAffinityGroups', 'deleteAffinityGroup', 'updateVMAffinityGroup'],
  params: z.object({
    name: cs.string().meta({ description: 'name of the affinity group' }),
    type: cs.string().meta({ description: 'Type of the affinity group from the available affinity/anti-affinity group types' }),
    description: cs.string().optional().meta({ description: 'optional description of the affinity group' }),
  }),
  async handle({ params, caller, store, now }) {
    // CloudStack matches the type exactly (its processors' names), so does this.
    const type = AFFINITY_GROUP_TYPES.find((t) => t === params.type);
    if (!type) throw new InvalidParameterError(`Unable to create affinity group, invalid affinity group type: ${params.type}. Valid values are ${AFFINITY_GROUP_TYPES.join(',')}`);
    const group: AffinityGroup = {
      id: randomUUID(),
      name: params.name,
      ...(params.description !== undefined ? { description: params.description } : {}),
      type,
      accountId: caller.accountId,
      accountName: caller.accountName,
      domainId: caller.domainId,
      domainPath: caller.domainPath,
      created: now.toISOString(),
    };
    const domain = await store.inventory.getDomain(caller.domainId);
    const job = finishedJob({
      cmd: 'org.apache.cloudstack.api.command.user.affinitygroup.CreateAffinityGroupCmd',
      eventType: 'AG.CREATE',
      caller,
      instanceType: 'AffinityGroup',
      instanceId: group.id,
      result: { affinitygroup: toAffinityGroupResponse(group, domain?.name, []) },
      at: now,
    });
    await store.affinity.create(group, job); // a name taken in the account: CloudStack's 431
    await recordAffinityEvent(store.events, job, `Created affinity group ${group.name} (${group.type})`);
    return { kind: 'async', jobid: job.id, id: group.id };
  },
});

