import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainPowerState, HeartbeatResponse, HostFacts } from '../../core/agent-protocol';
import type { Host, PowerState } from '../../core/entities';
import { fenceAfterMsOf, stopOrdersFor } from '../../core/ha';
import { entityKey, hostSecretKey, registrationTokenKey, strip } from './keys';
import { beatOrder } from './indexing';
import { HaRepository } from './ha';
import { SettingsRepository } from './settings';
import { VmsRepository } from './vms';

/** A registration token that is unknown, already used or expired. */
export class RegistrationTokenError extends Error {
  constructor(message = 'The registration token is unknown, already used or expired') {
    super(message);
    this.name = 'RegistrationTokenError';
  }
}

/** The host item a heartbeat or registration names does not exist. */
export class UnknownHostError extends Error {
  constructor(hostId: string) {
    super(`Unknown host ${hostId}`);
    this.name = 'UnknownHostError';
  }
}

const hostExists = 'attribute_exists(pk)';
const conditionFailed = (err: unknown) => (err as Error).name === 'ConditionalCheckFailedException';

/** What a heartbeat is answered with: the agent's standing orders until the next one. */
/** The orders this repository answers; the pools a host keeps come from storage (storage.ts hostPools). */
export type StandingOrders = Omit<HeartbeatResponse, 'received' | 'pools'> & { fenceAfterMs: number };

/** The parts of one UpdateItem, composed per case. */
interface UpdateParts {
  set: string[];
  remove: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}
const tokenUnusedAndValid = 'attribute_exists(pk) AND expiresAt > :nowSeconds';

/**
 * The agent's side of a host: one-time registration tokens (made by addHost), the host secret that
 * signs every agent request, and heartbeats. Heartbeats and registration update only what the agent
 * observes (facts, state, power states); cpuUsed/memoryUsed belong to placement and are never
 * written here. They do not bump `version` either: an observation every few seconds would make
 * every versioned admin update of the host race against it.
 */
