import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Host, Vm, Volume } from '../core/entities';
import { adoptsFile } from '../functions/store/storage';
import { counterBucket, counterDeltas, counterPartition, expiryOf, indexAttributes, INDEX_ATTRIBUTE_NAMES, LISTED_KINDS, type ListedKind } from '../functions/store/indexing';
import { diskPathKey, haAttentionKey, haPendingKey, instanceNameKey, macKey, nameClaimKey, settingKey, strip, type Kind } from '../functions/store/keys';

/**
 * Brings a table written by an older Stratus to the current data shape, once: `npm start` runs it
 * on an existing `.stratus/` directory and `npm run bootstrap` on a deployed table. It is the one
 * place that reads a whole table (a Scan), which no request or scheduled job ever does.
 *
 * Version 2 (issue 10, the listing mechanism): every item of a listed kind gets the index
 * attributes indexing.ts gives it (sharded kind partitions, domain and host partitions, the
 * heartbeat index, search text), every VM its instance-name item, the counted partitions their
 * counters, and what the HA monitor used to find by reading everything its marks (hosts back from
 * Alert or Down, VMs awaiting an HA restart). Version 3: each host's task partition its marker
 * (how many tasks it holds), which an idle agent's poll reads instead of the partition. A table at
 * version 2 is simply migrated again: every step is idempotent. Version 4: events, usage records and
 * finished jobs get the expiry today's writes give them (event.purge.delay, job.expire.minutes, as
 * stored or by default), and their counters go to their expiry buckets; DynamoDB's TTL then deletes
 * what is already past it, as CloudStack's purge would have. Version 5: hosts enter the capacity
 * index (gsi5, their free memory); a reservation racing the migration leaves the key stale only
 * until the host's next heartbeat, which sets it from the host's own fields again. Version 6: the
 * catalogue kinds (zones, pods, clusters, offerings, templates, networks, accounts, users, affinity
 * groups, alerts) are listed in creation order, as CloudStack lists them, not by name: their index
 * keys are rewritten and they get the scope partitions and search text their list commands read;
 * hosts enter their cluster's partition (gsi4, findHostsForMigration), and zones, pods, clusters and
 * hosts made before name claims get theirs (createZone and addHost read the claim, not the zone).
 * Version 7: volumes placed on a pool enter the pool's partition (gsi5, listVolumes storageid).
 * Version 8: every VM's NICs enter the MAC registry (importUnmanagedInstance refuses a MAC in use), and
 * instance-name items stand only for VMs that exist (expunged and unmanaged VMs' names are freed).
 * Version 9: volumes imported in place (their file not named after them) claim their file, so
 * importVm refuses a disk image already in use.
 */
export const DATA_VERSION = 9;
const SCHEMA_KEY = { pk: 'SCHEMA', sk: 'DATA' };
const LISTED: ReadonlySet<string> = new Set<ListedKind>(LISTED_KINDS);

export interface MigrationReport {
  from: number;
  to: number;
  items: number;
  updated: number;
  counters: number;
}

