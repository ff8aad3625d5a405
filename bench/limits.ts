import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Vm } from '../core/entities';
import { createStore } from '../functions/store';
import { documentClient, tableName } from '../functions/store/client';
import { RESOURCE_COUNTS } from '../functions/store/keys';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import { rounded, runFacts, summarize, timed, writeResult } from './stats';

/**
 * `npm run bench:limits [-- --creates 300 --racers 200 --limit 50]`: what holding resources to
 * limits costs, on DynamoDB Local, side by side in one run.
 *
 * 1. Latency of the transaction that creates a VM item (with its listing counters), sequential:
 *    without resource counts, on a client without the guard (the floor: what a create cost before);
 *    and with them, through the store's client (the counts ADDs of the account and its domain, the
 *    guard's consistent read of the counts items, the account and the limits, the conditions).
 * 2. `racers` creates at once for one account whose user_vm limit is `limit`: how many got in
 *    (must be exactly `limit`), how many were refused, and the wall time.
 * Writes bench/results/limits.json. Not part of the tests.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const WARM_UP = 10;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { creates: { type: 'string', default: '300' }, racers: { type: 'string', default: '200' }, limit: { type: 'string', default: '50' } } });
  const [creates, racers, limit] = [Number(values.creates), Number(values.racers), Number(values.limit)];
  if (![creates, racers, limit].every((n) => Number.isInteger(n) && n > 0) || limit >= racers) throw new Error('--creates, --racers, --limit: positive integers, limit < racers');
  const log = (msg: string) => console.error(`[bench:limits] ${msg}`);
  const stack = await startLocalStack({ port: 0, inMemory: true, simHosts: 0, quiet: true, scheduler: false });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const domain = (await admin.ok('createDomain', { name: 'bench' })).domain as Obj;
    const owner = async (name: string) =>
      (await admin.ok('createAccount', { accounttype: 0, domainid: domain.id, username: name, email: `${name}@example.test`, firstname: 'B', lastname: 'Ench', password: 'not-a-real-password' })).account as Obj;
    const latencyAccount = await owner('bench-latency');
    await admin.ok('updateResourceLimit', { domainid: domain.id, account: latencyAccount.name, resourcetype: 0, max: -1 });
    for (const t of [8, 9]) await admin.ok('updateResourceLimit', { domainid: domain.id, account: latencyAccount.name, resourcetype: t, max: -1 });
    for (const t of [0, 8, 9]) await admin.ok('updateResourceLimit', { domainid: domain.id, resourcetype: t, max: -1 });
    await admin.ok('updateResourceLimit', { domainid: domain.id, resourcetype: 0, max: 1_000_000 }); // a domain limit that holds, so its read and condition are paid

    const store = createStore();
    const table = tableName();
    const guarded = documentClient();
    const raw = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), { marshallOptions: { removeUndefinedValues: true } });
    const aVm = (accountId: string): Vm => {
      const at = new Date().toISOString();
      return {
        id: randomUUID(), name: 'bench', displayName: 'bench', instanceName: `i-9-${randomUUID().slice(0, 8)}-VM`, accountId, userId: 'bench', domainId: domain.id, domainPath: domain.path,
        zoneId: stack.seed.zone.id, serviceOfferingId: 'o', templateId: 't', osTypeId: 'os', cpuNumber: 1, cpuSpeed: 500, memory: 512, state: 'Stopped', nics: [], haEnable: false, details: {},
        affinityGroupIds: [], created: at, lastUpdated: at, version: 1,
      } as Vm;
    };
    const isCount = (op: object) => String((Object.values(op)[0] as { Key?: { pk?: string } }).Key?.pk ?? '').startsWith(RESOURCE_COUNTS);
    const withoutCounts = () => raw.send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(aVm(latencyAccount.id as string)).filter((op) => !isCount(op)) as never }));
    const withCounts = () => guarded.send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(aVm(latencyAccount.id as string)) as never }));
    const sample = async (fn: () => Promise<unknown>) => {
      for (let i = 0; i < WARM_UP; i++) await fn();
      const ms: number[] = [];
      for (let i = 0; i < creates; i++) ms.push((await timed(fn)).ms);
      return rounded(summarize(ms));
    };
    log(`${creates} creates without counts, then ${creates} with them`);
    const floor = await sample(withoutCounts);
    const counted = await sample(withCounts);

    log(`${racers} racing creates for an account limited to ${limit} VMs`);
    const racer = await owner('bench-racer');
    await admin.ok('updateResourceLimit', { domainid: domain.id, account: racer.name, resourcetype: 0, max: limit });
    for (const t of [8, 9]) await admin.ok('updateResourceLimit', { domainid: domain.id, account: racer.name, resourcetype: t, max: -1 }); // only user_vm binds (cpu's default, 40, would first)
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: racers }, () => guarded.send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(aVm(racer.id as string)) as never }))));
    const wallMs = Math.round(performance.now() - started);
    const made = outcomes.filter((o) => o.status === 'fulfilled').length;
    const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'ResourceAllocationError').length;
    const counts = ((await admin.ok('updateResourceCount', { domainid: domain.id, account: racer.name as string })).resourcecount as Obj[]).find((c) => c.resourcetypename === 'user_vm')!.resourcecount as number;
    // What refused or failed the racers, so a wrong count says why.
    const why = (o: PromiseSettledResult<unknown>) => (o.status === 'rejected' ? `${(o.reason as Error).name}: ${(o.reason as Error).message}`.slice(0, 200) : 'made');
    const reasons: Record<string, number> = {};
    for (const o of outcomes) reasons[why(o)] = (reasons[why(o)] ?? 0) + 1;
    if (made !== limit) log(`outcomes: ${JSON.stringify(reasons, null, 1)}`);
    if (made !== limit || counts !== limit) throw new Error(`${made} creates got in and ${counts} are counted, for a limit of ${limit}`);

    const result = { ...runFacts(projectRoot()), parameters: { creates, racers, limit }, createMs: { withoutCounts: floor, withCounts: counted }, race: { racers, limit, made, refused, otherErrors: racers - made - refused, wallMs } };
    writeResult(projectRoot(), 'limits', result);
    console.log(`VM create transaction (ms)        p50      p99     mean
  without counts (the floor)   ${String(floor.p50).padStart(7)}  ${String(floor.p99).padStart(7)}  ${String(floor.mean).padStart(7)}
  with counts, held to limits  ${String(counted.p50).padStart(7)}  ${String(counted.p99).padStart(7)}  ${String(counted.mean).padStart(7)}
Race: ${racers} creates for a limit of ${limit}: ${made} made, ${refused} refused (535), ${racers - made - refused} other errors, ${wallMs} ms`);
    raw.destroy();
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
