import { z } from 'zod';
import { defineCommand } from '../define-command';
import { deleteImage, deleteParams } from '../image-admin';

/** deleteIso: functions/api/image-admin.ts deleteImage, for ISOs. */
export default defineCommand({
  name: 'deleteIso',
  description: 'Deletes an ISO file.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['listIsos', 'registerIso'],
  params: z.object({ ...deleteParams }),
  handle: ({ params, caller, store, now, command }) => deleteImage({ params, caller, store, now, command }, 'iso'),
});
