import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Network, Nic } from '../../core/entities';
import { guestAddress } from '../../core/naming';
import { addressKey } from './keys';
import { Repository } from './repository';

/**
 * Guest addresses. A counter proposes the next address (wrapping round the network's range); a
 * conditional put of the address item takes it, and a taken one moves on to the next. Expunge
 * deletes the items (in its record's transaction), so an address comes back for later VMs (R-LIFE.12) and two VMs never share one.
 */
export class AddressesRepository extends Repository {
  /** Take a free address of `network` for `vmId`; undefined when every address is in use. */
  async take(network: Network, vmId: string, next: () => Promise<number>): Promise<string | undefined> {
    const size = rangeSize(network);
    for (let tries = 0; tries < size; tries++) {
      const n = ((await next()) - 1) % size + 1;
      const ip = guestAddress(network.cidr, network.gateway, n);
      if (!ip) return undefined;
      try {
        await this.db.send(
          new PutCommand({ TableName: this.table, Item: { ...addressKey(network.id, ip), vmId }, ConditionExpression: 'attribute_not_exists(pk)' }),
        );
        return ip;
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
    return undefined;
  }

  /**
   * Give back the addresses of a VM's NICs, for the transaction that expunges it (R-LIFE.12), so a VM
   * never exists without the addresses its NICs name. Only those it still holds: a retry, or an
   * address it no longer has, deletes nothing of another VM's.
   */
  releaseOperations(vmId: string, nics: readonly Nic[]) {
    return nics.map((nic) => ({
      Delete: {
        TableName: this.table,
        Key: addressKey(nic.networkId, nic.ipAddress),
        ConditionExpression: 'attribute_not_exists(pk) OR vmId = :vm',
        ExpressionAttributeValues: { ':vm': vmId },
      },
    }));
  }
}

/** Usable addresses of a network: the range less network, broadcast and gateway. */
function rangeSize(network: Network): number {
  const bits = Number(network.cidr.split('/')[1]);
  return Math.max(0, 2 ** (32 - bits) - 3);
}
