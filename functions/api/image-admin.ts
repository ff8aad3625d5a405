import { z } from 'zod';
import type { Caller, Template } from '../../core/entities';
import { ConcurrentOperationError, EntityNotFoundError, InvalidParameterError, PermissionDeniedError } from '../../core/errors';
import { actionEventText } from '../../core/events';
import { osTypeById } from '../../core/os-catalogue';
import { recordImageEvent } from '../image-events';
import type { Store } from '../store';
import { finishedJob } from '../store/jobs';
import { toTemplateResponse } from '../views/infrastructure';
import type { CommandResult } from './define-command';
import { cs } from './params';

/**
 * updateTemplate / updateIso and deleteTemplate / deleteIso: one image catalogue, each command its
 * own kind (an ISO's id given to updateTemplate is unknown there, as in CloudStack).
 */
export type ImageKind = 'template' | 'iso';
const isKind = (t: Template, kind: ImageKind) => (t.format === 'ISO') === (kind === 'iso');

/**
 * The image the caller may change: one it may not see (or of the other kind, or deleted) is answered
 * as one that does not exist; a public one it does not own is refused as CloudStack's DomainChecker does.
 */
export async function imageToChange(store: Store, caller: Caller, id: string, kind: ImageKind, command: string): Promise<Template> {
  const t = await store.templates.get(id, true);
  const own = t?.accountId === caller.accountId;
  if (!t || t.removed || !isKind(t, kind) || !(caller.role === 'rootAdmin' || own || t.isPublic)) throw new EntityNotFoundError(command, 'id', id);
  if (caller.role !== 'rootAdmin' && !own) throw new PermissionDeniedError(`Domain Admin and regular users can modify only their own Public ${kind === 'iso' ? 'ISOs' : 'templates'}`);
  return t;
}

/** The parameters both update commands take (TemplateManagerImpl.updateTemplateOrIso's common subset). */
export const updateParams = {
  id: cs.uuid().meta({ description: 'The ID of the image file' }),
  name: cs.string(251).optional().meta({ description: 'The name of the image file' }),
  displaytext: cs.string(4096).optional().meta({ description: 'The display text of the image' }),
  ostypeid: cs.uuid().optional().meta({ description: 'The ID of the OS type that best represents the OS of this image.' }),
  passwordenabled: cs.boolean().optional().meta({ description: 'True if the image supports the password reset feature; default is false' }),
  isdynamicallyscalable: cs.boolean().optional().meta({ description: 'True if Template/ISO contains XS/VMWare tools in order to support dynamic scaling of Instance CPU/memory' }),
  bootable: cs.boolean().optional().meta({ description: 'true if image is bootable, false otherwise; available only for updateIso API' }),
};
type UpdateParams = z.infer<z.ZodObject<typeof updateParams>>;

/**
 * Name, display text, OS type, password reset, guest tools (`isdynamicallyscalable`, what live
 * scaling needs, R-TOOLS.3) and, for an ISO, `bootable`. The write is conditioned on the image's
 * version; VMs keep the OS type they copied at deploy. Nothing given: answered as it is, unwritten.
 */