export class HostAgentRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** the fence delay is read from settings; a host back from Down is judged against the VMs */
    private readonly settings = new SettingsRepository(db, table),
    private readonly vms = new VmsRepository(db, table),
    private readonly ha = new HaRepository(db, table),
  ) {}

  /** A fresh one-time token for the host, valid for `ttlSeconds`. */
  async createRegistrationToken(hostId: string, ttlSeconds: number, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url'); // 43 chars
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...registrationTokenKey(token),
          hostId,
          created: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return token;
  }

  /**
   * Consume the token exactly once and make the host Up with a fresh secret. One transaction: the
   * token's conditional delete, the secret and the host's facts all happen, or none does.
   */
  async register(token: string, facts: HostFacts, now = new Date()): Promise<{ hostId: string; secret: string }> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: registrationTokenKey(token), ConsistentRead: true }));
    const hostId = out.Item?.hostId as string | undefined;
    if (!hostId || !(Number(out.Item?.expiresAt) > nowSeconds)) throw new RegistrationTokenError();

    const secret = randomBytes(32).toString('base64url');
    const host = this.hostFactsUpdate(hostId, facts, now);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: registrationTokenKey(token),
                ConditionExpression: tokenUnusedAndValid,
                ExpressionAttributeValues: { ':nowSeconds': nowSeconds },
              },
            },
            { Put: { TableName: this.table, Item: { ...hostSecretKey(hostId), hostId, secret, created: now.toISOString() } } },
            { Update: host },
          ],
        }),
      );
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') {
        const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        if (reasons[2]?.Code === 'ConditionalCheckFailed') throw new UnknownHostError(hostId);
        throw new RegistrationTokenError();
      }
      throw err;
    }
    return { hostId, secret };
  }

  /** The host's signing secret, or undefined for a host that never registered. */
  async secretFor(hostId: string): Promise<string | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: hostSecretKey(hostId), ConsistentRead: true }));
    return out.Item?.secret as string | undefined;
  }

  /**
   * Record a heartbeat (facts, every domain's power state, the tasks in flight) and answer the
   * agent's standing orders (core/ha.ts): the HA domains to fence if it loses contact (the HA
   * monitor's list on the host item) and when. One UpdateItem for a host that is not Down. A host the
   * HA monitor declared Down stays Down until a heartbeat shows none of the domains the inventory
   * now places elsewhere running: those are answered as `stop`, and only this case reads the VMs.
   */
  async heartbeat(hostId: string, facts: HostFacts, domains: DomainPowerState[], now = new Date(), busy: readonly string[] = []): Promise<StandingOrders> {
    const powerStates: Record<string, PowerState> = {};
    for (const d of domains) powerStates[d.name] = d.state;
    const fenceAfterMs = await this.fenceAfterMs();
    const observed = () => this.observation(hostId, facts, powerStates, busy, fenceAfterMs, now);
    for (let attempt = 0; ; attempt++) {
      const up = observed();
      up.set.push('#state = :up');
      Object.assign(up.names, { '#state': 'state' });
      Object.assign(up.values, { ':up': 'Up', ':down': 'Down' });
      const host = await this.update(hostId, up, 'attribute_exists(pk) AND #state <> :down');
      if (host) {
        if (needsAttention(host, powerStates)) await this.ha.markAttention(hostId, now.toISOString());
        return { haDomains: host.haDomains ?? [], stop: [], fenceAfterMs };
      }
      const current = await this.getHost(hostId);
      if (!current) throw new UnknownHostError(hostId);
      // Declared Down: judge the host's domains. Otherwise it changed between the two reads: again.
      if (current.state === 'Down' || attempt > 0) return this.heartbeatWhileDown(current, observed, powerStates, fenceAfterMs);
    }
  }

  /**
   * A Down host heartbeating again. With nothing left to stop it is Up (held to its VMs not having
   * changed since they were read: the HA monitor may be releasing one right now); otherwise it stays
   * Down with `pendingStops`, and the agent is told to stop them.
   */
  private async heartbeatWhileDown(host: Host, observed: () => UpdateParts, powerStates: Record<string, PowerState>, fenceAfterMs: number): Promise<StandingOrders> {
    // Only the domains it reports running can be ordered to stop: their VMs, by instance name.
    const running = Object.entries(powerStates).filter(([, state]) => state === 'PowerOn').map(([name]) => name);
    const byInstance = new Map((await this.vms.byInstanceNames(running)).map((vm) => [vm.instanceName, vm]));
    const stop = stopOrdersFor(host.id, powerStates, byInstance);
    if (stop.length === 0) {
      const back = observed();
      back.set.push('#state = :up');
      back.remove.push('pendingStops');
      Object.assign(back.names, { '#state': 'state' });
      Object.assign(back.values, { ':up': 'Up', ':down': 'Down' });
      let unchanged = 'attribute_not_exists(vmCount)';
      if (host.vmCount !== undefined) {
        back.values[':vmCount'] = host.vmCount;
        unchanged = 'vmCount = :vmCount';
      }
      const updated = await this.update(host.id, back, `#state = :down AND ${unchanged}`);
      if (updated) {
        await this.ha.markAttention(host.id, new Date().toISOString()); // back from Down: the monitor announces it
        return { haDomains: updated.haDomains ?? [], stop: [], fenceAfterMs };
      }
    }
    const down = observed();
    if (stop.length > 0) {
      down.set.push('pendingStops = :stops');
      down.values[':stops'] = stop;
    } else down.remove.push('pendingStops');
    const updated = await this.update(host.id, down, hostExists);
    if (!updated) throw new UnknownHostError(host.id);
    return { haDomains: updated.haDomains ?? [], stop, fenceAfterMs };
  }

  /**
   * What every heartbeat writes: facts, power states, busy domains, and the HA bookkeeping the HA
   * monitor's proofs read (core/ha.ts): the heartbeat before this one, and the fence orders of this
   * answer (the host's current `haDomains`, the very list the answer names) and of the one before.
   * DynamoDB reads every operand before it writes, so each `x = y` takes y as it was.
   */
  private observation(hostId: string, facts: HostFacts, powerStates: Record<string, PowerState>, busy: readonly string[], fenceAfterMs: number, now: Date): UpdateParts {
    const { set, values } = this.factsParts(hostId, facts, now);
    return {
      set: [
        ...set,
        'powerStates = :powerStates',
        'busyDomains = :busy',
        '#previous = if_not_exists(lastHeartbeat, :now)',
        '#prior = if_not_exists(#fence, :none)',
        '#fence = if_not_exists(haDomains, :none)',
        '#fenceAfter = :fenceAfterMs',
      ],
      remove: [],
      names: { '#previous': 'previousHeartbeat', '#prior': 'priorFenceDomains', '#fence': 'fenceDomains', '#fenceAfter': 'fenceAfterMs' },
      values: { ...values, ':powerStates': powerStates, ':busy': [...busy], ':none': [], ':fenceAfterMs': fenceAfterMs },
    };
  }

  /**
   * One conditional update of the host item; the host as it was before (what a heartbeat compares
   * with; it never changes `haDomains`, the one field its answer names), or undefined when the
   * condition failed.
   */
  private async update(hostId: string, parts: UpdateParts, condition: string): Promise<Host | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: entityKey('HOST', hostId),
          UpdateExpression: `SET ${parts.set.join(', ')}${parts.remove.length ? ` REMOVE ${parts.remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: parts.names,
          ExpressionAttributeValues: parts.values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return strip<Host>(out.Attributes ?? {});
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }

  private async getHost(hostId: string): Promise<Host | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: entityKey('HOST', hostId), ConsistentRead: true }));
    return out.Item ? strip<Host>(out.Item) : undefined;
  }

  /** min(agent.fence.interval, host.down.timeout x 2/3): the fence always comes a third of the Down limit early. */
  private async fenceAfterMs(): Promise<number> {
    const [fence, down] = await Promise.all([this.settings.getNumber('agent.fence.interval'), this.settings.getNumber('host.down.timeout')]);
    return fenceAfterMsOf(fence, down);
  }

  /** What the agent observes of its host: facts and the time it said so. */
  private factsParts(hostId: string, facts: HostFacts, now: Date): Pick<UpdateParts, 'set' | 'values'> {
    return {
      set: [
        'cpuNumber = :cpuNumber, cpuSpeed = :cpuSpeed, memoryTotal = :memoryTotal, ipAddress = :ipAddress',
        'hypervisor = :hypervisor, agentVersion = :agentVersion, migrationUri = :migrationUri, lastHeartbeat = :now',
        'gsi3sk = :beat', // the heartbeat index (indexing.ts): the HA monitor range-queries the late hosts
        'gsi5sk = :memoryTotal - memoryUsed', // the capacity index (indexing.ts memoryFreeOf), for the total reported
      ],
      values: {
        ':cpuNumber': facts.cpuNumber,
        ':cpuSpeed': facts.cpuSpeed,
        ':memoryTotal': facts.memoryTotal,
        ':ipAddress': facts.ipAddress,
        ':hypervisor': facts.hypervisor,
        ':agentVersion': facts.agentVersion,
        ':migrationUri': facts.migrationUri ?? `qemu+tcp://${facts.ipAddress}/system`, // libvirt's default listener
        ':now': now.toISOString(),
        ':beat': beatOrder({ id: hostId, lastHeartbeat: now.toISOString() }),
      },
    };
  }

  /** Registration: the host's facts, and Up. */
  private hostFactsUpdate(hostId: string, facts: HostFacts, now: Date) {
    const { set, values } = this.factsParts(hostId, facts, now);
    return {
      TableName: this.table,
      Key: entityKey('HOST', hostId),
      ConditionExpression: hostExists,
      UpdateExpression: `SET ${[...set, '#state = :up'].join(', ')}`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ...values, ':up': 'Up' },
    };
  }
}

/**
 * Whether a heartbeat tells the HA monitor something it must look at: the host was not Up (or still
 * carries its Alert or Down marks), or a domain appeared, went or changed its power state (a guest
 * that shut itself down, a VM started or moved here, whose HA domains the fence list must name).
 */
function needsAttention(before: Host, powerStates: Readonly<Record<string, PowerState>>): boolean {
  if (before.state !== 'Up' || before.alertSince || before.downSince) return true;
  const was = before.powerStates ?? {};
  const names = new Set([...Object.keys(was), ...Object.keys(powerStates)]);
  for (const name of names) if (was[name] !== powerStates[name]) return true;
  return false;
}
