import { canAccess } from '../../core/access';
import { TAGGABLE_TYPES, type AsyncJob, type Caller, type TaggableType, type Vm } from '../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../core/errors';
import type { Store } from '../store';
import type { Tagged } from '../store/tags';

/** A resource type as createTags names it (CloudStack's ResourceObjectType, matched in any case). */
export function taggableType(text: string): TaggableType {
  const found = TAGGABLE_TYPES.find((t) => t.toLowerCase() === text.toLowerCase());
  if (!found) throw new InvalidParameterError(`Resource type ${text} cannot be tagged in Stratus: tag ${TAGGABLE_TYPES.join(' or ')}`);
  return found;
}

type Owned = Pick<Vm, 'accountId' | 'domainId' | 'domainPath'> & { state: string; accountName?: string };

/** Each taggable type: its item kind, the job's instance type, and how to read one. */
export const TAGGED_KINDS: Record<TaggableType, { kind: Tagged['kind']; instanceType: NonNullable<AsyncJob['instanceType']>; load: (store: Store, id: string) => Promise<Owned | undefined> }> = {
  UserVm: { kind: 'VM', instanceType: 'VirtualMachine', load: (store, id) => store.vms.get(id, true) },
  Volume: { kind: 'VOLUME', instanceType: 'Volume', load: (store, id) => store.storage.getVolume(id, true) },
  VMSnapshot: { kind: 'VMSNAPSHOT', instanceType: 'VmSnapshot', load: (store, id) => store.vmSnapshots.get(id, true) },
  // Catalogue items: their owner's domain path read for the access check (images do not keep it).
  Template: { kind: 'TEMPLATE', instanceType: 'Template', load: (store, id) => imageOwner(store, id, false) },
  ISO: { kind: 'TEMPLATE', instanceType: 'Iso', load: (store, id) => imageOwner(store, id, true) },
};

/** A template (or ISO, `iso`) as a tagged resource: its owner; a deleted one is gone. */
async function imageOwner(store: Store, id: string, iso: boolean): Promise<Owned | undefined> {
  const template = await store.inventory.getTemplate(id);
  if (!template || (template.format === 'ISO') !== iso) return undefined;
  const domain = await store.inventory.getDomain(template.domainId);
  return domain ? { accountId: template.accountId, domainId: template.domainId, domainPath: domain.path, state: template.removed ? 'Expunged' : 'Ready' } : undefined;
}

/** A resource the caller may tag: its item key and its owner (the tag's owner). Others are answered as unknown. */
export async function taggedResource(store: Store, caller: Caller, type: TaggableType, id: string, command: string) {
  const resource = await TAGGED_KINDS[type].load(store, id);
  const gone = !resource || resource.state === 'Expunged';
  if (gone || !canAccess(caller, resource)) throw new EntityNotFoundError(command, 'resourceids', id);
  const accountName = resource.accountName ?? (await store.inventory.getAccount(resource.accountId))?.name ?? '';
  const item: Tagged = { kind: TAGGED_KINDS[type].kind, id };
  return { item, owner: { accountId: resource.accountId, accountName, domainId: resource.domainId, domainPath: resource.domainPath } };
}

/** A resource of any taggable type, for listTags resourceid without a type: the first type it is one of. */
export async function anyTaggedResource(store: Store, caller: Caller, id: string, command: string) {
  for (const type of TAGGABLE_TYPES) {
    const found = await TAGGED_KINDS[type].load(store, id);
    if (found) return taggedResource(store, caller, type, id, command);
  }
  throw new EntityNotFoundError(command, 'resourceid', id);
}
