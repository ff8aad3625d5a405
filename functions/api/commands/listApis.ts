import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import type { Role } from '../../../core/entities';
import { defineCommand, type Command } from '../define-command';
import { cs } from '../params';
import RESPONSE_FIELDS from '../response-fields.json';

interface ResponseField {
  name: string;
  type: string;
  response?: ResponseField[];
}

/** What the common fields are; the rest are named by what they belong to. */
const DESCRIPTIONS: Record<string, string> = {
  id: 'the ID of the {}',
  name: 'the name of the {}',
  displayname: 'the display name of the {}',
  description: 'the description of the {}',
  account: 'the account owning the {}',
  accountid: 'the ID of the account owning the {}',
  domain: 'the name of the domain of the {}',
  domainid: 'the ID of the domain of the {}',
  domainpath: 'the path of the domain of the {}',
  zoneid: 'the ID of the zone of the {}',
  zonename: 'the name of the zone of the {}',
  state: 'the state of the {}',
  created: 'the date the {} was created',
  tags: 'the list of resource tags associated with the {}',
  hasannotations: 'whether the {} has annotations',
};

/**
 * A command's response fields (ApiDiscoveryResponse.response), as Stratus's answers carry them:
 * gathered by `npm run api:fields` into response-fields.json, and held to the answers by a test.
 */
function responseOf(key: string | undefined): Array<{ name: string; description: string; type: string; response?: unknown[] }> {
  const described = (f: ResponseField, of: string): { name: string; description: string; type: string; response?: unknown[] } => ({
    name: f.name,
    description: (DESCRIPTIONS[f.name] ?? `the ${f.name} of the {}`).replace('{}', of),
    type: f.type,
    ...(f.response ? { response: f.response.map((sub) => described(sub, f.name)) } : {}),
  });
  const fields = key ? (RESPONSE_FIELDS as Record<string, ResponseField[]>)[key] : undefined;
  return (fields ?? []).map((f) => described(f, key!));
}

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
    // A command with no object of its own answers CloudStack's SuccessResponse.
    response: responseOf(command.responseKey ?? 'success'),
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
