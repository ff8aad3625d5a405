import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { defineStep } from './define-step';
import { Caught, failedCompletion } from './failures';

const Input = z.object({ jobId: z.string(), repositoryId: z.string(), failure: z.record(z.string(), Caught), state: z.string() });

/**
 * A repository's sync that failed: why, on the repository (listBackupRepositories shows it until a
 * sync succeeds), and the job failed with the step and the host's reason, in one transaction.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, repositoryId, failure, state }, { store, now }) => {
    const { failedStep, error, fields } = failedCompletion(failure);
    const [job, repository] = await Promise.all([store.jobs.get(jobId, true), store.backups.getRepository(repositoryId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    const at = now();
    const also = repository ? [store.backups.repositoryStatsOperation(repositoryId, { error: `${failedStep}: ${error.errortext}` }, at.toISOString())] : [];
    return { completed: await store.jobs.complete(jobId, { ...fields, step: state, created: job.created, also }, undefined, store.vms, at), error };
  },
  { recordsOwnStep: true },
);
