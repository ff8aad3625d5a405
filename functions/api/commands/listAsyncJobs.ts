import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { pageOf, scopePartitions } from '../listing';
import { resolveScope, scopeParams } from '../scope';
import type { AsyncJob } from '../../../core/entities';
import { jobInstancePartition } from '../../store/indexing';
import { Conditions } from '../../store/listing';
import { toAsyncJobResponse } from '../../views/asyncJob';
import { createLookups } from '../../views/lookups';

export default defineCommand({
  name: 'listAsyncJobs',
  description: 'Lists all pending asynchronous jobs for the account.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'asyncjobs',
  params: z.object({
    resourceid: cs.uuid().optional().meta({ description: 'the ID of the resource the job acts on (a VM)', since: '4.20' }),
    ...scopeParams,
    ...listParams,
  }),
  async handle(ctx) {
    const { params, store, caller } = ctx;
    const scope = await resolveScope(ctx, params);
    const where = new Conditions();
    let source = await scopePartitions(store, 'JOB', scope, where);
    // A resource's jobs are an index of their own, narrowed to the caller's scope.
    if (params.resourceid) {
      if (scope.kind === 'accounts') where.in('accountId', scope.accountIds);
      if (scope.kind === 'domain') where.or((c) => c.eq('domainPath', scope.domain.path), (c) => (scope.recursive ? c.beginsWith('domainPath', `${scope.domain.path}/`) : c.eq('domainId', scope.domain.id)));
      source = { index: 'gsi4', partitions: [jobInstancePartition(params.resourceid)] };
    }
    where.contains('text', params.keyword?.toLowerCase());
    const root = caller.role === 'rootAdmin';
    const hidden = root ? undefined : await createLookups(store).hiddenDetails();
    // In creation order, as CloudStack lists jobs (id ascending).
    return pageOf<AsyncJob>(store, 'asyncjobs', { ...source, filter: where.build(), liveAt: ctx.now, countFrom: where.empty && !params.resourceid ? (c) => c.n : undefined }, params, (j) =>
      toAsyncJobResponse(j, root ? 'full' : 'restricted', hidden),
    );
  },
});
