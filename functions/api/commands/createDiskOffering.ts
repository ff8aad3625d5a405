import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DiskOffering, ProvisioningType } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { toDiskOfferingResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';

const PROVISIONING: readonly ProvisioningType[] = ['thin', 'sparse', 'fat'];

/** The provisioning type CloudStack's Storage.ProvisioningType.getProvisioningType accepts. */
export function provisioningTypeOf(value: string | undefined): ProvisioningType {
  if (value === undefined) return 'thin';
  const t = PROVISIONING.find((p) => p === value.toLowerCase());
  if (!t) throw new InvalidParameterError(`Provisioning type '${value}' is not supported: use thin, sparse or fat`);
  return t;
}

export default defineCommand({
  name: 'createDiskOffering',
  description: 'Creates a disk offering.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'diskoffering',
  related: ['listDiskOfferings', 'updateDiskOffering', 'deleteDiskOffering'],
  params: z.object({
    name: cs.string().meta({ description: 'name of the disk offering' }),
    displaytext: cs.string(4096).optional().meta({ description: 'An alternate display text of the disk offering, defaults to \'name\'.' }),
    disksize: cs.long().optional().meta({ description: 'size of the disk offering in GB (1GB = 1,073,741,824 bytes)' }),
    customized: cs.boolean().optional().meta({ description: 'whether disk offering size is custom or not' }),
    tags: cs.string(4096).optional().meta({ description: 'tags for the disk offering' }),
    storagetype: cs.string().optional().meta({ description: 'the storage type of the disk offering. Values are local and shared.' }),
    provisioningtype: cs.string().optional().meta({ description: 'provisioning type used to create volumes. Valid values are thin, sparse, fat.' }),
    miniops: cs.long().optional().meta({ description: 'min iops of the disk offering' }),
    maxiops: cs.long().optional().meta({ description: 'max iops of the disk offering' }),
    customizediops: cs.boolean().optional().meta({ description: 'whether disk offering iops is custom or not', since: '4.4' }),
    displayoffering: cs.boolean().optional().meta({ description: 'an optional field, whether to display the offering to the end user or not.', since: '4.4' }),
    domainid: cs.list(cs.uuid()).optional().meta({ description: 'the ID of the containing domain(s), null for public offerings' }),
    zoneid: cs.list(cs.uuid()).optional().meta({ description: 'the ID of the containing zone(s), null for public offerings', since: '4.13' }),
    encrypt: cs.boolean().optional().meta({ description: 'Volumes using this offering should be encrypted', since: '4.18' }),
  }),
  async handle({ params, store, now }) {
    // ConfigurationManagerImpl.createDiskOffering's checks, in its order.
    const customized = params.customized ?? false;
    if (!customized && params.disksize === undefined) throw new InvalidParameterError('Disksize is required for a non-customized disk offering');
    if (customized && params.disksize !== undefined) throw new InvalidParameterError('Disksize is not allowed for a customized disk offering');
    if (params.disksize !== undefined && params.disksize <= 0) throw new InvalidParameterError('Please specify a disk size of at least 1 GB.');
    const storageType = params.storagetype?.toLowerCase() ?? 'shared';
    if (storageType !== 'shared' && storageType !== 'local') throw new InvalidParameterError(`Invalid storage type ${params.storagetype} for the disk offering: use local or shared`);
    if (params.miniops !== undefined && params.maxiops !== undefined && params.miniops > params.maxiops) throw new InvalidParameterError('The min IOPS must be less than or equal to the max IOPS.');
    if (params.customizediops) throw new InvalidParameterError('Custom IOPS (customizediops=true) are not supported: give miniops and maxiops');
    if (params.encrypt) throw new InvalidParameterError('Encrypted volumes (encrypt=true) are not supported');
    if (params.domainid?.length || params.zoneid?.length) throw new InvalidParameterError('Disk offerings limited to domains or zones are not supported: every disk offering is public');
    const offering: DiskOffering = {
      id: randomUUID(),
      name: params.name,
      displayText: params.displaytext ?? params.name,
      diskSize: params.disksize ?? 0,
      isCustomized: customized,
      ...(params.tags?.trim() ? { tags: params.tags.split(',').map((t) => t.trim()).filter(Boolean).join(',') } : {}),
      storageType,
      provisioningType: provisioningTypeOf(params.provisioningtype),
      ...(params.miniops !== undefined ? { minIops: params.miniops } : {}),
      ...(params.maxiops !== undefined ? { maxIops: params.maxiops } : {}),
      displayOffering: params.displayoffering ?? true,
      created: now.toISOString(),
      version: 1,
    };
    await store.storage.createDiskOffering(offering);
    return { kind: 'object', key: 'diskoffering', value: toDiskOfferingResponse(offering) };
  },
});
