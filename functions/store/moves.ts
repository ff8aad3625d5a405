import type { SnapshotDiscard } from '../vm-snapshots';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { capacityOf, cpuRequestOf } from '../../core/allocator';
import type { Host, MigrationHold, PendingScale, Vm } from '../../core/entities';
import { CapacityRaceError, ConcurrentOperationError } from '../../core/errors';
import { adjustOperation, FREE_MINUS_MEM, giveBackOperation, holdOperation, type Size } from './host-capacity';
import { affinityPinKey, entityKey, haAttentionKey } from './keys';
import type { ReserveLimits } from './placement';
import { Repository } from './repository';
import type { VmsRepository } from './vms';

type Reasons = Array<{ Code?: string }> | undefined;
const reasonsOf = (err: unknown): Reasons => (err as { CancellationReasons?: Reasons }).CancellationReasons;
/** Lost on that item: its condition failed (no room, not Up, an anti-affinity mark). */
const lost = (reasons: Reasons, i: number) => reasons?.[i]?.Code === 'ConditionalCheckFailed';
/** DynamoDB cancelled the transaction because another one held an item: not a verdict, try again. */
const conflicted = (err: unknown) => (reasonsOf(err) ?? []).some((r) => r.Code === 'TransactionConflict') && !(reasonsOf(err) ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
const CONFLICT_ATTEMPTS = 5;


/**
 * Capacity for VMs that change host or size while they run (live migration, dynamic scaling). Each
 * forward operation has its inverse, and each is one transaction of the host items and the VM, so
 * the used capacity of every host stays the sum of what its VMs hold at every step:
 *
 * - reserveMigration / releaseMigration: hold the VM's (new) size on the destination, besides its
 *   own host, for the time it moves; commitMigration makes the destination its host and gives the
 *   source back, applying a pending scale when the move was made for one.
 * - reserveScale / releaseScale: hold the growth on the VM's own host; commitScale makes the new
 *   size the VM's.
 *
 * Holds are conditioned on the host's ceilings (total x cluster factor - request), its state and
 * resource state, and anti-affinity, as placement's reserve is.
 */
export class MovesRepository extends Repository {
  /** One transaction, sent again (with a short, growing pause) while it only lost to concurrent transactions on its items. */
  private async transact(items: object[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items as never }));
        return;
      } catch (err) {
        if (!conflicted(err) || attempt >= CONFLICT_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
      }
    }
  }

  /**
   * The VM's write in a failed transaction lost to a newer version: if the VM already shows this
   * operation's effect (a retried step whose first try committed), the operation is done and answers
   * `outcome`; otherwise another change got in first (530). Undefined when the VM's write is not what
   * failed: the caller looks at the other writes.
   */
  private async doneAlready<T>(err: unknown, vmIndex: number, vm: Vm, vms: VmsRepository, done: (fresh: Vm | undefined) => boolean, outcome: T, doing: string): Promise<T | undefined> {
    if (reasonsOf(err)?.[vmIndex]?.Code !== 'ConditionalCheckFailed') return undefined;
    if (done(await vms.get(vm.id, true))) return outcome;
    throw new ConcurrentOperationError(`VM ${vm.id} changed while ${doing}`);
  }

  /** A transaction whose only condition that can lose is the VM's: done already, or 530 (doneAlready). */
  private async transactOnVm<T>(items: object[], vmIndex: number, vm: Vm, vms: VmsRepository, done: (fresh: Vm | undefined) => boolean, outcomes: { ok: T; already: T }, doing: string): Promise<T> {
    try {
      await this.transact(items);
      return outcomes.ok;
    } catch (err) {
      const settled = await this.doneAlready(err, vmIndex, vm, vms, done, outcomes.already, doing);
      if (settled !== undefined) return settled;
      throw err;
    }
  }

  /** Hold `size` on `host` for the VM's migration to it. Already held there: 'already'. No room: CapacityRaceError. */
  async reserveMigration(vm: Vm, host: Host, size: Size, vms: VmsRepository, limits: ReserveLimits, now: Date): Promise<'reserved' | 'already'> {
    if (vm.migration?.hostId === host.id) return 'already';
    if (vm.migration) throw new ConcurrentOperationError(`VM ${vm.id} is already moving to host ${vm.migration.hostId}`);
    if (vm.hostId === host.id) throw new ConcurrentOperationError(`VM ${vm.id} already runs on host ${host.name}`);
    const hold: MigrationHold = {
      hostId: host.id,
      cpu: size.cpu,
      memory: size.memory,
      affinityHeld: { antiAffinity: [...new Set(limits.antiAffinity)], affinity: [...new Set(limits.affinity)] },
      since: now.toISOString(),
    };
    const hostUpdate = holdOperation(this.table, host, size, limits, hold.affinityHeld.antiAffinity);
    try {
      await this.transact([
            hostUpdate,
            vms.updateOperation(vm, { migration: hold }),
            // A host affinity group may follow its member only if that member is the only one placed.
            ...hold.affinityHeld.affinity.map((groupId) => ({
              ConditionCheck: {
                TableName: this.table,
                Key: affinityPinKey(groupId),
                ConditionExpression: 'attribute_not_exists(hostId) OR hostId = :host OR placed <= :one',
                ExpressionAttributeValues: { ':host': host.id, ':one': 1 },
              },
            })),
      ]);
      return 'reserved';
    } catch (err) {
      const settled = await this.doneAlready(err, 1, vm, vms, (fresh) => fresh?.migration?.hostId === host.id, 'already' as const, 'capacity was being reserved for its migration');
      if (settled) return settled;
      const reasons = reasonsOf(err);
      if (lost(reasons, 0)) throw new CapacityRaceError(`Host ${host.name} has no room for VM ${vm.id}`);
      if (hold.affinityHeld.affinity.some((_, i) => lost(reasons, i + 2)))
        throw new CapacityRaceError(`The other members of the VM's host affinity group run on another host than ${host.name}`);
      throw err;
    }
  }

  /** Give back the migration's hold on the destination (inverse of reserveMigration); none: 'nothing'. */
  async releaseMigration(vm: Vm, vms: VmsRepository): Promise<'released' | 'nothing'> {
    const hold = vm.migration;
    if (!hold) return 'nothing';
    const items = [giveBackOperation(this.table, hold.hostId, hold, hold.affinityHeld.antiAffinity), vms.updateOperation(vm, {}, ['migration'])];
    return this.transactOnVm(items, 1, vm, vms, (fresh) => !fresh?.migration, { ok: 'released' as const, already: 'nothing' as const }, 'its migration hold was being released');
  }

  /**
   * The VM now runs on the migration's destination: the destination becomes its host (the hold is
   * what it holds there), the source is given back, and host affinity pins follow it. With
   * `applyScale` the pending scale becomes the VM's size (the hold was made for that size); without,
   * the destination keeps only the VM's current size.
   */
  async commitMigration(vm: Vm, vms: VmsRepository, { applyScale }: { applyScale: boolean }): Promise<'committed' | 'already'> {
    const hold = vm.migration;
    if (!hold) {
      if (vm.hostId) return 'already';
      throw new ConcurrentOperationError(`VM ${vm.id} has no migration to commit`);
    }
    const current: Size = { cpu: cpuRequestOf(vm), memory: vm.memory };
    const scale = applyScale ? vm.pendingScale : undefined;
    const kept: Size = scale ? { cpu: cpuRequestOf(scale), memory: scale.memory } : current;
    const items: object[] = [];
    if (vm.hostId) items.push(giveBackOperation(this.table, vm.hostId, current, vm.affinityHeld?.antiAffinity ?? []));
    // The hold was made for the size the VM ends with; anything beyond it goes back.
    if (hold.cpu !== kept.cpu || hold.memory !== kept.memory) items.push(adjustOperation(this.table, hold.hostId, { cpu: kept.cpu - hold.cpu, memory: kept.memory - hold.memory }));
    const set: Partial<Vm> = { hostId: hold.hostId, lastHostId: vm.hostId ?? vm.lastHostId, affinityHeld: hold.affinityHeld };
    if (scale) Object.assign(set, sizeOf(scale));
    const vmIndex = items.length;
    items.push(vms.updateOperation(vm, set, scale ? ['migration', 'pendingScale'] : ['migration']), ...vms.changeCounterOperations(vm, set, scale ? ['migration', 'pendingScale'] : ['migration']));
    for (const groupId of hold.affinityHeld.affinity)
      items.push({ Update: { TableName: this.table, Key: affinityPinKey(groupId), UpdateExpression: 'SET hostId = :host', ExpressionAttributeValues: { ':host': hold.hostId } } });
    // The destination's fence list must name the VM now: the HA monitor looks at the host (store/ha.ts).
    items.push({ Put: { TableName: this.table, Item: { ...haAttentionKey(hold.hostId), hostId: hold.hostId, since: new Date().toISOString() } } });
    const done = (fresh: Vm | undefined) => !!fresh && !fresh.migration && fresh.hostId === hold.hostId;
    return this.transactOnVm(items, vmIndex, vm, vms, done, { ok: 'committed' as const, already: 'already' as const }, 'its migration was being committed');
  }

  /**
   * Hold the growth of a pending scale on the VM's own host (nothing to hold when it does not grow).
   * No room there: CapacityRaceError, and the workflow looks for a host to move it to.
   */
  async reserveScale(vm: Vm, host: Host, vms: VmsRepository, limits: Pick<ReserveLimits, 'factors'>): Promise<'reserved' | 'already'> {
    const target = vm.pendingScale;
    if (!target) throw new ConcurrentOperationError(`VM ${vm.id} has no scale in progress`);
    if (target.hostId === host.id) return 'already';
    if (vm.hostId !== host.id) throw new ConcurrentOperationError(`VM ${vm.id} does not run on host ${host.name}`);
    const growth: Size = { cpu: Math.max(0, cpuRequestOf(target) - cpuRequestOf(vm)), memory: Math.max(0, target.memory - vm.memory) };
    const pending: PendingScale = { ...target, hostId: host.id, heldCpu: growth.cpu, heldMemory: growth.memory };
    const cap = capacityOf(host, limits.factors);
    const items: object[] = [];
    if (growth.cpu > 0 || growth.memory > 0)
      items.push({
        Update: {
          TableName: this.table,
          Key: entityKey('HOST', host.id),
          UpdateExpression: `SET cpuUsed = cpuUsed + :cpu, memoryUsed = memoryUsed + :mem, ${FREE_MINUS_MEM}`,
          ConditionExpression: 'cpuUsed <= :cpuCeiling AND memoryUsed <= :memCeiling',
          ExpressionAttributeValues: { ':cpu': growth.cpu, ':mem': growth.memory, ':cpuCeiling': cap.cpu - growth.cpu, ':memCeiling': cap.memory - growth.memory, ':noFree': 0 },
        },
      });
    const vmIndex = items.length;
    items.push(vms.updateOperation(vm, { pendingScale: pending }), ...vms.changeCounterOperations(vm, { pendingScale: pending }));
    try {
      await this.transact(items);
      return 'reserved';
    } catch (err) {
      const settled = await this.doneAlready(err, vmIndex, vm, vms, (fresh) => fresh?.pendingScale?.hostId === host.id, 'already' as const, 'capacity was being reserved for its scale');
      if (settled) return settled;
      if (vmIndex === 1 && lost(reasonsOf(err), 0)) throw new CapacityRaceError(`Host ${host.name} has no room to scale VM ${vm.id} in place`);
      throw err;
    }
  }

  /** Give back what reserveScale held and forget the pending scale (inverse of reserveScale). */
  async releaseScale(vm: Vm, vms: VmsRepository): Promise<'released' | 'nothing'> {
    const target = vm.pendingScale;
    if (!target) return 'nothing';
    const items: object[] = [];
    if (target.hostId && (target.heldCpu > 0 || target.heldMemory > 0)) items.push(giveBackOperation(this.table, target.hostId, { cpu: target.heldCpu, memory: target.heldMemory }, [], { slot: false }));
    const vmIndex = items.length;
    items.push(vms.updateOperation(vm, {}, ['pendingScale']), ...vms.changeCounterOperations(vm, {}, ['pendingScale']));
    return this.transactOnVm(items, vmIndex, vm, vms, (fresh) => !fresh?.pendingScale, { ok: 'released' as const, already: 'nothing' as const }, 'its scale hold was being released');
  }

  /** The VM runs at its new size on its host: make the size its own; what was held beyond it goes back. */
  async commitScale(vm: Vm, vms: VmsRepository, discard: SnapshotDiscard = { set: {}, remove: [], operations: [] }): Promise<'committed' | 'already'> {
    const target = vm.pendingScale;
    if (!target) return 'already';
    if (!vm.hostId || target.hostId !== vm.hostId) throw new ConcurrentOperationError(`VM ${vm.id}'s scale holds nothing on its host`);
    const delta: Size = { cpu: cpuRequestOf(target) - cpuRequestOf(vm) - target.heldCpu, memory: target.memory - vm.memory - target.heldMemory };
    const items: object[] = [];
    if (delta.cpu !== 0 || delta.memory !== 0) items.push(adjustOperation(this.table, vm.hostId, delta));
    const vmIndex = items.length;
    // With it, what the new size discards (memory snapshots).
    items.push(vms.updateOperation(vm, { ...sizeOf(target), ...discard.set }, ['pendingScale', ...discard.remove]), ...discard.operations, ...vms.changeCounterOperations(vm, sizeOf(target), ['pendingScale']));
    return this.transactOnVm(items, vmIndex, vm, vms, (fresh) => !!fresh && !fresh.pendingScale, { ok: 'committed' as const, already: 'already' as const }, 'its scale was being committed');
  }
}

/** The VM's fields a scale changes. */
function sizeOf(target: PendingScale): Partial<Vm> {
  return {
    serviceOfferingId: target.serviceOfferingId,
    cpuNumber: target.cpuNumber,
    cpuSpeed: target.cpuSpeed,
    memory: target.memory,
    ...(target.details ? { details: target.details } : {}),
    ...(target.haEnable !== undefined ? { haEnable: target.haEnable } : {}),
  };
}
