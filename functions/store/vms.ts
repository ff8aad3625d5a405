import type { Vm } from '../../core/entities';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentOperationError } from '../../core/errors';
import { entityKey, ERROR_HOLDS, errorHoldKey, EXPUNGE_QUEUE, expungeQueueKey } from './keys';
import { Repository } from './repository';

/**
 * VM items. Writes that change a VM's state go through a transaction together with its job
 * (jobs.ts) or its host's capacity (placement.ts), always conditioned on `version`.
 */
export class VmsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<Vm>('VM', id, consistent);
  listAll = () => this.listKind<Vm>('VM');
  /**
   * The VMs holding capacity on a host (placed there, or moving there). Read from the VM kind's
   * index and filtered: only rare paths ask (maintenance, a host going Down), so no per-host index
   * is kept on every placement; at tens of thousands of VMs one should be (docs/decisions.md).
   */
  listOnHost = async (hostId: string) => (await this.listAll()).filter((vm) => vm.hostId === hostId || vm.migration?.hostId === hostId);
  listByAccount = (accountId: string) => this.listScope<Vm>('VM', 'ACCOUNT', accountId);

  /** The Put of a new VM item, for a transaction. */
  createOperation(vm: Vm) {
    return {
      Put: {
        TableName: this.table,
        Item: this.entityItem('VM', vm, { order: vm.created, scope: { name: 'ACCOUNT', id: vm.accountId } }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * The Update of a VM's fields, for a transaction: conditioned on the version read, it bumps the
   * version and may REMOVE attributes (a released host, a finished job).
   */
  updateOperation(vm: Pick<Vm, 'id' | 'version'>, set: Partial<Vm>, remove: Array<keyof Vm> = []) {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': vm.version, ':next': vm.version + 1 };
    const sets = ['#version = :next'];
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined || k === 'version' || k === 'id') continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    const removes = remove.map((k) => {
      names[`#${String(k)}`] = String(k);
      return `#${String(k)}`;
    });
    return {
      Update: {
        TableName: this.table,
        Key: entityKey('VM', vm.id),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The expunge queue entry of a VM destroyed at `destroyed`, for the transaction that destroys it. */
  queueForExpungeOperation(vmId: string, destroyed: string) {
    return { Put: { TableName: this.table, Item: { ...expungeQueueKey(destroyed, vmId), vmId } } };
  }

  /** Its removal, for the transaction that recovers or expunges the VM (absent: a no-op). */
  dequeueExpungeOperation(vmId: string, destroyed: string) {
    return { Delete: { TableName: this.table, Key: expungeQueueKey(destroyed, vmId) } };
  }

  /** The marker of a VM left in Error holding capacity on its host, for the transaction that leaves it so. */
  errorHoldOperation(vmId: string, hostId: string, since: string) {
    return { Put: { TableName: this.table, Item: { ...errorHoldKey(vmId), vmId, hostId, since } } };
  }

  /** Its removal (absent: a no-op). */
  dropErrorHoldOperation(vmId: string) {
    return { Delete: { TableName: this.table, Key: errorHoldKey(vmId) } };
  }

  async dropErrorHold(vmId: string): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: [this.dropErrorHoldOperation(vmId)] }));
  }

  listErrorHolds(): Promise<Array<{ vmId: string; hostId: string; since: string }>> {
    return this.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': ERROR_HOLDS } });
  }

  /** VMs destroyed before `before` (ISO time), oldest first: what the scheduled expunge takes. */
  async listDestroyedBefore(before: string): Promise<string[]> {
    const queued = await this.queryAll<{ vmId: string }>({ KeyConditionExpression: 'pk = :p AND sk < :before', ExpressionAttributeValues: { ':p': EXPUNGE_QUEUE, ':before': before } });
    return queued.map((q) => q.vmId);
  }

  /** One conditional VM update with the writes that belong to it (the expunge queue), in one transaction. */
  async update(vm: Pick<Vm, 'id' | 'version'>, set: Partial<Vm>, remove: Array<keyof Vm> = [], also: object[] = []): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [this.updateOperation(vm, set, remove), ...also] as never }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      const code = reasons?.[0]?.Code;
      if (code === 'ConditionalCheckFailed' || code === 'TransactionConflict') throw new ConcurrentOperationError(`VM ${vm.id} changed while it was being updated`);
      throw err;
    }
  }
}
