import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { MacHolder } from '../../core/import-plan';
import type { Network, Nic } from '../../core/entities';
import { guestAddress } from '../../core/naming';
import { addressKey, macKey } from './keys';
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
    return nics.flatMap((nic) => [
      { Delete: { TableName: this.table, Key: addressKey(nic.networkId, nic.ipAddress), ConditionExpression: 'attribute_not_exists(pk) OR vmId = :vm', ExpressionAttributeValues: { ':vm': vmId } } },
      // Its MAC goes back too (a VM made before the registry has no item: a no-op).
      { Delete: { TableName: this.table, Key: macKey(nic.macAddress), ConditionExpression: 'attribute_not_exists(pk) OR vmId = :vm', ExpressionAttributeValues: { ':vm': vmId } } },
    ]);
  }

  /**
   * The MAC registry's items of a new VM's NICs, for the transaction that creates it: a MAC another NIC
   * holds fails the transaction (CloudStack refuses a MAC in use: importUnmanagedInstance's `forced`).
   */
  macOperations(vmId: string, nics: readonly Nic[]) {
    return nics.map((nic) => ({
      Put: { TableName: this.table, Item: { ...macKey(nic.macAddress), vmId, networkId: nic.networkId, ipAddress: nic.ipAddress }, ConditionExpression: 'attribute_not_exists(pk)' },
    }));
  }

  /** An unmanaged VM's NICs kept (unmanage.vm.preserve.nics): their MACs marked for an import of the domain to take back. */
  preserveOperations(vmId: string, nics: readonly Nic[]) {
    return nics.map((nic) => ({ Put: { TableName: this.table, Item: { ...macKey(nic.macAddress), vmId, networkId: nic.networkId, ipAddress: nic.ipAddress, preserved: true } } }));
  }

  /**
   * A preserved NIC's MAC and address handed from the unmanaged VM that kept them to `toVmId` (an
   * import of its domain), or back (`undo`), each held to its holder.
   */
  takeOverOperations(fromVmId: string, toVmId: string, nic: Pick<Nic, 'macAddress' | 'networkId' | 'ipAddress'>, undo = false) {
    const [from, to] = undo ? [toVmId, fromVmId] : [fromVmId, toVmId];
    const hold = (key: { pk: string; sk: string }, extra: string) => ({
      Update: { TableName: this.table, Key: key, UpdateExpression: `SET vmId = :to ${extra}`, ConditionExpression: 'vmId = :from', ExpressionAttributeValues: { ':to': to, ':from': from, ...(undo ? { ':yes': true } : {}) } },
    });
    return [hold(macKey(nic.macAddress), undo ? ', preserved = :yes' : 'REMOVE preserved'), hold(addressKey(nic.networkId, nic.ipAddress), '')];
  }

  /** An address named for a NIC (an import's explicit or reported one), taken in the transaction that creates the VM. */
  claimOperation(vmId: string, networkId: string, ip: string) {
    return { Put: { TableName: this.table, Item: { ...addressKey(networkId, ip), vmId }, ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  /** Who holds each MAC address (the registry), by key. */
  async macHolders(macs: readonly string[]): Promise<Record<string, MacHolder>> {
    const items = await this.batchGetItems(macs.map(macKey), true);
    return Object.fromEntries(items.map((i) => [String(i.pk).slice('MAC#'.length), { vmId: String(i.vmId), networkId: String(i.networkId), ipAddress: String(i.ipAddress), preserved: i.preserved === true }]));
  }

  /** Who holds each of these addresses (network id -> address -> VM id), in one BatchGet by key. */
  async addressHolders(addresses: ReadonlyArray<{ networkId: string; ip: string }>): Promise<Record<string, Record<string, string>>> {
    const items = await this.batchGetItems(addresses.map((a) => addressKey(a.networkId, a.ip)), true);
    const out: Record<string, Record<string, string>> = {};
    for (const i of items) (out[String(i.pk).slice('ADDR#'.length)] ??= {})[String(i.sk)] = String(i.vmId);
    return out;
  }
}

/** Usable addresses of a network: the range less network, broadcast and gateway. */
function rangeSize(network: Network): number {
  const bits = Number(network.cidr.split('/')[1]);
  return Math.max(0, 2 ** (32 - bits) - 3);
}
