import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordVolumeEvent } from '../volume-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), volumeId: z.string(), state: z.string() });

/**
 * The end of a volume's deletion once its host removed the file: its record and counters gone and
 * its pool's space given back, with the job, in one transaction; then VOLUME.DELETE.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, volumeId, state }, { store, now }) => {
    const [job, volume] = await Promise.all([store.jobs.get(jobId, true), store.storage.getVolume(volumeId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    if (job.status !== 0) return { completed: false };
    const at = now();
    const completed = await store.jobs.complete(jobId, { status: 1, result: { success: true }, step: state, created: job.created, also: volume ? store.storage.volumeDeleteOperations(volume) : [] }, undefined, store.vms, at);
    if (completed && volume) await recordVolumeEvent(store, { type: 'VOLUME.DELETE', actor: { userId: job.userId }, volume, ok: true, text: `Deleted volume ${volume.name}`, jobId }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
