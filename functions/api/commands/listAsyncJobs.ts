import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { listInScope, resolveScope, scopeParams } from '../scope';
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
    const all = await listInScope(store, scope, { all: () => store.jobs.listAll(), byAccount: (id) => store.jobs.listByAccount(id) });
    const jobs = all.filter((j) => !params.resourceid || j.instanceId === params.resourceid).reverse(); // newest first
    const root = caller.role === 'rootAdmin';
    const hidden = root ? undefined : await createLookups(store).hiddenDetails();
    return listOf('asyncjobs', jobs, params, (j) => [j.cmd], (j) => toAsyncJobResponse(j, root ? 'full' : 'restricted', hidden));
  },
});
