import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'deleteServiceOffering',
  description: 'Deletes a service offering.',
  access: ['rootAdmin'],
  async: false,
  related: ['createServiceOffering', 'listServiceOfferings', 'updateServiceOffering'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the service offering' }),
  }),
  async handle({ params, store, command, now }) {
    const offering = await store.inventory.offeredServiceOffering(params.id);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    // As CloudStack's removal: no longer listed or offered; VMs made from it keep it (and show its name).
    await store.inventory.updateServiceOffering(offering, { removed: now.toISOString() });
    return { kind: 'success' };
  },
});
