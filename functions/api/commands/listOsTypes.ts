import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { OS_TYPES, osCategoryById, osTypeById } from '../../../core/os-catalogue';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toOsTypeResponse } from '../../views/infrastructure';

/** The built-in guest OS types (core/os-catalogue.ts): templates' ostypeid and updateVirtualMachine's. */
export default defineCommand({
  name: 'listOsTypes',
  description: 'Lists all supported OS types for this cloud.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'ostype',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'list by Os type Id' }),
    oscategoryid: cs.uuid().optional().meta({ description: 'list by Os Category id' }),
    description: cs.string().optional().meta({ description: 'list os by description', since: '3.0.1' }),
    ...listParams,
  }),
  async handle({ params, command }) {
    if (params.id && !osTypeById(params.id)) throw new EntityNotFoundError(command, 'id', params.id);
    if (params.oscategoryid && !osCategoryById(params.oscategoryid)) throw new EntityNotFoundError(command, 'oscategoryid', params.oscategoryid);
    const types = OS_TYPES.filter(
      (t) => (!params.oscategoryid || t.categoryId === params.oscategoryid) && (!params.description || t.description.toLowerCase().includes(params.description.toLowerCase())),
    );
    return listOf('ostype', types, params, (t) => [t.description], toOsTypeResponse);
  },
});
