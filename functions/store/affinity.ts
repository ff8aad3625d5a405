import { DeleteCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AffinityGroup, AsyncJob, Vm } from '../../core/entities';
import { ConcurrentOperationError, InvalidParameterError } from '../../core/errors';
import { affinityPinKey, entityKey, nameClaimKey } from './keys';
import { cataloguePartition } from './indexing';
import type { EventsRepository } from './events';
import { JobsRepository } from './jobs';
import { Repository } from './repository';
import type { VmsRepository } from './vms';

type Reasons = Array<{ Code?: string }> | undefined;
const reasonsOf = (err: unknown): Reasons => (err as { CancellationReasons?: Reasons }).CancellationReasons;
const failed = (err: unknown, i: number) => reasonsOf(err)?.[i]?.Code === 'ConditionalCheckFailed';

/** Where a host affinity group's placed members run, and how many are placed. */
export interface AffinityPin {
  hostId?: string;
  placed: number;
}

/** The event of a finished affinity job (listEvents), written after the change committed: never fatal. */
export async function recordAffinityEvent(events: EventsRepository, job: AsyncJob, description: string): Promise<void> {
  await events
    .record(
      {
        id: `${job.id}-completed`,
        type: job.eventType ?? job.cmd,
        level: 'INFO',
        state: 'Completed',
        description,
        accountId: job.accountId,
        accountName: job.accountName,
        domainId: job.domainId,
        domainPath: job.domainPath,
        userId: job.userId,
        resourceType: job.instanceType,
        resourceId: job.instanceId,
        jobId: job.id,
      },
      new Date(job.completed ?? job.created),
    )
    .catch(() => undefined);
}

/** A group's VM changed while it was being written; the caller re-reads it and tries again. */
export class MemberChangedError extends Error {
  constructor(vmId: string) {
    super(`VM ${vmId} changed while its affinity groups were being updated`);
    this.name = 'MemberChangedError';
  }
}

/**
 * Affinity groups (per account, names unique per account case-insensitively through a claim item)
 * and their pins. Membership lives on the VM (`affinityGroupIds`); what a placed member holds on
 * its host lives with placement (placement.ts). The API's async affinity commands finish at once:
 * each writes its change and its completed job in one transaction.
 */
export class AffinityRepository extends Repository {
  // The affinity commands finish their jobs at once: written as JobsRepository writes a finished job.
  private readonly jobs = new JobsRepository(this.db, this.table);

  get = (id: string, consistent = false) => this.getEntity<AffinityGroup>('AFFINITYGROUP', id, consistent);
  listByAccount = (accountId: string) => this.listPartition<AffinityGroup>('gsi2', cataloguePartition('AFFINITYGROUP', 'ACCOUNT', accountId));

  /** The groups that still exist among `ids` (a deleted group is simply absent). */
  async getMany(ids: readonly string[], consistent = false): Promise<AffinityGroup[]> {
    const found = await Promise.all([...new Set(ids)].map((id) => this.get(id, consistent)));
    return found.filter((g): g is AffinityGroup => g !== undefined);
  }

  /** An account's group by name, compared as CloudStack's collation does (case-insensitively). */
  async findByName(accountId: string, name: string): Promise<AffinityGroup | undefined> {
    const lower = name.toLowerCase();
    return (await this.listByAccount(accountId)).find((g) => g.name.toLowerCase() === lower);
  }