export async function updateImage(ctx: { params: UpdateParams; caller: Caller; store: Store; command: string }, kind: ImageKind): Promise<CommandResult> {
  const { params, caller, store, command } = ctx;
  const template = await imageToChange(store, caller, params.id, kind, command);
  const osType = params.ostypeid !== undefined ? osTypeById(params.ostypeid) : undefined;
  if (params.ostypeid !== undefined && !osType) throw new EntityNotFoundError(command, 'ostypeid', params.ostypeid);
  if (params.bootable !== undefined && kind !== 'iso') throw new InvalidParameterError('Parameter bootable is for ISOs only (updateIso)');

  const set: Partial<Template> = {};
  if (params.name !== undefined) set.name = params.name;
  if (params.displaytext !== undefined) set.displayText = params.displaytext;
  if (osType) Object.assign(set, { osTypeId: osType.id, osTypeName: osType.description });
  if (params.passwordenabled !== undefined) set.passwordEnabled = params.passwordenabled;
  if (params.isdynamicallyscalable !== undefined) set.isDynamicallyScalable = params.isdynamicallyscalable;
  if (params.bootable !== undefined) set.bootable = params.bootable;
  const updated = Object.keys(set).length ? await store.templates.update(template, set) : template;

  const [owner, domain, zone] = await Promise.all([
    store.inventory.getAccount(template.accountId),
    store.inventory.getDomain(template.domainId),
    updated.zoneId ? store.inventory.getZone(updated.zoneId) : undefined,
  ]);
  await recordImageEvent(store, {
    image: updated,
    ok: true,
    type: kind === 'iso' ? 'ISO.UPDATE' : 'TEMPLATE.UPDATE',
    caller,
    text: actionEventText('completed', `updating ${kind === 'iso' ? 'ISO' : 'template'}`, `${kind === 'iso' ? 'ISO' : 'Template'} Id: ${template.id}; ${Object.keys(set).join(', ') || 'nothing changed'}`),
  });
  return { kind: 'object', key: kind, value: toTemplateResponse(updated, zone, { accountName: owner?.name, domainName: domain?.name }) };
}

/** Both delete commands' parameters. */
export const deleteParams = {
  id: cs.uuid().meta({ description: 'the ID of the image' }),
  zoneid: cs.uuid().optional().meta({ description: 'the ID of zone of the image; a cross-zone image is deleted from every zone' }),
};

/**
 * The image is no longer listed or usable (marked removed, in one transaction with its finished
 * job): VMs made from it keep running and starting, as CloudStack's forced delete allows, since
 * their ROOT volumes are their own and a host lacking the base file fetches it from its URL. A
 * download in progress ends with it. The hosts' copies stay (a ROOT overlay may be backed by one).
 */
export async function deleteImage(ctx: { params: { id: string; zoneid?: string }; caller: Caller; store: Store; now: Date; command: string }, kind: ImageKind): Promise<CommandResult> {
  const { params, caller, store, now, command } = ctx;
  const t = await imageToChange(store, caller, params.id, kind, command);
  if (params.zoneid !== undefined) {
    if (!t.zoneId) throw new InvalidParameterError(`${kind === 'iso' ? 'ISO' : 'Template'} ${t.name} is in every zone: deleting it from one zone is not supported; delete it without zoneid`);
    if (t.zoneId !== params.zoneid) throw new InvalidParameterError(`${kind === 'iso' ? 'ISO' : 'Template'} ${t.name} is not in zone ${params.zoneid}`);
  }
  // TemplateManagerImpl.deleteIso's refusal; the delete is also held to it, against a racing attach.
  if (kind === 'iso' && (t.attachedVms ?? 0) > 0) throw new InvalidParameterError("Unable to delete iso, as it's used by other vms");
  const type = kind === 'iso' ? 'ISO.DELETE' : 'TEMPLATE.DELETE';
  const job = finishedJob({ cmd: `org.apache.cloudstack.api.command.user.${kind}.Delete${kind === 'iso' ? 'Iso' : 'Template'}Cmd`, eventType: type, caller, instanceType: kind === 'iso' ? 'Iso' : 'Template', instanceId: t.id, result: { success: true }, at: now });
  const removed = { removed: now.toISOString(), ...(t.download?.state === 'Downloading' ? { download: { ...t.download, state: 'Error' as const, error: 'Deleted while downloading' } } : {}) };
  await store.storage.transact([...store.templates.changeOperations(t, removed, [], { unused: kind === 'iso' }), ...(await store.jobs.completedOperations(job))], () => new ConcurrentOperationError(`${kind === 'iso' ? 'ISO' : 'Template'} ${t.name} changed while it was being deleted (attached to a VM meanwhile?); try again`));
  await recordImageEvent(store, { image: t, ok: true, type, caller, jobId: job.id, text: `Deleted ${kind === 'iso' ? 'ISO' : 'template'} ${t.name}` }, now).catch(() => undefined);
  return { kind: 'async', jobid: job.id };
}
