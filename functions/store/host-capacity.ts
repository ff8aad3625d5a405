import { capacityOf, type Factors } from '../../core/allocator';
import type { Host } from '../../core/entities';
import { entityKey } from './keys';

/**
 * The host-item writes every capacity transaction is made of (placement's reserve and release,
 * moves' holds and commits). Conditions cannot add, so a hold compares used capacity with ceilings
 * computed here (total x factor - request; limit - 1 guests): two holds racing for the last room
 * cannot both pass. A give-back never takes a host below zero.
 */

/**
 * The capacity index's key (gsi5sk, indexing.ts memoryFreeOf) following a change of `:mem` in the
 * used memory, in the same update; `:noFree` (0) stands in on a host the data migration has not
 * reached yet, whose next heartbeat sets the key from its fields.
 */
export const FREE_MINUS_MEM = 'gsi5sk = if_not_exists(gsi5sk, :noFree) - :mem';
const FREE_PLUS_MEM = 'gsi5sk = if_not_exists(gsi5sk, :noFree) + :mem';

/** A size on a host: CPU (MHz) and memory (MiB). */
export interface Size {
  cpu: number;
  memory: number;
}

/** Hold `size` and a guest slot on `host`, within its ceilings, Up and Enabled, clear of (and marked with) `antiAffinity`. */
export function holdOperation(table: string, host: Host, size: Size, limits: { factors: Factors; maxGuests: number }, antiAffinity: readonly string[]) {
  const cap = capacityOf(host, limits.factors);
  const names: Record<string, string> = { '#state': 'state' };
  const values: Record<string, unknown> = {
    ':cpu': size.cpu,
    ':mem': size.memory,
    ':one': 1,
    ':cpuCeiling': cap.cpu - size.cpu,
    ':memCeiling': cap.memory - size.memory,
    ':up': 'Up',
    ':enabled': 'Enabled',
    ':freeAfter': host.memoryTotal - size.memory,
  };
  const conditions = ['cpuUsed <= :cpuCeiling', 'memoryUsed <= :memCeiling', '#state = :up', 'resourceState = :enabled'];
  // The capacity index's key (indexing.ts memoryFreeOf) from the used memory as it is, not as it was
  // read (a total the agent changed since is set right by its next heartbeat).
  let update = 'SET cpuUsed = cpuUsed + :cpu, memoryUsed = memoryUsed + :mem, gsi5sk = :freeAfter - memoryUsed ADD vmCount :one';
  if (limits.maxGuests > 0) {
    values[':guestCeiling'] = limits.maxGuests - 1;
    conditions.push('(attribute_not_exists(vmCount) OR vmCount <= :guestCeiling)');
  }
  if (antiAffinity.length > 0) {
    names['#anti'] = 'antiAffinityGroupIds';
    antiAffinity.forEach((g, i) => {
      values[`:anti${i}`] = g;
      conditions.push(`NOT contains(#anti, :anti${i})`);
    });
    values[':antiSet'] = new Set(antiAffinity);
    update += ', #anti :antiSet';
  }
  return { Update: { TableName: table, Key: entityKey('HOST', host.id), UpdateExpression: update, ConditionExpression: conditions.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values } };
}

/**
 * Give back `size` on a host, with its guest slot (`slot`) and its anti-affinity marks; `hostState`
 * holds the write to the host still being in that state (the HA monitor's release on a Down host).
 */
export function giveBackOperation(table: string, hostId: string, size: Size, antiAffinity: readonly string[], { slot = true, hostState }: { slot?: boolean; hostState?: Host['state'] } = {}) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':cpu': size.cpu, ':mem': size.memory, ':noFree': 0 };
  let update = `SET cpuUsed = cpuUsed - :cpu, memoryUsed = memoryUsed - :mem, ${FREE_PLUS_MEM}`;
  let condition = 'cpuUsed >= :cpu AND memoryUsed >= :mem';
  if (slot) {
    values[':minusOne'] = -1;
    update += ' ADD vmCount :minusOne';
  }
  if (antiAffinity.length > 0) {
    names['#anti'] = 'antiAffinityGroupIds';
    values[':antiSet'] = new Set(antiAffinity);
    update += ' DELETE #anti :antiSet';
  }
  if (hostState) {
    names['#state'] = 'state';
    values[':hostState'] = hostState;
    condition += ' AND #state = :hostState';
  }
  return {
    Update: {
      TableName: table,
      Key: entityKey('HOST', hostId),
      UpdateExpression: update,
      ConditionExpression: condition,
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/** Change a host's used capacity by `delta` (either sign), never below zero. */
export function adjustOperation(table: string, hostId: string, delta: Size) {
  return {
    Update: {
      TableName: table,
      Key: entityKey('HOST', hostId),
      UpdateExpression: `SET cpuUsed = cpuUsed + :cpu, memoryUsed = memoryUsed + :mem, ${FREE_MINUS_MEM}`,
      ConditionExpression: 'cpuUsed >= :minusCpu AND memoryUsed >= :minusMem',
      ExpressionAttributeValues: { ':cpu': delta.cpu, ':mem': delta.memory, ':minusCpu': -delta.cpu, ':minusMem': -delta.memory, ':noFree': 0 },
    },
  };
}
