import type { CloudEvent } from '../../core/entities';
import { csDate } from './format';
import type { Lookups } from './lookups';

/**
 * listEvents: EventResponse's fields in its order. The domain's name comes from the lookups; the
 * user's name from the event, or from the user when the writer left it out. Stratus archives no
 * events, so `archived` is always false.
 */
export async function toEventResponse(e: CloudEvent, lookups: Lookups): Promise<Record<string, unknown>> {
  const [domain, user] = await Promise.all([lookups.domain(e.domainId), e.username || !e.userId ? undefined : lookups.user(e.userId)]);
  return {
    id: e.id,
    username: e.username ?? user?.username,
    type: e.type,
    level: e.level,
    description: e.description,
    account: e.accountName,
    domainid: e.domainId,
    domain: domain?.name,
    domainpath: e.domainPath,
    ...(e.resourceId ? { resourceid: e.resourceId, resourcetype: e.resourceType, ...(e.resourceName ? { resourcename: e.resourceName } : {}) } : {}),
    created: csDate(e.created),
    state: e.state,
    ...(e.parentId ? { parentid: e.parentId } : {}),
    archived: false,
  };
}
