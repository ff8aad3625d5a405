import { z } from 'zod';
import { limitFields } from '../../../core/resource-limits';
import { domainCountsKey } from '../../store/keys';
import type { Domain } from '../../../core/entities';
import { createLookups } from '../../views/lookups';
import { domainLevel, toDomainResponse } from '../../views/tenancy';
import { defineCommand } from '../define-command';
import { catalogueSource, listOf, pageOf } from '../listing';
import { Conditions, type ListSpec } from '../../store/listing';
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
    // others their own domain, and with listall=true its whole subtree. Domains list in path order.
    const where = new Conditions();
    let source: Pick<ListSpec, 'index' | 'kind' | 'partitions' | 'from' | 'to'>;
    if (params.id) {
      const domain = await store.tenancy.getDomain(params.id);
      if (!domain || !canSeeDomain(caller, domain)) where.in('id', []);
      source = catalogueSource('DOMAIN', params.id);
    } else if (caller.role === 'rootAdmin') {
      source = catalogueSource('DOMAIN', undefined);
    } else if (params.listall === true) {
      // The subtree is one range of paths; the filter drops siblings whose name extends the path.
      const path = caller.domainPath;
      source = { ...catalogueSource('DOMAIN', undefined), from: `${path}#`, to: `${path}/` };
      where.or((c) => c.eq('path', path), (c) => c.beginsWith('path', `${path}/`));
    } else {
      source = catalogueSource('DOMAIN', caller.domainId);
    }
    // A domain's search text is its name in lower case: the name compared as CloudStack's collation does.
    if (params.name !== undefined) where.eq('text', params.name.toLowerCase());
    where.contains('text', params.keyword?.toLowerCase());
    const names = createLookups(store);
    const toResponse = async (d: Domain) => {
      const key = domainCountsKey(d.path);
      const [parent, hasChild, counts] = await Promise.all([d.parentId ? names.domain(d.parentId) : undefined, store.tenancy.hasChildren(d), store.resourceCounts.read([key])]);
      // ROOT's totals are not kept as resources come and go (updateResourceCount sums them).
      const limits = limitFields(await store.resourceCounts.domainLimits(d.path), d.parentId ? counts.get(key.pk)!.counts : undefined, false);
      return toDomainResponse(d, { parent, hasChild, limits });
    };
    if (params.level !== undefined) {
      // No index holds a domain's depth: the tree read is filtered here (domains are an administrator's few hundred).
      const level = params.level;
      const tree = (await store.listing.all<Domain>({ ...source, filter: where.build() })).filter((d) => domainLevel(d) === level);
      return listOf('domain', tree, { page: params.page, pagesize: params.pagesize }, () => [], toResponse);
    }
    return pageOf<Domain>(store, 'domain', { ...source, filter: where.build() }, params, toResponse);
  },
});
