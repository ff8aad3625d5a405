import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import type { Role } from '../../../core/entities';
import { defineCommand, type Command } from '../define-command';
import { cs } from '../params';

/**
 * API discovery (ApiDiscoveryServiceImpl), built from the same declarations that dispatch
 * requests, filtered by what the caller's role may call and pass. cmk's `sync` type-asserts
 * name, description, isasync, params[].name/type/description/required: they are always present.
 */
export function describeApi(command: Command, role: Role) {
  return {
    name: command.name,
    description: command.description,
    ...(command.since ? { since: command.since } : {}),
    isasync: command.async,
    ...(command.related?.length ? { related: command.related.join(',') } : {}),
    params: command.paramInfo(role).map((p) => ({
      name: p.name,
      description: p.description,
      type: p.type,
      length: p.length,
      required: p.required,
      ...(p.since ? { since: p.since } : {}),
      ...(p.related ? { related: p.related } : {}),
    })),
    response: [],
  };
}

export default defineCommand({
  name: 'listApis',
  description: 'lists all available apis on the server, provided by the Api Discovery plugin',
  since: '4.1.0',
  access: ['user', 'domainAdmin', 'rootAdmin'],
  async: false,
  params: z.object({
    name: cs.string().optional().meta({ description: 'API name' }),
  }),
  responseKey: 'api',
  async handle({ params, caller }) {
    // Imported here, not at the top: the registry imports this file.
    const { commands } = await import('../registry');
    const visible = [...commands.values()]
      .filter((c) => c.access.includes(caller.role))
      .filter((c) => params.name === undefined || c.name.toLowerCase() === params.name.toLowerCase())
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (params.name !== undefined && visible.length === 0) {
      throw new InvalidParameterError('Api Discovery plugin was unable to find an api by that name or process any apis');
    }
    const items = visible.map((c) => describeApi(c, caller.role));
    return { kind: 'list', key: 'api', items, count: items.length };
  },
});
