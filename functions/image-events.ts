import type { Caller, Template } from '../core/entities';
import { newEvent, type EventType } from '../core/events';
import type { Store } from './store';

/**
 * The event of an image (template or ISO), owned by its account: registration, update and deletion
 * by the caller (`type`), or the download's end (TEMPLATE.DOWNLOAD.SUCCESS / FAILED, as
 * CloudStack's download listener names them for both kinds), once per job.
 */
export async function recordImageEvent(
  store: Store,
  e: { image: Template; ok: boolean; text: string; jobId?: string; type?: EventType; caller?: Caller },
  at = new Date(),
): Promise<void> {
  const t = e.image;
  const [owner, domain] = await Promise.all([store.inventory.getAccount(t.accountId), store.inventory.getDomain(t.domainId)]);
  const ownerOf = { accountId: t.accountId, accountName: owner?.name ?? '', domainId: t.domainId, domainPath: domain?.path ?? '' };
  const type: EventType = e.type ?? (e.ok ? 'TEMPLATE.DOWNLOAD.SUCCESS' : 'TEMPLATE.DOWNLOAD.FAILED');
  await store.events.record(
    newEvent({
      ...(e.jobId ? { id: `${e.jobId}-${type}`, jobId: e.jobId } : {}),
      type,
      caller: e.caller ?? { username: '', userId: '', role: 'user', ...ownerOf },
      owner: ownerOf,
      description: e.text,
      level: e.ok ? 'INFO' : 'ERROR',
      resource: { type: t.format === 'ISO' ? 'Iso' : 'Template', id: t.id, name: t.name },
    }),
    at,
  );
}
