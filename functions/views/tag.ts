import type { ResourceTag, TaggableType } from '../../core/entities';

/** A tag as CloudStack's ResourceTagResponse shows it, in listTags and in a resource's `tags`. */
export const toTagResponse = (t: Pick<ResourceTag, 'key' | 'value' | 'resourceType' | 'resourceId' | 'domainId' | 'customer'> & { accountName?: string }, domainName?: string) => ({
  key: t.key,
  value: t.value,
  resourcetype: t.resourceType,
  resourceid: t.resourceId,
  account: t.accountName,
  domainid: t.domainId,
  domain: domainName,
  ...(t.customer ? { customer: t.customer } : {}),
});

/** A resource's `tags` from the map it keeps (key -> value), in key order. */
export function tagsOf(resource: { id: string; tags?: Record<string, string>; domainId: string }, resourceType: TaggableType, accountName: string | undefined, domainName: string | undefined) {
  return Object.entries(resource.tags ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => toTagResponse({ key, value, resourceType, resourceId: resource.id, domainId: resource.domainId, accountName }, domainName));
}
