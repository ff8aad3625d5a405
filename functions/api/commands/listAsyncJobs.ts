import { z } from 'zod';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toAsyncJobResponse } from '../../views/asyncJob';

export default defineCommand({
  name: 'listAsyncJobs',
  description: 'Lists all pending asynchronous jobs for the account.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'asyncjobs',
  params: z.object({
    resourceid: cs.uuid().optional().meta({ description: 'the ID of the resource the job acts on (a VM)', since: '4.20' }),
    listall: cs.boolean().optional().meta({ description: 'If set to false, list only resources belonging to the command\'s caller' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const root = caller.role === 'rootAdmin';
    const all = root && params.listall === true ? await store.jobs.listAll() : await store.jobs.listByAccount(caller.accountId);
    const jobs = all.filter((j) => !params.resourceid || j.instanceId === params.resourceid).reverse(); // newest first
    return listOf('asyncjobs', jobs, params, (j) => [j.cmd], (j) => toAsyncJobResponse(j, root ? 'full' : 'restricted'));
  },
});
