import type { Caller, Volume } from '../core/entities';
import { newEvent, type EventType } from '../core/events';
import type { Store } from './store';

/**
 * The event of an operation on a volume (listEvents), owned by the volume's account, with the usage
 * record CloudStack's UsageEventUtils writes for VOLUME.CREATE/DELETE/RESIZE (zone, disk offering,
 * template, size). Written after the operation committed; an id derived from a job writes it once.
 */
export async function recordVolumeEvent(
  store: Store,
  e: { type: EventType; actor: Pick<Caller, 'userId'> & Partial<Caller>; volume: Volume; ok: boolean; text: string; jobId?: string },
  at = new Date(),
): Promise<void> {
  const actor: Caller = { username: '', accountId: '', accountName: '', domainId: '', domainPath: '', role: 'user', ...e.actor };
  const v = e.volume;
  await store.events.record(
    newEvent({
      ...(e.jobId ? { id: `${e.jobId}-${e.type}${e.ok ? '' : '-error'}`, jobId: e.jobId } : {}),
      type: e.type,
      caller: actor,
      owner: { accountId: v.accountId, accountName: v.accountName, domainId: v.domainId, domainPath: v.domainPath },
      description: e.text,
      level: e.ok ? 'INFO' : 'ERROR',
      resource: { type: 'Volume', id: v.id, name: v.name },
      usage: { zoneId: v.zoneId, ...(v.diskOfferingId ? { offeringId: v.diskOfferingId } : {}), ...(v.templateId ? { templateId: v.templateId } : {}), size: v.size, resourceName: v.name },
    }),
    at,
  );
}