  /** The pins of host affinity groups, read consistently: a pin set a moment ago must be seen. */
  async pins(groupIds: readonly string[]): Promise<Map<string, AffinityPin>> {
    const out = new Map<string, AffinityPin>();
    await Promise.all(
      groupIds.map(async (id) => {
        const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: affinityPinKey(id), ConsistentRead: true }))).Item;
        out.set(id, { hostId: item?.hostId as string | undefined, placed: Number(item?.placed ?? 0) });
      }),
    );
    return out;
  }

  /** Create the group, claim its name in its account and record the finished job, at once. */
  async create(group: AffinityGroup, job: AsyncJob): Promise<void> {
    const [jobPut, ...jobCounters] = await this.jobs.completedOperations(job);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: this.listedItem('AFFINITYGROUP', group),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...nameClaimKey('AFFINITYGROUP', group.accountId, group.name), kind: 'AFFINITYGROUP', id: group.id, name: group.name },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            jobPut,
            ...jobCounters,
          ],
        }),
      );
    } catch (err) {
      if (failed(err, 1)) throw new InvalidParameterError(`Unable to create affinity group, a group with name ${group.name} already exists.`);
      throw err;
    }
  }

  /**
   * Delete the group and its name claim and record the finished job, at once. Its members were
   * already let go (`removeMember`); a pin no member holds any more goes too, while a pin still
   * held stays until those members release their capacity.
   */
  async delete(group: AffinityGroup, job: AsyncJob): Promise<'deleted' | 'gone'> {
    const [jobPut, ...jobCounters] = await this.jobs.completedOperations(job);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: entityKey('AFFINITYGROUP', group.id), ConditionExpression: 'attribute_exists(pk)' } },
            { Delete: { TableName: this.table, Key: nameClaimKey('AFFINITYGROUP', group.accountId, group.name) } },
            jobPut,
            ...jobCounters,
          ],
        }),
      );
    } catch (err) {
      if (failed(err, 0)) return 'gone';
      throw err;
    }
    try {
      await this.db.send(
        new DeleteCommand({ TableName: this.table, Key: affinityPinKey(group.id), ConditionExpression: 'attribute_not_exists(pk) OR placed <= :zero', ExpressionAttributeValues: { ':zero': 0 } }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
    return 'deleted';
  }

  /** Take `groupId` out of the VM's groups (deleteAffinityGroup); MemberChangedError when the VM changed since read. */
  async removeMember(vm: Vm, groupId: string, vms: VmsRepository, now: Date): Promise<void> {
    const update = vms.updateOperation(vm, { affinityGroupIds: vm.affinityGroupIds.filter((g) => g !== groupId), lastUpdated: now.toISOString() });
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [update] }));
    } catch (err) {
      if (failed(err, 0)) throw new MemberChangedError(vm.id);
      throw err;
    }
  }

  /**
   * Set a Stopped VM's groups and record the finished job, at once (updateVMAffinityGroup): the VM
   * must still be the version read, Stopped and free of any job, and every group must still exist.
   */
  async setMembership(vm: Vm, groupIds: readonly string[], vms: VmsRepository, job: AsyncJob): Promise<void> {
    const [jobPut, ...jobCounters] = await this.jobs.completedOperations(job);
    const update = vms.updateOperation(vm, { affinityGroupIds: [...groupIds], lastUpdated: job.completed ?? job.created });
    update.Update.ConditionExpression = `${update.Update.ConditionExpression} AND #state IN (:stopped, :allocated) AND attribute_not_exists(#activeJobId)`;
    update.Update.ExpressionAttributeNames['#state'] = 'state';
    update.Update.ExpressionAttributeNames['#activeJobId'] = 'activeJobId';
    update.Update.ExpressionAttributeValues[':stopped'] = 'Stopped';
    update.Update.ExpressionAttributeValues[':allocated'] = 'Allocated'; // startvm=false, shown as Stopped
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            update,
            jobPut,
            ...groupIds.map((id) => ({ ConditionCheck: { TableName: this.table, Key: entityKey('AFFINITYGROUP', id), ConditionExpression: 'attribute_exists(pk)' } })),
            ...jobCounters,
          ],
        }),
      );
    } catch (err) {
      if (failed(err, 0)) throw new ConcurrentOperationError(`VM ${vm.name} changed while its affinity groups were being updated; try again`);
      const gone = groupIds.findIndex((_, i) => failed(err, i + 2));
      if (gone >= 0) throw new InvalidParameterError(`Unable to find affinity group by id ${groupIds[gone]}`);
      throw err;
    }
  }
}