export async function migrateData(db: DynamoDBDocumentClient, table: string, now = new Date()): Promise<MigrationReport> {
  const schema = await db.send(new GetCommand({ TableName: table, Key: SCHEMA_KEY, ConsistentRead: true }));
  const from = Number(schema.Item?.version ?? 1);
  const report: MigrationReport = { from, to: Math.max(from, DATA_VERSION), items: 0, updated: 0, counters: 0 };
  if (from >= DATA_VERSION) return report;

  const setting = async (name: string, fallback: number) => {
    const out = await db.send(new GetCommand({ TableName: table, Key: settingKey(name, {}), ConsistentRead: true }));
    const value = Number(out.Item?.value ?? fallback);
    return Number.isFinite(value) ? value : fallback;
  };
  const keepEvents = (await setting('event.purge.delay', 15)) * 86_400;
  const keepJobs = (await setting('job.expire.minutes', 1440)) * 60;
  const counters = new Map<string, { partition: string; expires?: number; n: number; gone: number }>();
  const tasksByHost = new Map<string, number>();
  const oldCounters: Array<{ pk: string; sk: string }> = [];
  const writes: Array<() => Promise<unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    start = page.LastEvaluatedKey;
    for (const item of page.Items ?? []) {
      report.items++;
      const pk = String(item.pk);
      const kind = String(item.sk);
      if (pk.startsWith('COUNT#')) {
        oldCounters.push({ pk, sk: String(item.sk) });
        continue;
      }
      if (pk.startsWith('TASK#') && kind.startsWith('TASK#')) {
        tasksByHost.set(pk, (tasksByHost.get(pk) ?? 0) + 1);
        continue;
      }
      if (!LISTED.has(kind) || pk !== `${kind}#${String(item.id)}`) continue;
      const listed = kind as ListedKind;
      const entity = strip<never>(item);
      const expires = typeof item.expiresAt === 'number' ? item.expiresAt : expiryFor(listed, item, keepEvents, keepJobs);
      for (const d of counterDeltas(listed, undefined, entity, { after: expires })) {
        const key = `${d.partition}\u0000${counterBucket(d.expires)}`;
        const c = counters.get(key) ?? { partition: d.partition, expires: d.expires, n: 0, gone: 0 };
        c.n += d.n;
        c.gone += d.gone;
        counters.set(key, c);
      }
      const attrs: Record<string, string | number> = indexAttributes(listed, entity);
      if (expires !== undefined) attrs.expiresAt = expires;
      const set = Object.entries(attrs).filter(([k, v]) => item[k] !== v);
      const remove = INDEX_ATTRIBUTE_NAMES.filter((k) => k in item && !(k in attrs)) as string[];
      if (set.length || remove.length) {
        report.updated++;
        const names = Object.fromEntries([...set.map(([k]) => k), ...remove].map((k) => [`#${k}`, k]));
        const expression = [set.length ? `SET ${set.map(([k]) => `#${k} = :${k}`).join(', ')}` : '', remove.length ? `REMOVE ${remove.map((k) => `#${k}`).join(', ')}` : ''].join(' ').trim();
        writes.push(() =>
          db.send(
            new UpdateCommand({
              TableName: table,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: expression,
              ExpressionAttributeNames: names,
              ...(set.length ? { ExpressionAttributeValues: Object.fromEntries(set.map(([k, v]) => [`:${k}`, v])) } : {}),
            }),
          ),
        );
      }
      if (listed === 'VM') {
        const vm = entity as Vm;
        // Version 8: an instance-name item stands for a VM that exists (an expunged or unmanaged one's name is free).
        if (vm.state !== 'Expunged') writes.push(() => db.send(new PutCommand({ TableName: table, Item: { ...instanceNameKey(vm.instanceName), vmId: vm.id } })));
        else writes.push(() => db.send(new DeleteCommand({ TableName: table, Key: instanceNameKey(vm.instanceName), ConditionExpression: 'vmId = :vm', ExpressionAttributeValues: { ':vm': vm.id } })).catch(unlessClaimed));
        // Version 8: the MAC registry holds the NICs of every VM that still has them.
        if (vm.state !== 'Expunged' || vm.nicsPreserved)
          for (const nic of vm.nics ?? [])
            writes.push(() =>
              db.send(new PutCommand({ TableName: table, Item: { ...macKey(nic.macAddress), vmId: vm.id, networkId: nic.networkId, ipAddress: nic.ipAddress, ...(vm.nicsPreserved ? { preserved: true } : {}) }, ConditionExpression: 'attribute_not_exists(pk)' })).catch(unlessClaimed),
            );
        if (vm.haRestartPending) writes.push(() => db.send(new PutCommand({ TableName: table, Item: { ...haPendingKey(vm.id), vmId: vm.id, at: now.toISOString() } })));
      }
      if (listed === 'VOLUME') {
        const volume = entity as Volume;
        if (adoptsFile(volume) && volume.state !== 'Expunged')
          writes.push(() => db.send(new PutCommand({ TableName: table, Item: { ...diskPathKey(volume.poolId!, volume.path!), volumeId: volume.id, ...(volume.vmId ? { vmId: volume.vmId } : {}) }, ConditionExpression: 'attribute_not_exists(pk)' })).catch(unlessClaimed));
      }
      const claim = nameClaimOf(listed, item);
      if (claim) writes.push(() => db.send(new PutCommand({ TableName: table, Item: claim, ConditionExpression: 'attribute_not_exists(pk)' })).catch(unlessClaimed));
      if (listed === 'HOST') {
        const host = entity as Host;
        if (host.alertSince || host.downSince) writes.push(() => db.send(new PutCommand({ TableName: table, Item: { ...haAttentionKey(host.id), hostId: host.id, since: now.toISOString() } })));
      }
    }
  } while (start);

  for (const key of oldCounters) writes.push(() => db.send(new DeleteCommand({ TableName: table, Key: key })));
  await inBatches(writes);
  // The counts, written after the old ones are gone (every shard but 00 stays absent).
  const counterWrites = [...counters.values()].map(
    (c) => () =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: counterPartition(c.partition), sk: `${counterBucket(c.expires)}#00`, n: c.n, gone: c.gone, ...(c.expires === undefined ? {} : { expiresAt: c.expires }) },
        }),
      ),
  );
  await inBatches(counterWrites);
  await inBatches([...tasksByHost].map(([partition, n]) => () => db.send(new PutCommand({ TableName: table, Item: { pk: partition, sk: 'MARK', pending: n } }))));
  report.counters = counterWrites.length;
  await db.send(new PutCommand({ TableName: table, Item: { ...SCHEMA_KEY, version: DATA_VERSION, migratedAt: now.toISOString() } }));
  return report;
}

