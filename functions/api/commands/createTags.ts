import { z } from 'zod';
import type { ResourceTag } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { stableId } from '../../../core/ids';
import { finishedJob } from '../../store/jobs';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { taggableType, taggedResource, TAGGED_KINDS } from '../tag-access';

export default defineCommand({
  name: 'createTags',
  description: 'Creates resource tag(s)',
  since: '4.0.0',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  related: ['deleteTags', 'listTags'],
  params: z.object({
    resourceids: cs.list(cs.string()).meta({ description: 'list of resources to create the tags for' }),
    resourcetype: cs.string().meta({ description: 'type of the resource' }),
    tags: cs.map().meta({ description: 'Map of tags (key/value pairs)' }),
    customer: cs.string().optional().meta({ description: 'identifies client specific tag. When the value is not null, the tag can\'t be used by cloudStack code internally' }),
  }),
  async handle({ params, caller, store, now, command }) {
    const type = taggableType(params.resourcetype);
    // TaggedResourceManagerImpl.createTags: every key with a value, every resource the caller's.
    const pairs = Object.values(params.tags).map((e) => ({ key: e.key ?? '', value: e.value }));
    if (pairs.length === 0) throw new InvalidParameterError('Unable to execute API command createtags due to missing parameter tags');
    for (const { key, value } of pairs) {
      if (!key) throw new InvalidParameterError('The key of a tag cannot be empty');
      if (value === undefined || value === '') throw new InvalidParameterError(`Value for the key ${key} is either null or empty`);
    }
    const keys = pairs.map((p) => p.key);
    const twice = keys.find((k, i) => keys.indexOf(k) !== i);
    if (twice) throw new InvalidParameterError(`Tag key ${twice} is given more than once`);
    const resources = await Promise.all([...new Set(params.resourceids)].map((id) => taggedResource(store, caller, type, id, command)));
    const at = now.toISOString();
    const job = finishedJob({ cmd: 'org.apache.cloudstack.api.command.user.tag.CreateTagsCmd', eventType: 'CREATE_TAGS', caller, instanceType: TAGGED_KINDS[type].instanceType, instanceId: resources[0].item.id, result: { success: true }, at: now });
    // One transaction per resource (its tags and its map together); the job with the last.
    for (const [i, r] of resources.entries()) {
      const tags: ResourceTag[] = pairs.map(({ key, value }) => ({
        id: stableId('tag', type, r.item.id, key),
        key,
        value: value!,
        resourceType: type,
        resourceId: r.item.id,
        ...r.owner,
        ...(params.customer ? { customer: params.customer } : {}),
        created: at,
      }));
      await store.tags.add(r.item, tags, i === resources.length - 1 ? await store.jobs.completedOperations(job) : []);
    }
    return { kind: 'async', jobid: job.id };
  },
});
