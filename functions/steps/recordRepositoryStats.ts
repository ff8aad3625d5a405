import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { defineStep } from './define-step';

/** `measured`: what the host's agent answered (MeasureBackupRepository). */
const Input = z.object({
  jobId: z.string(),
  repositoryId: z.string(),
  measured: z.object({ capacityBytes: z.number().int().nonnegative(), usedBytes: z.number().int().nonnegative() }),
  state: z.string(),
});

/** The end of a repository's sync: its capacity and use as the host measured them, with the job, in one transaction. */
export const handler = defineStep(
  Input,
  async ({ jobId, repositoryId, measured, state }, { store, now }) => {
    const [job, repository] = await Promise.all([store.jobs.get(jobId, true), store.backups.getRepository(repositoryId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    if (job.status !== 0) return { completed: false };
    const at = now();
    const result = { success: true, capacitybytes: measured.capacityBytes, usedbytes: measured.usedBytes };
    // A repository deleted meanwhile has nothing to record on: the job still ends.
    const also = repository ? [store.backups.repositoryStatsOperation(repositoryId, measured, at.toISOString())] : [];
    return { completed: await store.jobs.complete(jobId, { status: 1, result, step: state, created: job.created, also }, undefined, store.vms, at) };
  },
  { recordsOwnStep: true },
);
