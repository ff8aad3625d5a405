import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { capacityOf, cpuRequestOf } from '../../core/allocator';
import type { Host, Vm } from '../../core/entities';
import { CapacityRaceError, ConcurrentOperationError } from '../../core/errors';
import { entityKey } from './keys';
import { Repository } from './repository';
import type { VmsRepository } from './vms';

type Reasons = Array<{ Code?: string }> | undefined;
const failed = (reasons: Reasons, i: number) => reasons?.[i]?.Code === 'ConditionalCheckFailed';

/**
 * Capacity reservation: a host's used CPU and memory change only in the same transaction as the
 * VM's placement. Conditions cannot add, so the host condition compares used capacity with a
 * ceiling computed here (total x factor - request): two reservations racing for the last room
 * cannot both pass. Both operations are idempotent, as workflow steps must be.
 */
export class PlacementRepository extends Repository {
  async reserve(vm: Vm, host: Host, vms: VmsRepository): Promise<'reserved' | 'already'> {
    if (vm.hostId === host.id) return 'already';
    if (vm.hostId) throw new ConcurrentOperationError(`VM ${vm.id} already holds capacity on host ${vm.hostId}`);
    const cpu = cpuRequestOf(vm);
    const cap = capacityOf(host);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: entityKey('HOST', host.id),
                UpdateExpression: 'SET cpuUsed = cpuUsed + :cpu, memoryUsed = memoryUsed + :mem',
                ConditionExpression: 'cpuUsed <= :cpuCeiling AND memoryUsed <= :memCeiling AND #state = :up AND resourceState = :enabled',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: {
                  ':cpu': cpu,
                  ':mem': vm.memory,
                  ':cpuCeiling': cap.cpu - cpu,
                  ':memCeiling': cap.memory - vm.memory,
                  ':up': 'Up',
                  ':enabled': 'Enabled',
                },
              },
            },
            vms.updateOperation(vm, { hostId: host.id }),
          ],
        }),
      );
      return 'reserved';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (failed(reasons, 1)) {
        const now = await vms.get(vm.id, true);
        if (now?.hostId === host.id) return 'already';
        throw new ConcurrentOperationError(`VM ${vm.id} changed while capacity was being reserved for it`);
      }
      if (failed(reasons, 0)) throw new CapacityRaceError(`Host ${host.name} no longer has room for VM ${vm.id}`);
      throw err;
    }
  }

  /** Give back what `vm` holds on its host; a VM holding nothing is a no-op. */
  async release(vm: Vm, vms: VmsRepository): Promise<'released' | 'nothing'> {
    if (!vm.hostId) return 'nothing';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: entityKey('HOST', vm.hostId),
                UpdateExpression: 'SET cpuUsed = cpuUsed - :cpu, memoryUsed = memoryUsed - :mem',
                ConditionExpression: 'cpuUsed >= :cpu AND memoryUsed >= :mem',
                ExpressionAttributeValues: { ':cpu': cpuRequestOf(vm), ':mem': vm.memory },
              },
            },
            vms.updateOperation(vm, { lastHostId: vm.hostId }, ['hostId']),
            ],
          }),
      );
      return 'released';
    } catch (err) {
      const reasons = (err as { CancellationReasons?: Reasons }).CancellationReasons;
      if (failed(reasons, 1)) {
        const now = await vms.get(vm.id, true);
        if (!now?.hostId) return 'nothing';
        throw new ConcurrentOperationError(`VM ${vm.id} changed while its capacity was being released`);
      }
      throw err;
    }
  }
}
