import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { cpuRequestOf, factorOf, type Factors } from '../../core/allocator';
import type { AffinityHold, Host, Vm } from '../../core/entities';
import { CapacityRaceError, ConcurrentOperationError } from '../../core/errors';
import type { AffinityRepository } from './affinity';
import { giveBackOperation, holdOperation } from './host-capacity';
import { affinityPinKey } from './keys';
import { Repository } from './repository';
import type { SettingsRepository } from './settings';
import type { VmsRepository } from './vms';

type Reasons = Array<{ Code?: string }> | undefined;
const code = (reasons: Reasons, i: number) => reasons?.[i]?.Code;
/** Lost on that item: its condition failed, or a concurrent transaction held it (DynamoDB cancels, not waits). */
const lost = (reasons: Reasons, i: number) => code(reasons, i) === 'ConditionalCheckFailed' || code(reasons, i) === 'TransactionConflict';

/** What a reservation on a host is held to, besides the host's own totals. */
export interface ReserveLimits {
  /** the host cluster's overprovisioning factors (cpu/mem.overprovisioning.factor) */
  factors: Factors;
  /** vm.max.guests.per.host for the host's cluster */
  maxGuests: number;
  /** the VM's groups, by type (groups deleted since are left out) */
  antiAffinity: string[];
  affinity: string[];
}

/**
 * The settings are read where the host's cluster overrides them; they are the only source of the
 * factors (the host's own factor fields are not read), so chooseHost and the reservation agree.
 */
export async function clusterLimits(settings: SettingsRepository, at: { zoneId: string; clusterId: string }): Promise<Pick<ReserveLimits, 'factors' | 'maxGuests'>> {
  const [cpu, memory, maxGuests] = await Promise.all([
    settings.get('cpu.overprovisioning.factor', at),
    settings.get('mem.overprovisioning.factor', at),
    settings.getNumber('vm.max.guests.per.host', at),
  ]);
  return { factors: { cpu: factorOf(cpu), memory: factorOf(memory) }, maxGuests: Number.isFinite(maxGuests) ? maxGuests : 0 };
}

/** The overprovisioning factors of each host's cluster, for views that show capacity as placement counts it. */
export async function factorsByHost(settings: SettingsRepository, hosts: readonly Host[]): Promise<(host: Host) => Factors> {
  const clusters = [...new Map(hosts.map((h) => [h.clusterId, h])).values()];
  const limits = new Map(await Promise.all(clusters.map(async (h) => [h.clusterId, (await clusterLimits(settings, h)).factors] as const)));
  return (host) => limits.get(host.clusterId) ?? { cpu: 1, memory: 1 };
}

/** Everything `reserve` needs for `vm` on `host`: the cluster's limits and the VM's groups by type. */
export async function limitsFor(settings: SettingsRepository, affinity: AffinityRepository, vm: Vm, host: Host): Promise<ReserveLimits> {
  const [limits, groups] = await Promise.all([clusterLimits(settings, host), affinity.getMany(vm.affinityGroupIds ?? [])]);
  return {
    ...limits,
    antiAffinity: groups.filter((g) => g.type === 'host anti-affinity').map((g) => g.id),
    affinity: groups.filter((g) => g.type === 'host affinity').map((g) => g.id),
  };
}

/**
 * Capacity reservation: a host's used CPU, memory and guest count change only in the same
 * transaction as the VM's placement. Conditions cannot add, so the host condition compares used
 * capacity with ceilings computed here (total x factor - request; limit - 1 guests): two
 * reservations racing for the last room cannot both pass. Affinity rides in the same transaction:
 * the host's string set of anti-affinity groups must hold none of the VM's (and gets them), and each
 * host affinity group's pin must be free or on this host. Both operations are idempotent, as
 * workflow steps must be, and the VM records what it holds so that release undoes exactly that.
 */
