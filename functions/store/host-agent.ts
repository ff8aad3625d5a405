import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainPowerState, HostFacts } from '../../core/agent-protocol';
import type { PowerState } from '../../core/entities';
import { entityKey, hostSecretKey, registrationTokenKey } from './keys';

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

  /** Record a heartbeat: facts, state Up, lastHeartbeat and every domain's power state. */
  async heartbeat(hostId: string, facts: HostFacts, domains: DomainPowerState[], now = new Date(), busy: readonly string[] = []): Promise<void> {
    const powerStates: Record<string, PowerState> = {};
    for (const d of domains) powerStates[d.name] = d.state;
    const update = this.hostFactsUpdate(hostId, facts, now);
    try {
      await this.db.send(
        new UpdateCommand({
          ...update,
          UpdateExpression: `${update.UpdateExpression}, powerStates = :powerStates, busyDomains = :busy`,
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':powerStates': powerStates, ':busy': [...busy] },
        }),
      );
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') throw new UnknownHostError(hostId);
      throw err;
    }
  }

  private hostFactsUpdate(hostId: string, facts: HostFacts, now: Date) {
    return {
      TableName: this.table,
      Key: entityKey('HOST', hostId),
      ConditionExpression: hostExists,
      UpdateExpression:
        'SET cpuNumber = :cpuNumber, cpuSpeed = :cpuSpeed, memoryTotal = :memoryTotal, ipAddress = :ipAddress, ' +
        'hypervisor = :hypervisor, agentVersion = :agentVersion, migrationUri = :migrationUri, #state = :up, lastHeartbeat = :now',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':cpuNumber': facts.cpuNumber,
        ':cpuSpeed': facts.cpuSpeed,
        ':memoryTotal': facts.memoryTotal,
        ':ipAddress': facts.ipAddress,
        ':hypervisor': facts.hypervisor,
        ':agentVersion': facts.agentVersion,
        ':migrationUri': facts.migrationUri ?? `qemu+tcp://${facts.ipAddress}/system`, // libvirt's default listener
        ':up': 'Up',
        ':now': now.toISOString(),
      } as Record<string, unknown>,
    };
  }
}
