import type { Vm } from '../../core/entities';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConcurrentOperationError } from '../../core/errors';
import { accountPartition, vmHostPartition } from './indexing';
import { entityKey, ERROR_HOLDS, errorHoldKey, EXPUNGE_QUEUE, expungeQueueKey, instanceNameKey } from './keys';
import { ListingRepository } from './listing';
import { Repository } from './repository';

/** A VM as an update leaves it. */
export function applied<T extends object>(entity: T, set: Partial<T>, remove: ReadonlyArray<keyof T> = []): T {
  const after = { ...entity } as Record<string, unknown>;
  for (const [k, v] of Object.entries(set)) if (v !== undefined) after[k] = v;
  for (const k of remove) delete after[k as string];
  return after as T;
}

/**
 * VM items. Writes that change a VM's state go through a transaction together with its job
 * (jobs.ts) or its host's capacity (placement.ts), always conditioned on `version`.
 */
export class VmsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<Vm>('VM', id, consistent);
  /** The VMs placed on a host (its capacity holders), oldest first: one Query of the by-host index. */
  /** An account's VMs, oldest first (its listing partition): for what needs them all (dispersing placement, affinity members). */
  listByAccount = (accountId: string) => this.listing.all<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', accountId)] });
  listOnHost = (hostId: string) => this.listing.all<Vm>({ index: 'gsi4', partitions: [vmHostPartition(hostId)] });

  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly listing = new ListingRepository(db, table),
  ) {
    super(db, table);
  }

  /** The Put of a new VM item and its counters, for a transaction (the Put first). */
  createOperations(vm: Vm, { claimInstanceName = false } = {}) {
    return [
      { Put: { TableName: this.table, Item: this.listedItem('VM', vm), ConditionExpression: 'attribute_not_exists(pk)' } },
      this.instanceNameOperation(vm, claimInstanceName),
      ...this.counterOperations('VM', undefined, vm),
    ];
  }

  /** The VM an instance name belongs to (a heartbeat names domains by it): one item per name, written with the VM. */
  private instanceNameOperation(vm: Pick<Vm, 'id' | 'instanceName'>, claim: boolean) {
    const put = { TableName: this.table, Item: { ...instanceNameKey(vm.instanceName), vmId: vm.id } };
    // An import claims the domain's name: held to it being free, so a domain Stratus manages cannot be imported again.
    return { Put: claim ? { ...put, ConditionExpression: 'attribute_not_exists(pk) OR vmId = :vm', ExpressionAttributeValues: { ':vm': vm.id } } : put };
  }

  /** The Delete of a VM's item, held to the version read (an import undone: nothing of it remains). */
  deleteOperation(vm: Vm) {
    return this.versionedDelete('VM', vm);
  }

  /** The Delete of a VM's instance-name item (unmanaged: the domain of that name is not Stratus's any more), for a transaction; only its own. */
  forgetInstanceNameOperation(vm: Pick<Vm, 'id' | 'instanceName'>) {
    return { Delete: { TableName: this.table, Key: instanceNameKey(vm.instanceName), ConditionExpression: 'attribute_not_exists(pk) OR vmId = :vm', ExpressionAttributeValues: { ':vm': vm.id } } };
  }

  /** Which of these instance names a VM holds (read consistently): a domain of such a name is Stratus's. */
  async instanceNamesTaken(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    return new Set((await this.batchGetItems(names.map(instanceNameKey), true)).map((i) => String(i.pk).slice(instanceNameKey('').pk.length)));
  }

  /** A transaction's check that a VM holds the name (`held`) or that none does. */
  instanceNameCheck(name: string, held: boolean) {
    return { ConditionCheck: { TableName: this.table, Key: instanceNameKey(name), ConditionExpression: held ? 'attribute_exists(pk)' : 'attribute_not_exists(pk)' } };
  }

  /** The VMs behind instance names (those Stratus never made, expunged or let go are absent), by key. */
  async byInstanceNames(names: readonly string[]): Promise<Vm[]> {
    if (names.length === 0) return [];
    const refs = await this.batchGet<{ vmId: string }>(names.map(instanceNameKey));
    // A name item written before expunges freed names may still point at an expunged VM.
    return (await this.batchGet<Vm>(refs.map((r) => entityKey('VM', r.vmId)), true)).filter((vm) => vm.state !== 'Expunged');
  }

  /** The counter Updates of a VM change (Destroyed, recovered, Expunged), for the transaction that makes it. */
  changeCounterOperations(vm: Vm, set: Partial<Vm>, remove: Array<keyof Vm> = []) {
    return this.counterOperations('VM', vm, applied(vm, set, remove));
  }

  /**
   * The Update of a VM's fields, for a transaction: conditioned on the version read, it bumps the
   * version and may REMOVE attributes (a released host, a finished job). `vm` is the whole VM as
   * read: the index attributes (indexing.ts) follow the change. A change that moves the VM in or out
   * of a counted listing (Destroyed, recovered, Expunged) also needs changeCounterOperations.
   */
  updateOperation(vm: Vm, set: Partial<Vm>, remove: Array<keyof Vm> = []) {
    const index = this.indexUpdate('VM', vm, applied(vm, set, remove));
    const names: Record<string, string> = { '#version': 'version', ...index.names };
    const values: Record<string, unknown> = { ':expected': vm.version, ':next': vm.version + 1, ...index.values };
    const sets = ['#version = :next', ...index.sets];
    for (const [k, v] of Object.entries(set)) {
      if (v === undefined || k === 'version' || k === 'id') continue;
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    const removes = [
      ...remove.map((k) => {
        names[`#${String(k)}`] = String(k);
        return `#${String(k)}`;
      }),
      ...index.removes,
    ];
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

  /** One conditional VM update with the writes that belong to it (the expunge queue, its counters), in one transaction. */
  async update(vm: Vm, set: Partial<Vm>, remove: Array<keyof Vm> = [], also: object[] = []): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [this.updateOperation(vm, set, remove), ...also, ...this.changeCounterOperations(vm, set, remove)] as never }));
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      const code = reasons?.[0]?.Code;
      if (code === 'ConditionalCheckFailed' || code === 'TransactionConflict') throw new ConcurrentOperationError(`VM ${vm.id} changed while it was being updated`);
      throw err;
    }
  }
}