export class PlacementRepository extends Repository {
  async reserve(vm: Vm, host: Host, vms: VmsRepository, limits: ReserveLimits): Promise<'reserved' | 'already'> {
    if (vm.hostId === host.id) return 'already';
    if (vm.hostId) throw new ConcurrentOperationError(`VM ${vm.id} already holds capacity on host ${vm.hostId}`);
    const held: AffinityHold = { antiAffinity: [...new Set(limits.antiAffinity)], affinity: [...new Set(limits.affinity)] };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            holdOperation(this.table, host, { cpu: cpuRequestOf(vm), memory: vm.memory }, limits, held.antiAffinity),
            vms.updateOperation(vm, { hostId: host.id, affinityHeld: held }),
            // The first member placed pins its host affinity group to its host; the others must follow.
            ...held.affinity.map((groupId) => ({
              Update: {
                TableName: this.table,
                Key: affinityPinKey(groupId),
                UpdateExpression: 'SET hostId = :host ADD placed :one',
                ConditionExpression: 'attribute_not_exists(hostId) OR hostId = :host OR placed <= :zero',
                ExpressionAttributeValues: { ':host': host.id, ':one': 1, ':zero': 0 },
              },
            })),
          ],
        }),
      );
      return 'reserved';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (code(reasons, 1) === 'ConditionalCheckFailed') {
        const now = await vms.get(vm.id, true);
        if (now?.hostId === host.id) return 'already';
        throw new ConcurrentOperationError(`VM ${vm.id} changed while capacity was being reserved for it`);
      }
      if (lost(reasons, 0)) throw new CapacityRaceError(`Host ${host.name} no longer has room for VM ${vm.id}`);
      const pin = held.affinity.findIndex((_, i) => lost(reasons, i + 2));
      if (pin >= 0) throw new CapacityRaceError(`The members of host affinity group ${held.affinity[pin]} now run on another host than ${host.name}`);
      throw err;
    }
  }

  /** Give back what `vm` holds on its host (capacity, guest count, affinity); holding nothing is a no-op. */
  async release(vm: Vm, vms: VmsRepository): Promise<'released' | 'nothing'> {
    if (!vm.hostId) return 'nothing';
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: this.releaseItems(vm, vm.hostId, vms, { set: {} }) as never }));
      return 'released';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (code(reasons, 1) === 'ConditionalCheckFailed') {
        const now = await vms.get(vm.id, true);
        if (!now?.hostId) return 'nothing';
        throw new ConcurrentOperationError(`VM ${vm.id} changed while its capacity was being released`);
      }
      throw err;
    }
  }

  /**
   * What `release` does, and the rest of the VM's change in the same transaction (the HA monitor
   * stopping a VM in the inventory: its state and flags, its event, the error hold it drops), held
   * to the host still being in `hostState`. 'changed': the VM or the host changed since they were
   * read (a job took the VM, the host came back): nothing was written, the caller judges again.
   */
  async releaseWith(vm: Vm, vms: VmsRepository, change: ReleaseChange): Promise<'released' | 'changed'> {
    if (!vm.hostId) return 'changed';
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: this.releaseItems(vm, vm.hostId, vms, change) as never }));
      return 'released';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (lost(reasons, 0) || lost(reasons, 1)) return 'changed';
      throw err;
    }
  }

  /** The hold of a VM's size on a host within its limits (an imported running VM's), for the transaction that creates the VM with `hostId` and an empty `affinityHeld`. */
  holdOperationFor(vm: Vm, host: Host, limits: ReserveLimits): object {
    return holdOperation(this.table, host, { cpu: cpuRequestOf(vm), memory: vm.memory }, limits, []);
  }

  /** What the VM holds on its host given back (capacity and guest slot, anti-affinity marks, affinity pins), for a transaction that changes the VM itself. */
  giveBackOperations(vm: Vm): object[] {
    if (!vm.hostId) return [];
    const held = vm.affinityHeld ?? { antiAffinity: [], affinity: [] };
    return [giveBackOperation(this.table, vm.hostId, { cpu: cpuRequestOf(vm), memory: vm.memory }, held.antiAffinity), ...held.affinity.map((groupId) => this.unpinOperation(groupId))];
  }

  private unpinOperation(groupId: string) {
    return { Update: { TableName: this.table, Key: affinityPinKey(groupId), UpdateExpression: 'ADD placed :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } } };
  }

  /** The host's give-back, the VM's change (placement forgotten, its host remembered as the last) and its affinity pins' counts, in that order. */
  private releaseItems(vm: Vm, hostId: string, vms: VmsRepository, change: ReleaseChange): object[] {
    const held = vm.affinityHeld ?? { antiAffinity: [], affinity: [] };
    return [
      giveBackOperation(this.table, hostId, { cpu: cpuRequestOf(vm), memory: vm.memory }, held.antiAffinity, { hostState: change.hostState }),
      vms.updateOperation(vm, { ...change.set, lastHostId: hostId }, ['hostId', 'affinityHeld', ...(change.remove ?? [])]),
      ...held.affinity.map((groupId) => this.unpinOperation(groupId)),
      ...(change.also ?? []),
      ...vms.changeCounterOperations(vm, change.set, change.remove ?? []),
    ];
  }
}

/** The rest of a VM's change that rides with the release of its capacity. */
interface ReleaseChange {
  set: Partial<Vm>;
  remove?: Array<keyof Vm>;
  hostState?: Host['state'];
  also?: object[];
}
