import { z } from 'zod';
import type { Volume } from '../../core/entities';
import { InternalError } from '../../core/errors';
import { createLookups } from '../views/lookups';
import { toVolumeResponse } from '../views/storage';
import { recordVolumeEvent } from '../volume-events';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), volumeId: z.string(), change: z.enum(['attach', 'detach', 'resize']), state: z.string() });

/**
 * Settle a running VM's volume job in one transaction: the job with the volume object, the VM
 * released (its volume list without a detached volume), the volume attached Ready or detached.
 * Then the volume's event. A job already settled is left as it is.
 */
export const handler = defineStep(
  Input,
  async ({ jobId, vmId, volumeId, change, state }, { store, now }) => {
    const [vm, job, volume] = await Promise.all([store.vms.get(vmId, true), store.jobs.get(jobId, true), store.storage.getVolume(volumeId, true)]);
    if (!vm || !job || !volume) throw new InternalError(`VM ${vmId}, job ${jobId} or volume ${volumeId} no longer exists`);
    if (vm.activeJobId !== jobId) return { completed: false };
    const at = now();
    const set: Partial<Volume> = change === 'attach' && volume.state !== 'Ready' ? { state: 'Ready' } : {};
    const remove: Array<keyof Volume> = change === 'detach' ? ['vmId', 'deviceId'] : [];
    const after: Volume = { ...volume, ...set, version: volume.version + 1 };
    for (const k of remove) delete after[k];
    const view = job.accountId === vm.accountId && job.domainPath !== 'ROOT' ? 'restricted' : 'full';
    const completed = await store.jobs.complete(
      jobId,
      { status: 1, result: { volume: await toVolumeResponse(after, createLookups(store), view) }, step: state, created: job.created, also: Object.keys(set).length || remove.length ? store.storage.volumeUpdateOperations(volume, set, remove) : [] },
      { vm, set: { lastUpdated: at.toISOString(), ...(change === 'detach' ? { volumeIds: (vm.volumeIds ?? []).filter((id) => id !== volumeId) } : {}) }, remove: ['activeJobId'] },
      store.vms,
      at,
    );
    if (completed && job.eventType)
      await recordVolumeEvent(store, { type: job.eventType as 'VOLUME.ATTACH', actor: { userId: job.userId }, volume: after, ok: true, text: `Successfully completed ${job.eventType} of volume ${volume.name} on VM ${vm.name}`, jobId }, at).catch(() => undefined);
    return { completed };
  },
  { recordsOwnStep: true },
);
