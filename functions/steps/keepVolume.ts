import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordVolumeEvent } from '../volume-events';
import { defineStep } from './define-step';
import { Caught, failedCompletion, publicText } from './failures';

const Input = z.object({ jobId: z.string(), volumeId: z.string(), stateBefore: z.enum(['Allocated', 'Ready']), failure: z.record(z.string(), Caught), state: z.string() });

/**
 * A volume's deletion that failed on its host: the volume back in its state before (its file and
 * space kept, so it can be deleted again) and the job failed with the step and the agent's reason,
 * in one transaction; then the event.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, volumeId, stateBefore, failure, state }, { store, now }) => {
    const { failedStep, error, fields } = failedCompletion(failure);
    const [job, volume] = await Promise.all([store.jobs.get(jobId, true), store.storage.getVolume(volumeId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    const at = now();
    const completed = await store.jobs.complete(
      jobId,
      { ...fields, step: state, created: job.created, also: volume?.state === 'Destroy' ? store.storage.volumeUpdateOperations(volume, { state: stateBefore }) : [] },
      undefined,
      store.vms,
      at,
    );
    if (completed && volume) await recordVolumeEvent(store, { type: 'VOLUME.DELETE', actor: { userId: job.userId }, volume, ok: false, text: `Error while deleting volume ${volume.name} at ${failedStep}: ${publicText(error)}`, jobId }, at).catch(() => undefined);
    return { completed, error };
  },
  { recordsOwnStep: true },
);
