import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { findDoubleRuns } from '../../agent/drivers/simulator';
import { documentClient, tableName } from '../../functions/store/client';
import { counterBucket, counterDeltas, indexAttributes, INDEX_ATTRIBUTE_NAMES, type ListedKind } from '../../functions/store/indexing';
import { strip } from '../../functions/store/keys';
import type { TestStack } from './stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The two promises every move keeps, checked from both sides: the API's inventory and the simulated
 * hosts' own records. Call it when no operation is in flight.
 * - Every Running VM runs on exactly one host, the one the inventory names, and no VM ever ran on two
 *   hosts at the same instant (the simulators' transition logs).
 * - Every host's used capacity is the sum of what the VMs running on it hold.
 */
export async function expectOneCopyAndExactAccounting(env: TestStack): Promise<void> {
  const running = (((await env.admin.ok('listVirtualMachines', { listall: true, state: 'Running' })).virtualmachine as Obj[] | undefined) ?? []);
  const hostsById = new Map(env.stack.hosts.map((h) => [h.hostId, h]));
  for (const vm of running) {
    const copies: string[] = [];
    for (const h of env.stack.hosts) if (h.driver.domain(vm.instancename)?.state === 'PowerOn') copies.push(h.hostId);
    expect({ vm: vm.name, runsOn: copies }).toEqual({ vm: vm.name, runsOn: [vm.hostid] });
  }
  const transitions = env.stack.hosts.flatMap((h) => h.driver.transitions());
  expect(findDoubleRuns(transitions)).toEqual([]);
  const hosts = ((await env.admin.ok('listHosts')).host as Obj[]).filter((h) => hostsById.has(h.id));
  for (const h of hosts) {
    const mine = running.filter((v) => v.hostid === h.id);
    expect({ host: h.name, cpu: h.cpuallocatedvalue, memory: h.memoryallocated / 2 ** 20 }).toEqual({
      host: h.name,
      cpu: mine.reduce((s, v) => s + v.cpunumber * v.cpuspeed, 0),
      memory: mine.reduce((s, v) => s + v.memory, 0),
    });
  }
}

/**
 * The listing counters (functions/store/indexing.ts) equal what their partitions hold: every item of
 * a listed kind is tallied from the table (a Scan, fine for a test) and compared with the counters.
 * A counter that drifted would make `count` lie for ever after; call it after flows that create,
 * destroy, recover, expunge or fail. Every listed item's index attributes are also what indexing.ts
 * gives it now (a host's capacity key its free memory): an item indexed as it was would be listed,
 * or placed, as it no longer is.
 */
export async function expectExactListCounters(): Promise<void> {
  const db = documentClient();
  const table = tableName();
  const counted = new Map<string, { n: number; gone: number }>();
  const stored = new Map<string, { n: number; gone: number }>();
  const misindexed: Obj[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    start = page.LastEvaluatedKey;
    for (const item of page.Items ?? []) {
      const pk = String(item.pk);
      if (pk.startsWith('COUNT#')) {
        const partition = `${pk.slice('COUNT#'.length)} ${String(item.sk).split('#')[0]}`; // and its expiry bucket
        const c = stored.get(partition) ?? { n: 0, gone: 0 };
        c.n += Number(item.n ?? 0);
        c.gone += Number(item.gone ?? 0);
        stored.set(partition, c);
        continue;
      }
      const kind = String(item.sk) as ListedKind;
      if (!['VM', 'JOB', 'EVENT', 'USAGE', 'HOST', 'VOLUME', 'STORAGEPOOL', 'TAG', 'VMSNAPSHOT', 'BACKUP', 'BACKUPOFFERING', 'BACKUPSCHEDULE', 'BACKUPREPOSITORY'].includes(kind) || pk !== `${kind}#${String(item.id)}`) continue;
      const expires = typeof item.expiresAt === 'number' ? item.expiresAt : undefined;
      const expected: Obj = indexAttributes(kind, strip<never>(item));
      const wrong = INDEX_ATTRIBUTE_NAMES.filter((k) => item[k] !== expected[k]);
      if (wrong.length) misindexed.push({ item: pk, stored: Object.fromEntries(wrong.map((k) => [k, item[k]])), expected: Object.fromEntries(wrong.map((k) => [k, expected[k]])) });
      for (const d of counterDeltas(kind, undefined, strip<never>(item), { after: expires })) {
        const key = `${d.partition} ${counterBucket(d.expires)}`;
        const c = counted.get(key) ?? { n: 0, gone: 0 };
        c.n += d.n;
        c.gone += d.gone;
        counted.set(key, c);
      }
    }
  } while (start);
  const nonZero = (m: Map<string, { n: number; gone: number }>) => Object.fromEntries([...m].filter(([, c]) => c.n !== 0 || c.gone !== 0).sort(([a], [b]) => a.localeCompare(b)));
  expect(nonZero(stored)).toEqual(nonZero(counted));
  expect(misindexed).toEqual([]);
}

/**
 * Every pool's ledger (`disksizeallocated`) is the sum of the sizes of the volumes on it: through
 * every create, attach, resize, delete, expunge and failure. Read through the API as an operator
 * would (listStoragePools, listVolumes storageid=).
 */
export async function expectPoolLedgers(env: TestStack, label = ''): Promise<void> {
  const pools = ((await env.admin.ok('listStoragePools', {})).storagepool as Obj[] | undefined) ?? [];
  for (const pool of pools) {
    const volumes = ((await env.admin.ok('listVolumes', { storageid: pool.id, listall: true, page: 1, pagesize: 500 })).volume as Obj[] | undefined) ?? [];
    expect({ label, pool: pool.name, allocated: pool.disksizeallocated }).toEqual({ label, pool: pool.name, allocated: volumes.reduce((sum, v) => sum + (v.size as number), 0) });
  }
}
