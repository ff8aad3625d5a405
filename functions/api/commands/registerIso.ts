import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { imageParams, registerImage } from '../image-registration';

export default defineCommand({
  name: 'registerIso',
  description: 'Registers an existing ISO into the CloudStack Cloud.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'iso',
  related: ['listIsos', 'deleteIso', 'updateIso', 'attachIso'],
  params: z.object({
    ...imageParams,
    bootable: cs.boolean().optional().meta({ description: 'true if this ISO is bootable. If not passed explicitly its assumed to be true' }),
  }),
  handle: ({ params, caller, store, jobs, now, command }) => registerImage({ params, caller, store, jobs, now, command }, { kind: 'iso', format: 'ISO', bootable: params.bootable ?? true, anyHypervisor: true }),
});
