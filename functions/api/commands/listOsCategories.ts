import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { OS_CATEGORIES, osCategoryById } from '../../../core/os-catalogue';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toOsCategoryResponse } from '../../views/infrastructure';

/** The built-in guest OS categories (core/os-catalogue.ts); every role may read them, as in CloudStack. */
export default defineCommand({
  name: 'listOsCategories',
  description: 'Lists all supported OS categories for this cloud.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'oscategory',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list Os category by id' }),
    name: cs.string().optional().meta({ description: 'list os category by name', since: '3.0.1' }),
    ...listParams,
  }),
  async handle({ params, command }) {
    // A UUID parameter names an entity: an unknown one is refused, as ParamProcessWorker does.
    if (params.id && !osCategoryById(params.id)) throw new EntityNotFoundError(command, 'id', params.id);
    return listOf('oscategory', OS_CATEGORIES, params, (c) => [c.name], toOsCategoryResponse);
  },
});
