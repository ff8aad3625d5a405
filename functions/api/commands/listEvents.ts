import { z } from 'zod';
import { canAccess } from '../../../core/access';
import type { Caller, CloudEvent } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { isEventResourceType, type EventResourceType } from '../../../core/events';
import type { Store } from '../../store';
import { cs, isUuid } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import { Conditions } from '../../store/listing';
import { createLookups } from '../../views/lookups';
import { toEventResponse } from '../../views/event';

/**
 * ListEventsCmd's dates: "yyyy-MM-dd HH:mm:ss", or "yyyy-MM-dd" meaning the day's first second for
 * `startdate` and its last for `enddate` (ParamProcessWorker). Times are UTC, as Stratus stores them.
 */
const eventDate = (end: boolean) =>
  z
    .string()
    .transform((text, ctx) => {
      const full = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
      const day = full ? undefined : /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(text);
      const [y, mo, d, h, mi, s] = (full ?? day ?? []).slice(1).map(Number);
      if (!full && !day) {
        ctx.addIssue({ code: 'custom', message: `Unable to parse date ${text} for command listevents, please pass dates in the format mentioned in the api documentation` });
        return z.NEVER;
      }
      // Stored times carry milliseconds, CloudStack's do not: an end second includes its whole second.
      return full ? Date.UTC(y, mo - 1, d, h, mi, s, end ? 999 : 0) : Date.UTC(y, mo - 1, d, end ? 23 : 0, end ? 59 : 0, end ? 59 : 0, end ? 999 : 0);
    })
    .meta({ type: 'date' });

/** The resource `resourceid` names, if the caller may see it (QueryManagerImpl: findByUuidIncludingRemoved, then checkAccess). */
async function resourceVisible(store: Store, caller: Caller, type: EventResourceType, id: string): Promise<boolean> {
  switch (type) {
    case 'VirtualMachine': {
      const vm = await store.vms.get(id);
      return !!vm && canAccess(caller, vm);
    }
    case 'Host':
      return !!(await store.hosts.get(id));
    case 'Zone':
      return !!(await store.inventory.getZone(id));
    case 'ServiceOffering':
      return !!(await store.inventory.getServiceOffering(id));
    case 'Template':
      return !!(await store.inventory.getTemplate(id));
    case 'Domain':
      return !!(await store.inventory.getDomain(id));
    default:
      // Kinds Stratus keeps elsewhere or not at all: the events themselves say what exists.
      return true;
  }
}

export default defineCommand({
  name: 'listEvents',
  description: 'A command to list events.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'event',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'The ID of the event' }),
    type: cs.string().optional().meta({ description: 'The event type (see event types)' }),
    level: cs.string().optional().meta({ description: 'The event level (INFO, WARN, ERROR)' }),
    startdate: eventDate(false).optional().meta({ description: 'The start date range of the list you want to retrieve (use format "yyyy-MM-dd" or the new format "yyyy-MM-dd HH:mm:ss")' }),
    enddate: eventDate(true).optional().meta({ description: 'The end date range of the list you want to retrieve (use format "yyyy-MM-dd" or the new format "yyyy-MM-dd HH:mm:ss")' }),
    startid: cs.uuid().optional().meta({ description: 'The parent/start ID of the event, when provided this will list all the events with the start/parent ID including the parent event' }),
    resourceid: cs.string().optional().meta({ description: 'The ID of the resource associated with the event', since: '4.17.0' }),
    resourcetype: cs.string().optional().meta({ description: 'The type of the resource associated with the event', since: '4.17.0' }),
    duration: cs.int().optional().meta({ description: 'The duration of the event' }),
    entrytime: cs.int().optional().meta({ description: 'The time the event was entered' }),
    archived: cs.boolean().optional().meta({ description: 'True to list archived events otherwise false', since: '4.19.0' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle({ params, store, caller, command, now }) {
    // QueryManagerImpl.searchForEventIdsAndCount, in its order.
    const resourceType = params.resourcetype;
    if (resourceType !== undefined && !isEventResourceType(resourceType)) throw new InvalidParameterError('Invalid resourcetype');
    if (params.resourceid !== undefined) {
      if (resourceType === undefined) throw new InvalidParameterError('resourceid parameter must be used with resourcetype parameter');
      const rid = params.resourceid.toLowerCase(); // UUID.fromString takes either case
      if (!isUuid(rid) || !(await resourceVisible(store, caller, resourceType, rid))) throw new InvalidParameterError('Invalid resourceid');
    }
    const scope = await resolveScope({ caller, store, command }, params, params.id);
    // entrytime with duration lists pending events in CloudStack, whose code answers nothing; Stratus archives nothing.
    if ((params.entrytime !== undefined && params.duration !== undefined) || params.archived === true) return { kind: 'list', key: 'event', items: [], count: 0 };

    const where = new Conditions();
    const source = await scopePartitions(store, 'EVENT', scope, where, params.id);
    if (params.startid !== undefined) {
      const startid = params.startid;
      where.or((c) => c.eq('id', startid), (c) => c.eq('parentId', startid));
    }
    // Levels and types are stored as CloudStack writes them, upper case; the request may use any case.
    where.eq('level', params.level?.toUpperCase()).eq('type', params.type?.toUpperCase());
    where.eq('resourceType', resourceType).eq('resourceId', params.resourceid?.toLowerCase());
    where.contains('text', params.keyword?.toLowerCase());
    const from = params.startdate === undefined ? undefined : new Date(params.startdate).toISOString();
    const to = params.enddate === undefined ? undefined : new Date(params.enddate).toISOString();
    const lookups = createLookups(store);
    // Newest first, as CloudStack orders events by creation time descending.
    return pageOf<CloudEvent>(
      store,
      'event',
      { ...source, descending: true, from, to, filter: where.build(), liveAt: now, countFrom: where.empty ? (c) => c.n : undefined },
      params,
      (e) => toEventResponse(e, lookups),
    );
  },
});
