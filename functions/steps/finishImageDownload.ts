import { z } from 'zod';
import { InternalError } from '../../core/errors';
import { recordImageEvent } from '../image-events';
import { defineStep } from './define-step';

/** `downloaded`: what the host's agent answered (an image it had already has no checksum). */
const Input = z.object({
  jobId: z.string(),
  templateId: z.string(),
  downloaded: z.object({ size: z.number().int().nonnegative(), physicalSize: z.number().int().nonnegative(), checksum: z.string().max(200).optional() }),
  state: z.string(),
});

/**
 * The image is on its host, verified: it is ready, with the size its file gives (a QCOW2's virtual
 * size), the bytes it takes and their digest, and its job succeeds, in one transaction; then the event. An image
 * deleted meanwhile, or downloaded by another job, is left as it is.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, templateId, downloaded: { size, physicalSize, checksum }, state }, { store, now }) => {
    const [job, t] = await Promise.all([store.jobs.get(jobId, true), store.templates.get(templateId, true)]);
    if (!job) throw new InternalError(`Job ${jobId} does not exist`);
    if (job.status !== 0) return { completed: false };
    const mine = t && !t.removed && t.download?.jobId === jobId;
    // The digest of what was downloaded (when none was given): every host that fetches it later checks against it.
    const ready = mine ? { isReady: true, size: Math.max(size, 1), physicalSize, ...(checksum && !t.checksum ? { checksum } : {}), download: { ...t.download!, state: 'Downloaded' as const, percent: 100 } } : undefined;
    const at = now();
    const completed = await store.jobs.complete(jobId, { status: 1, result: { success: true }, step: state, created: job.created, also: mine ? store.templates.changeOperations(t, ready!) : [] }, undefined, store.vms, at);
    if (completed && mine) await recordImageEvent(store, { image: { ...t, ...ready }, jobId, ok: true, text: `Downloaded ${t.url} (${physicalSize} bytes)` }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
