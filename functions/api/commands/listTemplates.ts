import { z } from 'zod';
import { InvalidParameterError } from '../../../core/errors';
import { refuseProject } from '../owner';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { IMAGE_FILTERS, listImages } from '../image-lists';

export default defineCommand({
  name: 'listTemplates',
  description: 'List all public, private, and privileged templates.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'template',
  params: z.object({
    templatefilter: z
      .enum(IMAGE_FILTERS)
      .meta({ type: 'string', description: 'possible values are "featured", "self", "selfexecutable","sharedexecutable","executable", and "community"' }),
    id: cs.uuid().optional().meta({ description: 'the template ID' }),
    name: cs.string().optional().meta({ description: 'the template name' }),
    zoneid: cs.uuid().optional().meta({ description: 'list templates by zoneId' }),
    hypervisor: cs.string().optional().meta({ description: 'the hypervisor for which to restrict the search' }),
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ids: cs.list(cs.uuid()).optional().meta({ description: 'the IDs of the templates, mutually exclusive with id', since: '4.9' }),
    templatetype: cs.string().optional().meta({ description: 'the type of the template (every registered template is USER)', since: '4.19.0' }),
    isready: cs.boolean().optional().meta({ description: 'list templates that are ready to be deployed', since: '4.19.0' }),
    projectid: cs.uuid().optional().meta({ description: 'list objects by project (projects are not supported: refused)' }),
    listall: cs.boolean().optional().meta({ description: 'templatefilter decides whose templates are listed (all: every one the caller may see)' }),
    isrecursive: cs.boolean().optional().meta({ description: 'templatefilter decides whose templates are listed' }),
    ...listParams,
  }),
  refused: {
    parenttemplateid: 'templates have no child templates',
    showremoved: 'removed templates are not listed',
    showunique: 'a template is listed once per zone it is in',
    showicon: 'resource icons are not supported',
    domainid: 'templates are listed by templatefilter',
    account: 'templates are listed by templatefilter',
    imagestoreid: 'image stores are not supported: hosts download templates into their pools',
    storageid: 'templates are listed by zone, not by pool',
    arch: 'every host is x86_64',
    extensionid: 'extensions are not supported',
    forcks: 'CKS images are not supported',
  },
  handle: ({ params, store, caller }) => {
    refuseProject(params);
    if (params.id && params.ids) throw new InvalidParameterError('id and ids cannot both be specified');
    return listImages(store, caller, {
      ...params,
      filter: params.templatefilter,
      kind: 'template',
      more: (where) => {
        if (params.templatetype !== undefined && params.templatetype.toUpperCase() !== 'USER') where.in('id', []);
        if (params.isready === true) where.or((c) => c.absent('isReady'), (c) => c.eq('isReady', true));
        if (params.isready === false) where.eq('isReady', false);
      },
    });
  },
});
