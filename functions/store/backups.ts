import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AsyncJob, Backup, BackupOffering, BackupRepository, BackupSchedule, Vm } from '../../core/entities';
import { backupDuePartitions, backupScheduleVmPartition, backupVmPartition, cataloguePartition } from './indexing';
import { ConcurrentOperationError, InvalidParameterError, OperationRefusedError } from '../../core/errors';
import { JobsRepository } from './jobs';
import { entityKey } from './keys';
import { Repository, withCountersMerged } from './repository';
import { applied, type VmsRepository } from './vms';

const cancelled = (err: unknown) => (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons?.map((r) => r.Code ?? 'None');

/**
 * Backup and recovery: backup offerings (a catalogue kind, listed by zone) and VMs' assignment to
 * them. An offering counts its VMs (`assignedVms`) in the transaction that assigns or removes one,
 * so deleting it is one conditional delete, never a read of the VMs.
 */
export class BackupsRepository extends Repository {
  // The offering commands finish their jobs at once: written as JobsRepository writes a finished job.
  private readonly jobs = new JobsRepository(this.db, this.table);

  constructor(
    db: ConstructorParameters<typeof Repository>[0],
    table: string,
    private readonly vms: VmsRepository,
  ) {
    super(db, table);
  }

  getOffering = (id: string, consistent = false) => this.getEntity<BackupOffering>('BACKUPOFFERING', id, consistent);
  getBackup = (id: string, consistent = false) => this.getEntity<Backup>('BACKUP', id, consistent);

  /** A new backup record and its counters, and its offering's count of backups, for the transaction that starts its job. */
  createBackupOperations(backup: Backup): object[] {
    return [
      { Put: { TableName: this.table, Item: this.listedItem('BACKUP', backup), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...this.counterOperations('BACKUP', undefined, backup),
      countOperation(this.table, backup.backupOfferingId, 'backups', 1),
    ];
  }

  /** A backup's change (its status, size, what the provider called it), held to the version read. */
  updateBackupOperations(backup: Backup, set: Partial<Backup>): object[] {
    const after: Backup = { ...applied<Backup>(backup, set), version: backup.version + 1 };
    return [{ Update: this.entityUpdate('BACKUP', backup, after as unknown as Record<string, unknown>) }, ...this.counterOperations('BACKUP', backup, after)];
  }

  /** A backup gone (deleteBackup), held to the version read, its offering's count of backups with it. */
  deleteBackupOperations(backup: Backup): object[] {
    return [this.versionedDelete('BACKUP', backup), ...this.counterOperations('BACKUP', backup, undefined), countOperation(this.table, backup.backupOfferingId, 'backups', -1)];
  }

  /** A VM's backups (its gsi4 partition), oldest first: a schedule's retention, an expunge's check. */
  backupsOfVm = (vmId: string) => this.listPartition<Backup>('gsi4', backupVmPartition(vmId));

  getSchedule = (id: string, consistent = false) => this.getEntity<BackupSchedule>('BACKUPSCHEDULE', id, consistent);
  /** A VM's schedules (at most one per interval type). */
  schedulesOfVm = (vmId: string) => this.listPartition<BackupSchedule>('gsi4', backupScheduleVmPartition(vmId));

  /**
   * A new schedule, or a change of one held to the version read (both also move it in the due
   * index). `offeringId`: the VM must still be in that offering, so no schedule outlives its VM's
   * leaving the offering (which deletes the VM's schedules).
   */
  async saveSchedule(before: BackupSchedule | undefined, after: BackupSchedule, offeringId?: string): Promise<void> {
    const explain = () => new ConcurrentOperationError(`The ${after.intervalType} backup schedule of VM ${after.vmName}, or the VM's backup offering, changed meanwhile; try again`);
    const inOffering = offeringId
      ? [{ ConditionCheck: { TableName: this.table, Key: entityKey('VM', after.vmId), ConditionExpression: 'backupOfferingId = :offering', ExpressionAttributeValues: { ':offering': offeringId } } }]
      : [];
    if (!before) return this.transact([{ Put: { TableName: this.table, Item: this.listedItem('BACKUPSCHEDULE', after), ConditionExpression: 'attribute_not_exists(pk)' } }, ...this.counterOperations('BACKUPSCHEDULE', undefined, after), ...inOffering], explain);
    return this.transact([...this.updateScheduleOperations(before, after), ...inOffering], explain);
  }

  /** A schedule's change (its next run moved on, its last run noted), held to the version read. */
  updateScheduleOperations(before: BackupSchedule, after: BackupSchedule): object[] {
    return [{ Update: this.entityUpdate('BACKUPSCHEDULE', before, { ...after, version: before.version + 1 } as unknown as Record<string, unknown>) }, ...this.counterOperations('BACKUPSCHEDULE', before, after)];
  }

  /** Schedules gone, each held to the version read (their counters merged: one operation per counter item). */
  deleteSchedulesOperations(schedules: readonly BackupSchedule[]): object[] {
    return withCountersMerged(schedules.flatMap((s) => [this.versionedDelete('BACKUPSCHEDULE', s), ...this.counterOperations('BACKUPSCHEDULE', s, undefined)]));
  }

  /** The schedules due at `now` (the due index's shards, up to `now`), soonest first within a shard. */
  async dueSchedules(now: Date): Promise<BackupSchedule[]> {
    const shards = await Promise.all(
      backupDuePartitions.map((partition) =>
        this.queryAll<BackupSchedule>({
          IndexName: 'gsi5',
          KeyConditionExpression: 'gsi5pk = :p AND gsi5sk <= :now',
          ExpressionAttributeValues: { ':p': partition, ':now': now.getTime() },
        }),
      ),
    );
    return shards.flat();
  }

  /** Writes in one transaction; a failed condition is `explain`ed. */
  async transact(items: object[], explain: () => Error): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
    } catch (err) {
      if (cancelled(err)) throw explain();
      throw err;
    }
  }

  /** A new offering and its finished job, at once; a nas offering is counted by its repository, which must still be there. */
  async createOffering(offering: BackupOffering, job: AsyncJob): Promise<void> {
    const repository = offering.provider === 'nas' ? [repositoryCountOperation(this.table, offering.externalId, 1)] : [];
    await this.transact([{ Put: { TableName: this.table, Item: this.listedItem('BACKUPOFFERING', offering), ConditionExpression: 'attribute_not_exists(pk)' } }, ...repository, ...(await this.jobs.completedOperations(job))], () => new InvalidParameterError(`Backup repository ${offering.externalId} was deleted meanwhile`));
  }

  getRepository = (id: string, consistent = false) => this.getEntity<BackupRepository>('BACKUPREPOSITORY', id, consistent);
  /** A zone's backup repositories (its gsi2 partition): what the nas provider offers there. */
  repositoriesOfZone = (zoneId: string) => this.listPartition<BackupRepository>('gsi2', cataloguePartition('BACKUPREPOSITORY', 'ZONE', zoneId));
  /** A zone's backup offerings (its gsi2 partition, a small catalogue). */
  offeringsOfZone = (zoneId: string) => this.listPartition<BackupOffering>('gsi2', cataloguePartition('BACKUPOFFERING', 'ZONE', zoneId));

  async createRepository(repository: BackupRepository): Promise<void> {
    await this.putEntity('BACKUPREPOSITORY', repository, { idempotent: false });
  }

  async updateRepository(repository: BackupRepository, set: Partial<Pick<BackupRepository, 'name' | 'address' | 'mountOptions' | 'crossZoneInstanceCreation'>>): Promise<BackupRepository> {
    return this.updateEntity('BACKUPREPOSITORY', repository, { ...applied<BackupRepository>(repository, set), version: repository.version + 1 }, `Backup repository ${repository.name}`);
  }

  /** What a host measured of a repository (its size and use), or why it could not, for the transaction that ends the sync's job. */
  repositoryStatsOperation(id: string, stats: { capacityBytes: number; usedBytes: number } | { error: string }, at: string): object {
    const measured = 'capacityBytes' in stats;
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('BACKUPREPOSITORY', id),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: measured ? 'SET capacityBytes = :c, usedBytes = :u, statsAt = :at REMOVE statsError' : 'SET statsError = :e, statsAt = :at',
        ExpressionAttributeValues: measured ? { ':c': stats.capacityBytes, ':u': stats.usedBytes, ':at': at } : { ':e': stats.error.slice(0, 1000), ':at': at },
      },
    };
  }

  /** Gone, if no backup offering was imported from it (then `inUse` says why not). */
  async deleteRepository(repository: BackupRepository, inUse: () => Promise<Error>): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: entityKey('BACKUPREPOSITORY', repository.id), ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(offerings) OR offerings = :zero)', ExpressionAttributeValues: { ':zero': 0 } }));
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      if (await this.getRepository(repository.id, true)) throw await inUse();
    }
  }

  /** An administrator's change (name, description, user-driven backups), conditioned on the version read. */
  async updateOffering(offering: BackupOffering, set: Partial<Pick<BackupOffering, 'name' | 'description' | 'allowUserDrivenBackups'>>): Promise<BackupOffering> {
    const after: BackupOffering = { ...applied<BackupOffering>(offering, set), version: offering.version + 1 };
    try {
      await this.db.send(new UpdateCommand(this.entityUpdate('BACKUPOFFERING', offering, after as unknown as Record<string, unknown>)));
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new ConcurrentOperationError(`Backup offering ${offering.name} changed while it was being updated; try again`);
      throw err;
    }
    return after;
  }

  /** Gone, if no VM is assigned to it and no backup was taken by it (CloudStack's refusals otherwise). */
  async deleteOffering(offering: BackupOffering): Promise<void> {
    const none = (n: string) => `(attribute_not_exists(${n}) OR ${n} = :zero)`;
    // A nas offering's repository counts it no more (it cannot be gone: it is not deleted while it counts offerings).
    const repository = offering.provider === 'nas' ? [repositoryCountOperation(this.table, offering.externalId, -1)] : [];
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [{ Delete: { TableName: this.table, Key: entityKey('BACKUPOFFERING', offering.id), ConditionExpression: `attribute_exists(pk) AND ${none('assignedVms')} AND ${none('backups')}`, ExpressionAttributeValues: { ':zero': 0 } } }, ...repository] as never,
        }),
      );
    } catch (err) {
      if (!cancelled(err)) throw err;
      const now = await this.getOffering(offering.id, true);
      if (!now) return; // deleted already
      if ((now.assignedVms ?? 0) > 0) throw new OperationRefusedError('Backup offering is assigned to VMs, remove the assignment(s) in order to remove the offering.');
      throw new OperationRefusedError('Backup Offering cannot be removed as it has backups associated with it.');
    }
  }

  /** A VM that goes for good (expunged, unmanaged) leaves its offering, and its schedules go, in the transaction that lets it go. */
  async leaveOperations(vm: Pick<Vm, 'id' | 'backupOfferingId'>): Promise<object[]> {
    if (!vm.backupOfferingId) return [];
    return [countOperation(this.table, vm.backupOfferingId, 'assignedVms', -1), ...this.deleteSchedulesOperations(await this.schedulesOfVm(vm.id))];
  }

  /**
   * The VM joins the offering (or leaves it: `offering` undefined, from `from`), with its finished
   * job, in one transaction: the VM held to the version read and to no job running on it, the
   * offering's count of VMs moved; `also`: writes of the same transaction (its schedules going).
   */
  async changeAssignment(vm: Vm, to: BackupOffering | undefined, job: AsyncJob, also: object[] = []): Promise<void> {
    const from = vm.backupOfferingId;
    const update = this.vms.updateOperation(vm, to ? { backupOfferingId: to.id } : {}, to ? [] : ['backupOfferingId']);
    update.Update.ConditionExpression = `${update.Update.ConditionExpression} AND attribute_not_exists(activeJobId)`;
    const count = (id: string, delta: 1 | -1) => countOperation(this.table, id, 'assignedVms', delta);
    const counts = [...(to ? [count(to.id, 1)] : []), ...(from && !to ? [count(from, -1)] : [])];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [update, ...counts, ...(await this.jobs.completedOperations(job)), ...also] as never }));
    } catch (err) {
      const codes = cancelled(err);
      if (!codes) throw err;
      if (codes[0] === 'ConditionalCheckFailed') throw new ConcurrentOperationError(`VM ${vm.name} changed, or another operation holds it, while its backup offering was being changed; try again`);
      if (to && codes[1] === 'ConditionalCheckFailed') throw new InvalidParameterError(`Backup offering ${to.name} was deleted meanwhile`);
      throw new ConcurrentOperationError(`VM ${vm.name}'s backup offering changed meanwhile; try again`);
    }
  }
}

/** An offering's count of its VMs or of its backups moved by one. */
const countOperation = (table: string, offeringId: string, count: 'assignedVms' | 'backups', delta: 1 | -1) => counted(table, 'BACKUPOFFERING', offeringId, count, delta);
/** A repository's count of the offerings imported from it moved by one. */
const repositoryCountOperation = (table: string, repositoryId: string, delta: 1 | -1) => counted(table, 'BACKUPREPOSITORY', repositoryId, 'offerings', delta);

/** A count kept on an item, moved by one: adding needs the item there, taking away needs one counted. */
function counted(table: string, kind: 'BACKUPOFFERING' | 'BACKUPREPOSITORY', id: string, count: string, delta: 1 | -1) {
  return {
    Update: {
      TableName: table,
      Key: entityKey(kind, id),
      UpdateExpression: `SET ${count} = if_not_exists(${count}, :zero) + :delta`,
      ConditionExpression: delta > 0 ? 'attribute_exists(pk)' : `attribute_exists(pk) AND ${count} > :zero`,
      ExpressionAttributeValues: { ':zero': 0, ':delta': delta },
    },
  };
}
