import { z } from 'zod';
import { defineCommand } from '../define-command';
import { updateImage, updateParams } from '../image-admin';

/** updateIso: functions/api/image-admin.ts updateImage, for ISOs (`bootable` too). */
export default defineCommand({
  name: 'updateIso',
  description: 'Updates an ISO file.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'iso',
  related: ['listIsos', 'registerIso'],
  params: z.object({ ...updateParams }),
  handle: ({ params, caller, store, command }) => updateImage({ params, caller, store, command }, 'iso'),
});
