import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Domain } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { NameTakenError } from '../../store/name-taken';
import { toDomainResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { cs } from '../params';
import { defaultDomain, visibleDomain } from '../scope';
import { checkNetworkDomain } from '../tenancy';

export default defineCommand({
  name: 'createDomain',
  description: 'Creates a domain',
  access: ['rootAdmin', 'domainAdmin'],
  async: false,
  responseKey: 'domain',
  params: z.object({
    name: cs.string().meta({ description: 'creates domain with this name' }),
    parentdomainid: cs.uuid().optional().meta({ description: 'assigns new domain a parent domain by domain ID of the parent.  If no parent domain is specified, the ROOT domain is assumed.' }),
    networkdomain: cs.string().optional().meta({ description: 'Network domain for networks in the domain' }),
  }),
  async handle(ctx) {
    const { params, store, now } = ctx;
    // A domain admin may create domains only within its own subtree (DomainManagerImpl: checkAccess on the parent).
    const parent = params.parentdomainid ? await visibleDomain(ctx, params.parentdomainid, 'parentdomainid') : await defaultDomain(ctx);
    if (params.name.trim() === '') throw new InvalidParameterError('Domain name can not be empty');
    // '/' separates the levels of a path (ROOT/acme/sales): a name holding one would make two domains one path.
    if (params.name.includes('/')) throw new InvalidParameterError(`Domain name ${params.name} can not contain '/'`);
    checkNetworkDomain(params.networkdomain);
    const domain: Domain = {
      id: randomUUID(),
      name: params.name,
      path: `${parent.path}/${params.name}`,
      parentId: parent.id,
      networkDomain: params.networkdomain,
      created: now.toISOString(),
    };
    try {
      await store.tenancy.putDomain(domain);
    } catch (err) {
      if (err instanceof NameTakenError) throw new InvalidParameterError(`Domain with name [${params.name}] already exists for the parent with ID [${parent.id}].`);
      throw err;
    }
    return { kind: 'object', key: 'domain', value: toDomainResponse(domain, { parent, hasChild: false }) };
  },
});
