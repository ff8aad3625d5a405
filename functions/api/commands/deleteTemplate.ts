import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { deleteImage, deleteParams } from '../image-admin';

/** deleteTemplate: functions/api/image-admin.ts deleteImage, for templates. */
export default defineCommand({
  name: 'deleteTemplate',
  description: 'Deletes a template from the system. All virtual machines using the deleted template will not be affected.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['listTemplates', 'registerTemplate'],
  params: z.object({
    ...deleteParams,
    forced: cs.boolean().optional().meta({ description: 'Force delete a template; VMs made from it keep running either way' }),
  }),
  handle: ({ params, caller, store, now, command }) => deleteImage({ params, caller, store, now, command }, 'template'),
});
