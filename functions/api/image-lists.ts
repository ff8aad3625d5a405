import type { Caller, Template, Zone } from '../../core/entities';
import type { Store } from '../store';
import { Conditions } from '../store/listing';
import { toTemplateResponse } from '../views/infrastructure';
import { createLookups } from '../views/lookups';
import { catalogueSource, pageOf } from './listing';
import type { CommandResult } from './define-command';
import { resolvePaging } from './paging';
import type { MapParam } from './params';
import { whereTagged } from './tag-filter';

/**
 * listTemplates and listIsos: one catalogue (templates, ISOs being templates of format ISO), read
 * the same way; each lists its own kind.
 */
export const IMAGE_FILTERS = ['featured', 'self', 'selfexecutable', 'sharedexecutable', 'executable', 'community', 'all'] as const;
export type ImageFilter = (typeof IMAGE_FILTERS)[number];

/** Templates read at a time while walking to a page of (template, zone) rows. */
const TEMPLATE_WALK = 100;
const HYPERVISORS: ReadonlyArray<Template['hypervisor']> = ['KVM', 'Simulator'];

/** Which images a `templatefilter` / `isofilter` shows the caller (TemplateFilter), as conditions. */
function passes(filter: ImageFilter, caller: Caller, where: Conditions): void {
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

export interface ImageQuery {
  page?: number;
  pagesize?: number;
  filter: ImageFilter;
  kind: 'template' | 'iso';
  id?: string;
  /** lookups by id (listTemplates ids) */
  ids?: string[];
  name?: string;
  zoneid?: string;
  hypervisor?: string;
  tags?: MapParam;
  keyword?: string;
  /** listIsos: bootable, ispublic, isready */
  more?: (where: Conditions) => void;
}

export async function listImages(store: Store, caller: Caller, q: ImageQuery): Promise<CommandResult> {
  const key = q.kind;
  // Its tags show its owner's names: read once per owner for the page.
  const lookups = createLookups(store);
  // Its status and URL to its owner and administrators (TemplateJoinDaoImpl).
  const shown = async (t: Template, zone: Zone) =>
    toTemplateResponse(t, zone, { accountName: (await lookups.account(t.accountId))?.name, domainName: (await lookups.domain(t.domainId))?.name, seesStatus: caller.role !== 'user' || t.accountId === caller.accountId });
  // The filter of the images a zone lists (every zone: no zone condition).
  const conditions = (zoneId?: string) => {
    const where = new Conditions();
    passes(q.filter, caller, where);
    where.absent('removed');
    if (q.kind === 'iso') where.eq('format', 'ISO');
    else where.notIn('format', ['ISO']);
    if (q.hypervisor) where.in('hypervisor', HYPERVISORS.filter((h) => h.toLowerCase() === q.hypervisor!.toLowerCase()));
    if (zoneId) where.or((c) => c.absent('zoneId'), (c) => c.eq('zoneId', zoneId));
    whereTagged(where, q.tags);
    q.more?.(where);
    return where.named(q.name).contains('text', q.keyword?.toLowerCase()).build();
  };
  const source = q.ids ? { kind: 'TEMPLATE', partitions: [...new Set(q.ids)] } : catalogueSource('TEMPLATE', q.id);
  if (q.zoneid) {
    const zone = await store.inventory.getZone(q.zoneid);
    if (!zone) return { kind: 'list', key, items: [], count: 0 };
    return pageOf<Template>(store, key, { ...source, filter: conditions(zone.id) }, q, (t) => shown(t, zone));
  }
  // CloudStack lists a cross-zone template once per zone it is in: rows of (template, zone) that no
  // index holds, so the page walks the templates (a catalogue) up to it; the total is one COUNT per zone.
  const { offset, limit } = resolvePaging(q.page, q.pagesize);
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
  return { kind: 'list', key, items: await Promise.all(page.map(({ t, zone }) => shown(t, zone))), count: counts.reduce((a, b) => a + b, 0) };
}
