import { z } from 'zod';
import type { DiskOffering } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { Conditions } from '../../store/listing';
import { toDiskOfferingResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { catalogueSource, pageOf } from '../listing';

export default defineCommand({
  name: 'listDiskOfferings',
  description: 'Lists all available disk offerings.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: false,
  responseKey: 'diskoffering',
  related: ['createDiskOffering', 'updateDiskOffering', 'deleteDiskOffering'],
  params: z.object({
    id: cs.uuid().optional().meta({ description: 'ID of the disk offering' }),
    name: cs.string().optional().meta({ description: 'name of the disk offering' }),
    zoneid: cs.uuid().optional().meta({ description: 'id of zone disk offering is associated with', since: '4.13' }),
    domainid: cs.uuid().optional().meta({ description: 'the ID of the domain of the disk offering.' }),
    isrecursive: cs.boolean().optional().meta({ description: 'defaults to false, but if true, lists all resources from the parent specified by the domainId till leaves.' }),
    storagetype: cs.string().optional().meta({ description: 'the storage type of the service offering. Values are local and shared.', since: '4.19' }),
    encrypt: cs.boolean().optional().meta({ description: 'listed offerings support disk encryption', since: '4.18' }),
    volumeid: cs.uuid().optional().meta({ description: 'The ID of the volume, tags of the volume are used to filter the offerings', since: '4.17' }),
    listall: cs.boolean().optional().meta({ description: 'If set to false, list only resources belonging to the command\'s caller' }),
    ...listParams,
  }),
  async handle({ params, store, caller }) {
    const storageType = params.storagetype?.toLowerCase();
    if (storageType !== undefined && storageType !== 'shared' && storageType !== 'local') throw new InvalidParameterError(`Invalid storage type ${params.storagetype}: use local or shared`);
    const where = new Conditions().named(params.name).eq('storageType', storageType).contains('text', params.keyword?.toLowerCase());
    if (params.encrypt) where.in('id', []); // no offering encrypts
    // Offerings hidden from users (displayoffering=false) are listed to the root admin only.
    if (caller.role !== 'rootAdmin') where.eq('displayOffering', true);
    if (params.volumeid) {
      const volume = await store.storage.getVolume(params.volumeid);
      const offering = volume?.diskOfferingId ? await store.storage.getDiskOffering(volume.diskOfferingId) : undefined;
      // The offerings a volume may move to: those whose tags are its offering's (CloudStack's volume tag match).
      if (offering?.tags) where.eq('tags', offering.tags);
    }
    return pageOf<DiskOffering>(store, 'diskoffering', { ...catalogueSource('DISKOFFERING', params.id), filter: where.build() }, params, toDiskOfferingResponse);
  },
});
