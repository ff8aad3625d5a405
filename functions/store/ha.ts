import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Host } from '../../core/entities';
import { entityKey, haAttentionKey, haPendingKey, haRestartKey, HA_ATTENTION, HA_PENDING, HA_RESTARTS } from './keys';
import { Repository } from './repository';

/** A restart job the HA monitor started, followed until it ends. */
export interface HaRestart {
  vmId: string;
  jobId: string;
  /** the host the VM ran on before (Down, or where the guest shut itself down) */
  fromHostId: string;
  since: string;
}

const conditionFailed = (err: unknown) => (err as Error).name === 'ConditionalCheckFailedException';

/**
 * The HA monitor's writes: a host's heartbeat verdict (Alert, Down) and its recovery, the HA domains
 * its agent is to fence, and the restart jobs it follows. Verdicts are conditioned on the heartbeat
 * they were judged on, so a heartbeat that arrives meanwhile wins. Like heartbeats, they are
 * observations and do not bump the host's `version` (admin updates stay free of races with them).
 */
export class HaRepository extends Repository {
  /** Up -> Alert: the heartbeat is older than ping.interval x ping.timeout. False: the host changed since it was read. */
  async markAlert(host: Pick<Host, 'id' | 'lastHeartbeat'>, now: Date): Promise<boolean> {
    return this.verdict(host, 'SET #state = :alert, alertSince = :now', ['Up'], { ':alert': 'Alert', ':now': now.toISOString() });
  }

  /** Up or Alert -> Down: the heartbeat is older than host.down.timeout. */
  async markDown(host: Pick<Host, 'id' | 'lastHeartbeat'>, now: Date): Promise<boolean> {
    return this.verdict(host, 'SET #state = :down, downSince = :now, alertSince = if_not_exists(alertSince, :now)', ['Up', 'Alert'], {
      ':down': 'Down',
      ':now': now.toISOString(),
    });
  }

  /** A host Up again (the heartbeat brought it back): forget when it went Alert or Down, once, as read. */
  async clearRecovery(host: Pick<Host, 'id' | 'alertSince' | 'downSince'>): Promise<boolean> {
    const values: Record<string, unknown> = { ':up': 'Up' };
    const conditions = ['#state = :up'];
    for (const field of ['alertSince', 'downSince'] as const) {
      if (host[field] === undefined) conditions.push(`attribute_not_exists(${field})`);
      else {
        values[`:${field}`] = host[field];
        conditions.push(`${field} = :${field}`);
      }
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('HOST', host.id),
          UpdateExpression: 'REMOVE alertSince, downSince',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }

  /** The HA domains the host's next heartbeat answer names (a host deleted meanwhile: nothing). */
  async setHaDomains(hostId: string, names: readonly string[]): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('HOST', hostId),
          UpdateExpression: 'SET haDomains = :names',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':names': [...names] },
        }),
      );
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }

  /** The mark that brings a host to the HA monitor's attention, for a transaction (or alone). */
  attentionOperation(hostId: string, at: string) {
    return { Put: { TableName: this.table, Item: { ...haAttentionKey(hostId), hostId, since: at } } };
  }

  async markAttention(hostId: string, at: string): Promise<void> {
    await this.db.send(new PutCommand(this.attentionOperation(hostId, at).Put));
  }

  listAttention(): Promise<Array<{ hostId: string; since: string }>> {
    return this.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': HA_ATTENTION } });
  }

  /** Drop a host's mark as read: one a newer change wrote meanwhile stays. */
  async dropAttention(hostId: string, since: string): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: haAttentionKey(hostId), ConditionExpression: 'since = :since', ExpressionAttributeValues: { ':since': since } }));
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }

  /** The mark of a VM stopped for an HA restart, for the transaction that sets its `haRestartPending`. */
  pendingRestartOperation(vmId: string, at: string) {
    return { Put: { TableName: this.table, Item: { ...haPendingKey(vmId), vmId, at } } };
  }

  listPendingRestarts(): Promise<Array<{ vmId: string; at: string }>> {
    return this.queryAll({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': HA_PENDING } });
  }

  /** Forget a VM's mark once its flag is down (the monitor reads the VM first), as read: a newer mark stays. */
  async dropPendingRestart(vmId: string, at: string): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: haPendingKey(vmId), ConditionExpression: '#at = :at', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':at': at } }));
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }

  /** Follow a restart job (one per VM: a newer restart replaces an older one). */
  async track(restart: HaRestart): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...haRestartKey(restart.vmId), ...restart } }));
  }

  listTracked(): Promise<HaRestart[]> {
    return this.queryAll<HaRestart>({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': HA_RESTARTS } });
  }

  /** Stop following the VM's restart, if it is still this job's. */
  async untrack(vmId: string, jobId: string): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.table, Key: haRestartKey(vmId), ConditionExpression: 'jobId = :job', ExpressionAttributeValues: { ':job': jobId } }));
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
  }

  private async verdict(host: Pick<Host, 'id' | 'lastHeartbeat'>, update: string, from: Host['state'][], values: Record<string, unknown>): Promise<boolean> {
    const states = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('HOST', host.id),
          UpdateExpression: update,
          ConditionExpression: `#state IN (${Object.keys(states).join(', ')}) AND lastHeartbeat = :seen`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...values, ...states, ':seen': host.lastHeartbeat },
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }
}
