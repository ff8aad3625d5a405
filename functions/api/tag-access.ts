import { canAccess } from '../../core/access';
import { TAGGABLE_TYPES, type Caller, type TaggableType } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import type { Store } from '../store';
import type { Tagged } from '../store/tags';

/** A resource type as createTags names it (CloudStack's ResourceObjectType, matched in any case). */
export function taggableType(text: string): TaggableType {
  const found = TAGGABLE_TYPES.find((t) => t.toLowerCase() === text.toLowerCase());
  if (!found) throw new InvalidParameterError(`Resource type ${text} cannot be tagged in Stratus: tag ${TAGGABLE_TYPES.join(' or ')}`);
  return found;
}

/** A resource the caller may tag: its item key and its owner (the tag's owner). Others are answered as unknown. */
export async function taggedResource(store: Store, caller: Caller, type: TaggableType, id: string, command: string) {
  const resource = type === 'UserVm' ? await store.vms.get(id, true) : await store.storage.getVolume(id, true);
  const gone = !resource || resource.state === 'Expunged';
  if (gone || !canAccess(caller, resource)) throw new EntityNotFoundError(command, 'resourceids', id);
  const accountName = 'accountName' in resource ? resource.accountName : (await store.inventory.getAccount(resource.accountId))?.name ?? '';
  const item: Tagged = { kind: type === 'UserVm' ? 'VM' : 'VOLUME', id };
  return { item, owner: { accountId: resource.accountId, accountName, domainId: resource.domainId, domainPath: resource.domainPath } };
}
