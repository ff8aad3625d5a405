import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { hostAllocationEvent, nextResourceState, ServerApiError } from '../../../core/infrastructure';
import { OS_CATEGORY_NONE, osCategoryById } from '../../../core/os-catalogue';
import { EntityGoneError, type HostAdminChanges } from '../../store/infrastructure';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { hostResponseOf } from '../../views/host';

export default defineCommand({
  name: 'updateHost',
  description: 'Updates a host.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'host',
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the host to update' }),
    allocationstate: cs.string().optional().meta({ description: 'Change resource state of host, valid values are [Enable, Disable]. Operation may failed if host in states not allowing Enable/Disable' }),
    hosttags: cs.list(z.string()).optional().meta({ description: 'list of tags to be added to the host' }),
    oscategoryid: cs.uuid().optional().meta({ description: 'the id of Os category to update the host with' }),
    annotation: cs.string().optional().meta({ description: 'Add an annotation to this host', since: '4.11' }),
  }),
  async handle({ params, store, now, command }) {
    const host = await store.hosts.get(params.id, true);
    if (!host) throw new EntityNotFoundError(command, 'id', params.id);
    const changes: HostAdminChanges = {};

    if (params.allocationstate) {
      const event = hostAllocationEvent(params.allocationstate);
      if (!event) throw new InvalidParameterError(`Invalid allocation state: ${params.allocationstate}, only Enable/Disable are allowed`);
      const next = nextResourceState(host.resourceState, event);
      if (!next) throw new ServerApiError(`Failed to update host:${host.id},No next resource state found for current state = ${host.resourceState} event = ${event}`);
      if (next !== host.resourceState) changes.resourceState = next;
    }
    if (params.oscategoryid !== undefined) {
      const category = osCategoryById(params.oscategoryid);
      if (!category) throw new EntityNotFoundError(command, 'oscategoryid', params.oscategoryid);
      // The "None" category removes the preference, as CloudStack deletes the host detail.
      changes.osCategoryPreference = category.name === OS_CATEGORY_NONE ? null : category.id;
    }
    if (params.hosttags !== undefined) changes.hostTags = [...new Set(params.hosttags)];
    if (params.annotation) {
      changes.annotation = params.annotation;
      changes.lastAnnotated = now.toISOString();
    }

    let updated = host;
    if (Object.keys(changes).length > 0) {
      try {
        updated = await store.infrastructure.updateHost(host, changes);
      } catch (err) {
        if (err instanceof EntityGoneError) throw new EntityNotFoundError(command, 'id', params.id);
        throw err;
      }
    }
    return { kind: 'object', key: 'host', value: await hostResponseOf(store, updated) };
  },
});
