import { z } from 'zod';
import { canAccess } from '../../../core/access';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toAsyncJobResponse } from '../../views/asyncJob';
import { createLookups } from '../../views/lookups';

export default defineCommand({
  name: 'queryAsyncJobResult',
  description: 'Retrieves the current status of asynchronous job.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'asyncjobs',
  params: z.object({
    jobid: cs.uuid().meta({ description: 'the ID of the asynchronous job' }),
  }),
  async handle({ params, store, caller, command }) {
    const job = await store.jobs.get(params.jobid, true); // a poll right after the submit must find it
    // AsyncJobManagerImpl.queryJob: a user its own account's jobs, a domain admin its subtree's; any
    // other job is as unknown as a missing one, so the answer never reveals it exists.
    if (!job || !canAccess(caller, job)) throw new EntityNotFoundError(command, 'jobid', params.jobid);
    const root = caller.role === 'rootAdmin';
    return { kind: 'raw', body: toAsyncJobResponse(job, root ? 'full' : 'restricted', root ? undefined : await createLookups(store).hiddenDetails()) };
  },
});
