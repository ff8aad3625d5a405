import { z } from 'zod';
import { EntityNotFoundError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toAsyncJobResponse } from '../../views/asyncJob';

export default defineCommand({
  name: 'queryAsyncJobResult',
  description: 'Retrieves the current status of asynchronous job.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  params: z.object({
    jobid: cs.uuid().meta({ description: 'the ID of the asynchronous job' }),
  }),
  async handle({ params, store, caller, command }) {
    const job = await store.jobs.get(params.jobid, true); // a poll right after the submit must find it
    // Another account's job is as unknown as a missing one: the answer never reveals it exists.
    if (!job || (caller.role !== 'rootAdmin' && job.accountId !== caller.accountId)) throw new EntityNotFoundError(command, 'jobid', params.jobid);
    return { kind: 'raw', body: toAsyncJobResponse(job, caller.role === 'rootAdmin' ? 'full' : 'restricted') };
  },
});
