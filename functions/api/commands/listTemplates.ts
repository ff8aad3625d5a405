import { z } from 'zod';
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
    ...listParams,
  }),
  handle: ({ params, store, caller }) => listImages(store, caller, { ...params, filter: params.templatefilter, kind: 'template' }),
});
