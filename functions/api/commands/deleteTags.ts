import { z } from 'zod';
import { finishedJob } from '../../store/jobs';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { taggableType, taggedResource, TAGGED_KINDS } from '../tag-access';

export default defineCommand({
  name: 'deleteTags',
  description: 'Deleting resource tag(s)',
  since: '4.0.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['createTags', 'listTags'],
  params: z.object({
    resourceids: cs.list(cs.string()).meta({ description: 'Delete tags for resource id(s)' }),
    resourcetype: cs.string().meta({ description: 'Delete tag by resource type' }),
    tags: cs.map().optional().meta({ description: 'Delete tags matching key/value pairs' }),
  }),
  async handle({ params, caller, store, now, command }) {
    const type = taggableType(params.resourcetype);
    // Without tags[]: every tag of the resources; a key alone: that key whatever its value.
    const wanted = Object.values(params.tags ?? {}).map((e) => ({ key: e.key, value: e.value }));
    const resources = await Promise.all([...new Set(params.resourceids)].map((id) => taggedResource(store, caller, type, id, command)));
    const job = finishedJob({ cmd: 'org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd', eventType: 'DELETE_TAGS', caller, instanceType: TAGGED_KINDS[type].instanceType, instanceId: resources[0].item.id, result: { success: true }, at: now });
    for (const [i, r] of resources.entries()) {
      const tags = (await store.tags.forResource(r.item.id)).filter((t) => wanted.length === 0 || wanted.some((w) => w.key === t.key && (w.value === undefined || w.value === t.value)));
      await store.tags.remove(r.item, tags, i === resources.length - 1 ? await store.jobs.completedOperations(job) : []);
    }
    return { kind: 'async', jobid: job.id };
  },
});
