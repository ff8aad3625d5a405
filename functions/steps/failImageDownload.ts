import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordImageEvent } from '../image-events';
import { defineStep } from './define-step';
import { Caught, failedCompletion } from './failures';

const Input = z.object({ jobId: z.string(), templateId: z.string(), failure: z.record(z.string(), Caught), state: z.string() });

/**
 * A download that failed (unreachable URL, wrong checksum, not the format it claims, its host gone):
 * the image shows the reason as its status and stays not ready, and the job fails with the step and
 * the agent's reason, in one transaction; then the event. Deleting it and registering it again retries.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, templateId, failure, state }, { store, now }) => {
    const { failedStep, error, fields } = failedCompletion(failure);
    const [job, t] = await Promise.all([store.jobs.get(jobId, true), store.templates.get(templateId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    const mine = t && !t.removed && t.download?.jobId === jobId && t.download.state === 'Downloading';
    const reason = fields.publicErrorText;
    const at = now();
    const completed = await store.jobs.complete(
      jobId,
      { ...fields, step: state, created: job.created, also: mine ? store.templates.changeOperations(t, { download: { ...t.download!, state: 'Error', error: reason } }) : [] },
      undefined,
      store.vms,
      at,
    );
    if (completed && t) await recordImageEvent(store, { image: t, jobId, ok: false, text: `Error while downloading ${t.url} at ${failedStep}: ${reason}` }, at).catch(() => undefined);
    return { completed, error };
  },
  { recordsOwnStep: true },
);
