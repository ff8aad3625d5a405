import { z } from 'zod';
import type { Domain } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { domainLevel, toDomainResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { listOf } from '../listing';
import { listParams } from '../paging';
import { cs } from '../params';
import { canSeeDomain } from '../scope';

export default defineCommand({
  name: 'listDomains',
  description: 'Lists domains and provides detailed information for listed domains',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'domain',
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'List domain by domain ID.' }),
    name: cs.string().optional().meta({ description: 'List domain by domain name.' }),
    level: cs.int().optional().meta({ description: 'List domains by domain level.' }),
    listall: cs.boolean().optional().meta({
      description: "If set to false, list only resources belonging to the command's caller; if set to true - list resources that the caller is authorized to see. Default value is false",
    }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    // QueryManagerImpl.searchForDomains: one named domain; else the root admin sees every domain,
    // others their own domain, and with listall=true its whole subtree.
    let candidates: Domain[];
    if (params.id) {
      const domain = await store.tenancy.getDomain(params.id);
      candidates = domain && canSeeDomain(caller, domain) ? [domain] : [];
    } else if (caller.role === 'rootAdmin') {
      candidates = await store.tenancy.listDomains();
    } else {
      const own = { id: caller.domainId, path: caller.domainPath };
      candidates = params.listall === true ? await store.tenancy.domainTree(own) : [await store.tenancy.getDomain(own.id)].filter((d): d is Domain => !!d);
    }
    const matching = candidates.filter(
      (d) => (params.level === undefined || domainLevel(d) === params.level) && (params.name === undefined || d.name.toLowerCase() === params.name.toLowerCase()),
    );
    const names = createLookups(store);
    return listOf('domain', matching, { keyword: params.keyword, page: params.page, pagesize: params.pagesize }, (d) => [d.name], async (d) => {
      const [parent, hasChild] = await Promise.all([d.parentId ? names.domain(d.parentId) : undefined, store.tenancy.hasChildren(d)]);
      return toDomainResponse(d, { parent, hasChild });
    });
  },
});
