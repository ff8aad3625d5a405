import { z } from 'zod';
import type { ServiceOffering } from '../../../core/entities';
import { EntityNotFoundError } from '../../../core/errors';
import { toServiceOfferingResponse } from '../../views/infrastructure';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { NO_ROOT_STORAGE_TAGS, PUBLIC_OFFERING, refuseUnsupported, tagList } from '../offering-params';

export default defineCommand({
  name: 'updateServiceOffering',
  description: 'Updates a service offering.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'serviceoffering',
  related: ['createServiceOffering', 'listServiceOfferings', 'deleteServiceOffering'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the service offering to be updated' }),
    name: cs.string().optional().meta({ description: 'the name of the service offering to be updated' }),
    displaytext: cs.string(4096).optional().meta({ description: 'the display text of the service offering to be updated' }),
    hosttags: cs.string(4096).optional().meta({ description: 'comma-separated list of tags for the service offering, tags should match with existing storage pool tags; an empty value removes them', since: '4.16' }),
    // Known to CloudStack, not acted on by Stratus: refused when given.
    sortkey: cs.int().optional().meta({ description: 'sort key of the service offering, integer' }),
    storagetags: cs.string(4096).optional().meta({ description: 'comma-separated list of tags for the service offering, tags should match with existing storage pool tags', since: '4.16' }),
    domainid: cs.string().optional().meta({ description: 'the ID of the containing domain(s) as comma separated string, public for public offerings' }),
    zoneid: cs.string().optional().meta({ description: 'the ID of the containing zone(s) as comma separated string, all for all zones offerings', since: '4.13' }),
  }),
  async handle({ params, store, command }) {
    refuseUnsupported(params, {
      sortkey: 'offerings are listed in creation order',
      storagetags: NO_ROOT_STORAGE_TAGS,
      domainid: PUBLIC_OFFERING,
      zoneid: PUBLIC_OFFERING,
    });
    const offering = await store.inventory.offeredServiceOffering(params.id);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    // As CloudStack's update: only what is given changes; an empty hosttags removes the tags.
    const set: Partial<ServiceOffering> = {
      ...(params.name ? { name: params.name } : {}),
      ...(params.displaytext ? { displayText: params.displaytext } : {}),
    };
    const hostTags = params.hosttags !== undefined ? tagList(params.hosttags) : offering.hostTags;
    if (hostTags) set.hostTags = hostTags;
    const updated = await store.inventory.updateServiceOffering(offering, set, hostTags ? [] : ['hostTags']);
    return { kind: 'object', key: 'serviceoffering', value: toServiceOfferingResponse(updated) };
  },
});
