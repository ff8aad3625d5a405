import { z } from 'zod';
import type { Template } from '../../../core/entities';
import { EntityNotFoundError, PermissionDeniedError } from '../../../core/errors';
import { actionEventText, newEvent } from '../../../core/events';
import { osTypeById } from '../../../core/os-catalogue';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toTemplateResponse } from '../../views/infrastructure';

/**
 * updateTemplate, the common subset of TemplateManagerImpl.updateTemplateOrIso: name, display
 * text, OS type, password reset and whether the guest tools are installed (`isdynamicallyscalable`,
 * what live scaling needs, R-TOOLS.3). A template the caller may not see is answered as one that
 * does not exist; a public one it does not own is refused as CloudStack's DomainChecker does. The
 * write is conditioned on the template's version; VMs keep the OS type they copied at deploy.
 */
export default defineCommand({
  name: 'updateTemplate',
  description: 'Updates attributes of a Template.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'template',
  params: z.object({
    id: cs.uuid().meta({ description: 'The ID of the image file' }),
    name: cs.string(251).optional().meta({ description: 'The name of the image file' }),
    displaytext: cs.string(4096).optional().meta({ description: 'The display text of the image' }),
    ostypeid: cs.uuid().optional().meta({ description: 'The ID of the OS type that best represents the OS of this image.' }),
    passwordenabled: cs.boolean().optional().meta({ description: 'True if the image supports the password reset feature; default is false' }),
    isdynamicallyscalable: cs.boolean().optional().meta({ description: 'True if Template/ISO contains XS/VMWare tools in order to support dynamic scaling of Instance CPU/memory' }),
  }),
  async handle({ params, caller, store, command }) {
    const template = await store.inventory.getTemplate(params.id);
    const own = template?.accountId === caller.accountId;
    if (!template || !(caller.role === 'rootAdmin' || own || template.isPublic)) throw new EntityNotFoundError(command, 'id', params.id);
    if (caller.role !== 'rootAdmin' && !own) throw new PermissionDeniedError('Domain Admin and regular users can modify only their own Public templates');
    const osType = params.ostypeid !== undefined ? osTypeById(params.ostypeid) : undefined;
    if (params.ostypeid !== undefined && !osType) throw new EntityNotFoundError(command, 'ostypeid', params.ostypeid);

    const set: Partial<Template> = {};
    if (params.name !== undefined) set.name = params.name;
    if (params.displaytext !== undefined) set.displayText = params.displaytext;
    if (osType) Object.assign(set, { osTypeId: osType.id, osTypeName: osType.description });
    if (params.passwordenabled !== undefined) set.passwordEnabled = params.passwordenabled;
    if (params.isdynamicallyscalable !== undefined) set.isDynamicallyScalable = params.isdynamicallyscalable;
    // Nothing given: CloudStack answers the template as it is, without writing.
    const updated = Object.keys(set).length ? await store.templates.update(template, set) : template;

    const [owner, domain, zone] = await Promise.all([
      store.inventory.getAccount(template.accountId),
      store.inventory.getDomain(template.domainId),
      updated.zoneId ? store.inventory.getZone(updated.zoneId) : undefined,
    ]);
    await store.events.record(
      newEvent({
        type: 'TEMPLATE.UPDATE',
        caller,
        owner: { accountId: template.accountId, accountName: owner?.name ?? '', domainId: template.domainId, domainPath: domain?.path ?? '' },
        description: actionEventText('completed', 'updating template', `Template Id: ${template.id}; ${Object.keys(set).join(', ') || 'nothing changed'}`),
        resource: { type: 'Template', id: template.id, name: updated.name },
      }),
    );
    return { kind: 'object', key: 'template', value: toTemplateResponse(updated, zone, { accountName: owner?.name, domainName: domain?.name }) };
  },
});
