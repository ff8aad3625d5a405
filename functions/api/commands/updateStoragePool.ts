import { z } from 'zod';
import type { StoragePool } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { poolLimit, tagsOf } from '../../../core/storage';
import { createLookups } from '../../views/lookups';
import { toStoragePoolResponse } from '../../views/storage';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'updateStoragePool',
  description: 'Updates a storage pool.',
  since: '3.0.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'storagepool',
  related: ['createStoragePool', 'listStoragePools', 'deleteStoragePool'],
  params: z.object({
    id: cs.uuid().meta({ description: 'the Id of the storage pool' }),
    name: cs.string().optional().meta({ description: 'Change the name of the storage pool', since: '4.15' }),
    tags: cs.list(cs.string()).optional().meta({ description: 'comma-separated list of tags for the storage pool' }),
    capacitybytes: cs.long().optional().meta({ description: 'bytes CloudStack can provision from this storage pool' }),
    capacityiops: cs.long().optional().meta({ description: 'IOPS CloudStack can provision from this storage pool' }),
    enabled: cs.boolean().optional().meta({ description: 'false to disable the pool for allocation of new volumes, true to enable it back.' }),
    istagarule: cs.boolean().optional().meta({ description: 'Whether the informed tag is a JS interpretable rule or not.', since: '4.18.0' }),
    url: cs.string(2048).optional().meta({ description: 'the URL of the storage pool', since: '4.19.0' }),
    details: cs.map().optional().meta({ description: 'the details for the storage pool', since: '4.19.0' }),
  }),
  async handle({ params, store, command }) {
    const pool = await store.storage.getPool(params.id, true);
    if (!pool) throw new EntityNotFoundError(command, 'id', params.id);
    if (params.capacityiops !== undefined) throw new InvalidParameterError('capacityiops is only for managed storage, which Stratus does not support');
    if (params.istagarule) throw new InvalidParameterError('Storage tag rules (istagarule=true) are not supported: give the tags as a comma-separated list');
    if (params.url !== undefined) throw new InvalidParameterError('The URL of a storage pool can only be changed while it is in maintenance, which Stratus does not support yet: create a new pool instead');
    if (params.details && Object.keys(params.details).length > 0) throw new InvalidParameterError(`Storage pool details are not supported: ${Object.keys(params.details).join(', ')}`);
    const set: Partial<StoragePool> = {};
    if (params.name !== undefined && params.name.trim() !== '') set.name = params.name;
    if (params.tags !== undefined) set.tags = tagsOf(params.tags.join(','));
    if (params.enabled !== undefined) {
      if (pool.state !== 'Up' && pool.state !== 'Disabled') throw new InvalidParameterError(`Storage pool ${pool.name} is ${pool.state}: only an Up or Disabled pool can be enabled or disabled`);
      set.state = params.enabled ? 'Up' : 'Disabled';
    }
    const factor = await store.storage.factorOf(pool);
    let condition: { expression: string; values: Record<string, unknown> } | undefined;
    if (params.capacitybytes !== undefined) {
      if (params.capacitybytes < 0) throw new InvalidParameterError('capacitybytes must be a non-negative number of bytes');
      // Never below what volumes already hold (as the pool is when written, not as read).
      const limit = poolLimit({ capacityBytes: params.capacitybytes }, factor);
      if (pool.allocatedBytes > limit) throw new InvalidParameterError(`Unable to set the capacity of storage pool ${pool.name} to ${params.capacitybytes} bytes: its volumes hold ${pool.allocatedBytes} bytes (overprovisioning factor ${factor})`);
      set.capacityBytes = params.capacitybytes;
      set.capacityFixed = true;
      condition = { expression: 'allocatedBytes <= :limit', values: { ':limit': limit } };
    }
    const updated = Object.keys(set).length ? await store.storage.updatePool(pool, set, condition) : pool;
    return { kind: 'object', key: 'storagepool', value: await toStoragePoolResponse(updated, createLookups(store), factor) };
  },
});
