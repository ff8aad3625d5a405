import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toTemplateResponse } from '../../views/infrastructure';
import type { Caller, Template, Zone } from '../../../core/entities';

const FILTERS = ['featured', 'self', 'selfexecutable', 'sharedexecutable', 'executable', 'community', 'all'] as const;

/** Which templates a `templatefilter` shows the caller (ListTemplatesCmd / TemplateFilter). */
function passes(filter: (typeof FILTERS)[number], t: Template, caller: Caller): boolean {
  const own = t.accountId === caller.accountId;
  switch (filter) {
    case 'featured':
      return t.isFeatured && t.isPublic;
    case 'self':
    case 'selfexecutable':
      return own;
    case 'sharedexecutable':
      return false; // no template sharing between accounts yet
    case 'community':
      return t.isPublic && !t.isFeatured;
    case 'executable':
      return own || t.isPublic;
    case 'all':
      return caller.role === 'rootAdmin' || own || t.isPublic;
  }
}

export default defineCommand({
  name: 'listTemplates',
  description: 'List all public, private, and privileged templates.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'template',
  params: z.object({
    templatefilter: z
      .enum(FILTERS)
      .meta({ type: 'string', description: 'possible values are "featured", "self", "selfexecutable","sharedexecutable","executable", and "community"' }),
    id: cs.uuid().optional().meta({ description: 'the template ID' }),
    name: cs.string().optional().meta({ description: 'the template name' }),
    zoneid: cs.uuid().optional().meta({ description: 'list templates by zoneId' }),
    hypervisor: cs.string().optional().meta({ description: 'the hypervisor for which to restrict the search' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const [templates, zones] = await Promise.all([store.inventory.listTemplates(), store.inventory.listZones()]);
    // CloudStack lists a cross-zone template once per zone it is in.
    const rows: Array<Template & { zone: Zone }> = [];
    for (const t of templates) {
      if (!passes(params.templatefilter, t, caller)) continue;
      if (params.hypervisor && t.hypervisor.toLowerCase() !== params.hypervisor.toLowerCase()) continue;
      for (const zone of zones) {
        if ((t.zoneId === undefined || t.zoneId === zone.id) && (!params.zoneid || zone.id === params.zoneid)) rows.push({ ...t, zone });
      }
    }
    return listOf('template', rows, params, (t) => [t.name, t.displayText], (t) => toTemplateResponse(t, t.zone));
  },
});
