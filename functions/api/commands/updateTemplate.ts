import { z } from 'zod';
import { defineCommand } from '../define-command';
import { updateImage, updateParams } from '../image-admin';

/** updateTemplate: functions/api/image-admin.ts updateImage, for templates. */
export default defineCommand({
  name: 'updateTemplate',
  description: 'Updates attributes of a Template.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'template',
  params: z.object({ ...updateParams }),
  handle: ({ params, caller, store, command }) => updateImage({ params, caller, store, command }, 'template'),
});
