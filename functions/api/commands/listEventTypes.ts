import { z } from 'zod';
import { EVENT_TYPES } from '../../../core/events';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'listEventTypes',
  description: 'List Event Types',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'eventtype',
  params: z.object({}),
  async handle() {
    // ListEventTypesCmd: every type, unpaged, as `{name}` objects.
    return { kind: 'list', key: 'eventtype', items: EVENT_TYPES.map((name) => ({ name })), count: EVENT_TYPES.length };
  },
});
