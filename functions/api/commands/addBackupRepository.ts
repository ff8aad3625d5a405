import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BackupRepository } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { toBackupRepositoryResponse } from '../../views/backup';
import { cs } from '../params';
import { defineCommand } from '../define-command';

/** CloudStack's repository types (`cephfs` is stored as `ceph`, as CloudStack's command does). */
const TYPES: Record<string, BackupRepository['type']> = { nfs: 'nfs', cephfs: 'ceph', ceph: 'ceph', cifs: 'cifs' };

/**
 * addBackupRepository: a share the zone's KVM hosts mount to keep the nas provider's backups. The
 * nas provider offers each repository of the zone as a policy to import (listBackupProviderOfferings).
 */
export default defineCommand({
  name: 'addBackupRepository',
  description: 'Adds a backup repository to store NAS backups',
  since: '4.20.0',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'backuprepository',
  related: ['listBackupRepositories', 'deleteBackupRepository', 'listBackupProviderOfferings'],
  params: z.object({
    name: cs.string().meta({ description: 'name of the backup repository' }),
    address: cs.string().meta({ description: 'address of the backup repository' }),
    type: cs.string().meta({ description: 'type of the backup repository storage. Supported values: nfs, cephfs, cifs' }),
    provider: cs.string().optional().meta({ description: 'backup repository provider' }),
    mountopts: cs.string().optional().meta({ description: 'shared storage mount options' }),
    zoneid: cs.uuid().meta({ description: 'ID of the zone where the backup repository is to be added' }),
    capacitybytes: cs.long().optional().meta({ description: 'capacity of this backup repository' }),
    crosszoneinstancecreation: cs.boolean().optional().meta({ description: 'backup repository is used for cross-zone instance creation', since: '4.21.0' }),
  }),
  async handle({ params, store, command, now }) {
    const zone = await store.inventory.getZone(params.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    const type = TYPES[params.type.toLowerCase()];
    if (!type) throw new InvalidParameterError(`Invalid backup repository type ${params.type}: supported values are nfs, cephfs and cifs`);
    if (params.provider !== undefined && params.provider.toLowerCase() !== 'nas') throw new InvalidParameterError(`Backup repositories are the nas provider's: provider ${params.provider} has none`);
    if (!params.address.trim()) throw new InvalidParameterError('The address of the backup repository must not be empty');
    if (params.capacitybytes !== undefined && params.capacitybytes < 0) throw new InvalidParameterError('capacitybytes must not be negative');
    const repository: BackupRepository = {
      id: randomUUID(),
      name: params.name,
      zoneId: zone.id,
      provider: 'nas',
      type,
      address: params.address.trim(),
      mountOptions: params.mountopts ?? '',
      ...(params.capacitybytes !== undefined ? { capacityBytes: params.capacitybytes } : {}),
      crossZoneInstanceCreation: params.crosszoneinstancecreation ?? false,
      created: now.toISOString(),
      version: 1,
    };
    await store.backups.createRepository(repository);
    return { kind: 'object', key: 'backuprepository', value: toBackupRepositoryResponse(repository, zone.name) };
  },
});
