import { createLookups } from '../../views/lookups';
import { whereTagged } from '../tag-filter';
import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams, resolvePaging } from '../paging';
import { catalogueSource, pageOf } from '../listing';
import { Conditions } from '../../store/listing';
import { toTemplateResponse } from '../../views/infrastructure';
import type { Caller, Template, Zone } from '../../../core/entities';

const FILTERS = ['featured', 'self', 'selfexecutable', 'sharedexecutable', 'executable', 'community', 'all'] as const;

/** Templates read at a time while walking to a page of (template, zone) rows. */
const TEMPLATE_WALK = 100;
const HYPERVISORS: ReadonlyArray<Template['hypervisor']> = ['KVM', 'Simulator'];

/** Which templates a `templatefilter` shows the caller (ListTemplatesCmd / TemplateFilter), as conditions. */
function passes(filter: (typeof FILTERS)[number], caller: Caller, where: Conditions): void {
  const ownOrPublic = (c: Conditions) => c.or((o) => o.eq('accountId', caller.accountId), (o) => o.eq('isPublic', true));
  switch (filter) {
    case 'featured':
      where.eq('isFeatured', true).eq('isPublic', true);
      return;
    case 'self':
    case 'selfexecutable':
      where.eq('accountId', caller.accountId);
      return;
    case 'sharedexecutable':
      where.in('id', []); // no template sharing between accounts yet
      return;
    case 'community':
      where.eq('isPublic', true).eq('isFeatured', false);
      return;
    case 'executable':
      ownOrPublic(where);
      return;
    case 'all':
      if (caller.role !== 'rootAdmin') ownOrPublic(where);
      return;
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
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    // Its tags show its owner's names: read once per owner for the page.
    const lookups = createLookups(store);
    const shown = async (t: Template, zone: Zone) => toTemplateResponse(t, zone, { accountName: (await lookups.account(t.accountId))?.name, domainName: (await lookups.domain(t.domainId))?.name });
    // The filter of the templates a zone lists (every zone: no zone condition).
    const conditions = (zoneId?: string) => {
      const where = new Conditions();
      passes(params.templatefilter, caller, where);
      if (params.hypervisor) where.in('hypervisor', HYPERVISORS.filter((h) => h.toLowerCase() === params.hypervisor!.toLowerCase()));
      if (zoneId) where.or((c) => c.absent('zoneId'), (c) => c.eq('zoneId', zoneId));
      whereTagged(where, params.tags);
      return where.eq('name', params.name).contains('text', params.keyword?.toLowerCase()).build();
    };
    const source = catalogueSource('TEMPLATE', params.id);
    if (params.zoneid) {
      const zone = await store.inventory.getZone(params.zoneid);
      if (!zone) return { kind: 'list', key: 'template', items: [], count: 0 };
      return pageOf<Template>(store, 'template', { ...source, filter: conditions(zone.id) }, params, (t) => shown(t, zone));
    }
    // CloudStack lists a cross-zone template once per zone it is in: rows of (template, zone) that no
    // index holds, so the page walks the templates (a catalogue) up to it; the total is one COUNT per zone.
    const { offset, limit } = resolvePaging(params.page, params.pagesize);
    const zones = await store.inventory.listZones();
    const counts = await Promise.all(zones.map((zone) => store.listing.count({ ...source, offset: 0, filter: conditions(zone.id) })));
    const rows: Array<{ t: Template; zone: Zone }> = [];
    walk: for await (const templates of store.listing.pages<Template>({ ...source, filter: conditions() }, TEMPLATE_WALK)) {
      for (const t of templates) {
        for (const zone of zones) {
          if (t.zoneId !== undefined && t.zoneId !== zone.id) continue;
          rows.push({ t, zone });
          if (limit !== undefined && rows.length >= offset + limit) break walk;
        }
      }
    }
    const page = rows.slice(offset, limit === undefined ? undefined : offset + limit);
    return { kind: 'list', key: 'template', items: await Promise.all(page.map(({ t, zone }) => shown(t, zone))), count: counts.reduce((a, b) => a + b, 0) };
  },
});
