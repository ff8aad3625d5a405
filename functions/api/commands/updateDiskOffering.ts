import { z } from 'zod';
import type { DiskOffering } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { toDiskOfferingResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'updateDiskOffering',
  description: 'Updates a disk offering.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'diskoffering',
  related: ['createDiskOffering', 'listDiskOfferings', 'deleteDiskOffering'],
  params: z.object({
    id: cs.uuid().meta({ description: 'ID of the disk offering' }),
    name: cs.string().optional().meta({ description: 'updates name of the disk offering with this value' }),
    displaytext: cs.string(4096).optional().meta({ description: 'updates alternate display text of the disk offering with this value' }),
    displayoffering: cs.boolean().optional().meta({ description: 'an optional field, whether to display the offering to the end user or not.' }),
    tags: cs.string(4096).optional().meta({ description: 'comma-separated list of tags for the disk offering, tags should match with existing storage pool tags', since: '4.15' }),
    sortkey: cs.int().optional().meta({ description: 'sort key of the disk offering, integer' }),
    domainid: cs.string().optional().meta({ description: 'the ID of the containing domain(s) as comma separated string, public for public offerings', since: '4.13' }),
    zoneid: cs.string().optional().meta({ description: 'the ID of the containing zone(s) as comma separated string, all for all zones offerings', since: '4.13' }),
  }),
  async handle({ params, store, command }) {
    const offering = await store.storage.getDiskOffering(params.id);
    if (!offering) throw new EntityNotFoundError(command, 'id', params.id);
    if (params.sortkey !== undefined) throw new InvalidParameterError('sortkey is not supported: disk offerings list in creation order');
    if ((params.domainid !== undefined && params.domainid !== 'public') || (params.zoneid !== undefined && params.zoneid !== 'all'))
      throw new InvalidParameterError('Disk offerings limited to domains or zones are not supported: every disk offering is public');
    const set: Partial<DiskOffering> = {};
    if (params.name !== undefined) set.name = params.name;
    if (params.displaytext !== undefined) set.displayText = params.displaytext;
    if (params.displayoffering !== undefined) set.displayOffering = params.displayoffering;
    const remove: Array<keyof DiskOffering> = [];
    if (params.tags !== undefined) {
      const tags = params.tags.split(',').map((t) => t.trim()).filter(Boolean).join(',');
      if (tags) set.tags = tags;
      else remove.push('tags'); // an empty list removes the tags
    }
    const updated = Object.keys(set).length || remove.length ? await store.storage.updateDiskOffering(offering, set, remove) : offering;
    return { kind: 'object', key: 'diskoffering', value: toDiskOfferingResponse(updated) };
  },
});
