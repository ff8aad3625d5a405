import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { IMAGE_FILTERS, listImages } from '../image-lists';

export default defineCommand({
  name: 'listIsos',
  description: 'Lists all available ISO files.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'iso',
  related: ['listTemplates'],
  params: z.object({
    isofilter: z
      .enum(IMAGE_FILTERS)
      .optional()
      .meta({ type: 'string', description: 'possible values are "featured", "self", "selfexecutable","sharedexecutable","executable", and "community"' }),
    id: cs.uuid().optional().meta({ description: 'list ISO by ID' }),
    name: cs.string().optional().meta({ description: 'list all ISOs by name' }),
    zoneid: cs.uuid().optional().meta({ description: 'the ID of the zone' }),
    hypervisor: cs.string().optional().meta({ description: 'the hypervisor for which to restrict the search' }),
    bootable: cs.boolean().optional().meta({ description: 'true if the ISO is bootable, false otherwise' }),
    ispublic: cs.boolean().optional().meta({ description: 'true if the ISO is publicly available to all users, false otherwise.' }),
    isready: cs.boolean().optional().meta({ description: 'true if this ISO is ready to be deployed' }),
    tags: cs.map().optional().meta({ description: 'List resources by tags (key/value pairs)' }),
    ...listParams,
  }),
  // ISOs are templates of format ISO in the one image catalogue.
  handle: ({ params, store, caller }) =>
    listImages(store, caller, {
      ...params,
      filter: params.isofilter ?? 'selfexecutable', // ListIsosCmd's default
      kind: 'iso',
      more: (where) => {
        // Images from before registration (absent flags) are bootable and ready.
        const flag = (field: 'bootable' | 'isReady', value: boolean | undefined) => {
          if (value === true) where.or((c) => c.absent(field), (c) => c.eq(field, true));
          if (value === false) where.eq(field, false);
        };
        flag('bootable', params.bootable);
        flag('isReady', params.isready);
        if (params.ispublic !== undefined) where.eq('isPublic', params.ispublic);
      },
    }),
});