/** When an item written before expiries existed expires: events and usage records after their creation, jobs after they completed. */
function expiryFor(kind: ListedKind, item: Record<string, unknown>, keepEvents: number, keepJobs: number): number | undefined {
  if (kind === 'EVENT' || kind === 'USAGE') return expiryOf(String(item.created), keepEvents);
  if (kind === 'JOB' && item.status !== 0) return expiryOf(String(item.completed ?? item.created), keepJobs);
  return undefined;
}

/**
 * The name claim of an infrastructure item (zones everywhere, pods in their zone, clusters in their
 * pod, hosts in their zone), for items made before claims: the create commands read the claim to
 * answer a duplicate name, so it must exist. An existing claim is left as it is.
 */
function nameClaimOf(kind: ListedKind, item: Record<string, unknown>): Record<string, unknown> | undefined {
  const scope = kind === 'ZONE' ? 'GLOBAL' : kind === 'POD' || kind === 'HOST' ? item.zoneId : kind === 'CLUSTER' ? item.podId : undefined;
  if (typeof scope !== 'string' || typeof item.name !== 'string') return undefined;
  return { ...nameClaimKey(kind as Kind, scope, item.name), kind, id: item.id, name: item.name };
}

const unlessClaimed = (err: unknown) => {
  if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
};

/** Runs the writes 25 at a time. */
async function inBatches(writes: Array<() => Promise<unknown>>): Promise<void> {
  for (let i = 0; i < writes.length; i += 25) await Promise.all(writes.slice(i, i + 25).map((w) => w()));
}

/** Marks a new table as already in the current shape (nothing to migrate). */
export async function markCurrent(db: DynamoDBDocumentClient, table: string, now = new Date()): Promise<void> {
  await db.send(new PutCommand({ TableName: table, Item: { ...SCHEMA_KEY, version: DATA_VERSION, migratedAt: now.toISOString() } }));
}
