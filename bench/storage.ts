import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import type { AsyncJob } from '../core/entities';
import { createStore } from '../functions/store';
import { jobInstancePartition } from '../functions/store/indexing';
import { benchDeploys } from './deploy';
import { rounded, runFacts, summarize, timed, writeResult, type Summary } from './stats';

/**
 * `npm run bench:storage [-- --creates 400 --clients 20 --vms 60]`: primary storage on the local
 * stack, side by side with the floor under it.
 *
 * 1. Volume creates against one pool: createVolume with `storageid` (the pool's ledger and the volume
 *    record in one conditional transaction), until the job is seen done, from one client and then
 *    from concurrent ones (all meet on the pool's item); beside the raw DynamoDB round trip of that same transaction's shape (a conditional Update of
 *    one item and a Put) against the same DynamoDB Local.
 * 2. Deploys, each with a ROOT volume placed by the storage allocator, from one client and then
 *    concurrently: submit to Running, and the AllocateVolumes step's own time (its share of the
 *    deploy: the deploy without storage is the rest), from the jobs' recorded steps.
 * Writes bench/results/storage.json. Not part of the tests.
 */
const GiB = 1024 ** 3;

const smallId = async (admin: CloudStackClient) => ((await admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Array<{ id: string }>)[0].id;
const templateId = async (admin: CloudStackClient) => ((await admin.ok('listTemplates', { templatefilter: 'executable' })).template as Array<{ id: string }>)[0].id;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { creates: { type: 'string', default: '400' }, clients: { type: 'string', default: '20' }, vms: { type: 'string', default: '60' } } });
  const creates = Number(values.creates);
  const clients = Number(values.clients);
  const vms = Number(values.vms);
  if (![creates, clients, vms].every((n) => Number.isInteger(n) && n > 0) || vms > 230) throw new Error('--creates, --clients and --vms must be positive integers (--vms at most 230: the seeded /24, with 10 more deployed first)');
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-storage-'));
  const log = (msg: string) => console.error(`[bench:storage] ${msg}`);
  const stack = await startLocalStack({ port: 0, inMemory: true, dataDir, simHosts: 4, quiet: true, simHost: { cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 262144, latencyMs: 0 }, agent: { heartbeatIntervalMs: 5000, pollWaitMs: 5000, maxConcurrentTasks: 32 } });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const zoneid = stack.seed.zone.id;
    const pool = (await admin.ok('createStoragePool', { zoneid, name: 'bench', url: 'SharedMountPoint:///srv/bench', scope: 'zone', hypervisor: 'Simulator', capacitybytes: 1024 * 1024 * GiB })).storagepool as { id: string };
    const offering = (await admin.ok('createDiskOffering', { name: 'bench 1 GB', disksize: 1 })).diskoffering as { id: string };

    const createOne = async () => {
      const reply = await admin.ok('createVolume', { zoneid, diskofferingid: offering.id, storageid: pool.id });
      const job = await admin.ok('queryAsyncJobResult', { jobid: reply.jobid as string });
      if (job.jobstatus !== 1) throw new Error(`createVolume failed: ${JSON.stringify(job.jobresult)}`);
    };
    log('100 volume creates from one client (20 more first, not counted)');
    for (let i = 0; i < 20; i++) await createOne();
    const sequential: number[] = [];
    for (let i = 0; i < 100; i++) sequential.push((await timed(createOne)).ms);

    log(`${creates} volume creates on one pool from ${clients} clients`);
    const perCreate: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < creates) {
          next++;
          perCreate.push((await timed(createOne)).ms);
        }
      }),
    );
    const createWall = (performance.now() - t0) / 1000;
    const listed = (await admin.ok('listStoragePools', { id: pool.id })).storagepool as Array<{ disksizeallocated: number }>;
    if (listed[0].disksizeallocated !== (creates + 120) * GiB) throw new Error(`the pool's ledger says ${listed[0].disksizeallocated}, its ${creates + 120} volumes hold ${(creates + 120) * GiB}`);

    log('the raw DynamoDB floor: a conditional Update and a Put in one transaction');
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const raw: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { ms } = await timed(() =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: { TableName: 'stratus', Key: { pk: 'BENCH#ledger', sk: 'BENCH' }, UpdateExpression: 'ADD allocated :b', ConditionExpression: 'attribute_not_exists(allocated) OR allocated <= :ceiling', ExpressionAttributeValues: { ':b': 1, ':ceiling': 1e12 } } },
              { Put: { TableName: 'stratus', Item: { pk: `BENCH#vol#${i}`, sk: 'BENCH' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        ),
      );
      if (i >= 20) raw.push(ms); // after a warm-up
    }

    log('10 deploys from one client, then the concurrent ones');
    const one = await benchDeploys(admin, { vms: 10, clients: 1, pollIntervalMs: 50, jobTimeoutMs: 120_000, serviceOfferingId: await smallId(admin), templateId: await templateId(admin), zoneId: zoneid, namePrefix: 'seq' });
    log(`${vms} deploys, each with a ROOT volume`);
    const small = await smallId(admin);
    const template = await templateId(admin);
    const deploys = await benchDeploys(admin, { vms, clients, pollIntervalMs: 50, jobTimeoutMs: 120_000, serviceOfferingId: small, templateId: template, zoneId: zoneid }).catch(async (err) => {
      // What a stuck deploy was waiting on, for whoever reads the failure.
      const pending = ((await admin.ok('listAsyncJobs', { page: 1, pagesize: 500 })).asyncjobs as Array<{ jobid: string; jobstatus: number }>).filter((j) => j.jobstatus === 0);
      for (const j of pending) console.error(JSON.stringify((await createStore().jobs.get(j.jobid))?.steps));
      throw err;
    });
    // The AllocateVolumes step's time in each deploy job: from the step before it ended to it ending.
    const store = createStore();
    const allocateOf = async (vmIds: readonly string[]) => {
      const out: number[] = [];
      for (const vmId of vmIds) {
        // The VM's jobs: its index partition (gsi4), the deploy first.
        const [job] = await store.listing.all<AsyncJob>({ index: 'gsi4', partitions: [jobInstancePartition(vmId)] });
        const steps = job?.steps ?? [];
        const i = steps.findIndex((s) => s.name === 'AllocateVolumes');
        if (i > 0) out.push(Date.parse(steps[i].at) - Date.parse(steps[i - 1].at));
      }
      return out;
    };
    const allocate = await allocateOf(deploys.vmIds);
    const allocateOne = await allocateOf(one.vmIds);

    const result = {
      ...runFacts(projectRoot()),
      parameters: { creates, clients, vms, simHosts: 4 },
      volumeCreates: {
        oneClientMs: rounded(summarize(sequential)),
        perSecond: Math.round((creates / createWall) * 10) / 10,
        wallSeconds: Math.round(createWall * 10) / 10,
        createToDoneMs: rounded(summarize(perCreate)),
        rawTransactionMs: rounded(summarize(raw)),
      },
      deploysWithRootVolume: {
        oneClient: { submitToRunningMs: rounded(one.submitToRunningMs), allocateVolumesStepMs: rounded(summarize(allocateOne)) },
        vmsPerSecond: Math.round(deploys.vmsPerSecond * 10) / 10,
        submitToRunningMs: rounded(deploys.submitToRunningMs),
        allocateVolumesStepMs: rounded(summarize(allocate)),
      },
    };
    writeResult(projectRoot(), 'storage', result);
    const row = (name: string, s: Summary) => `| ${name} | ${s.n} | ${s.p50} | ${s.p99} |`;
    console.log(
      [
        `| measure | n | p50 ms | p99 ms |`,
        `|---|---|---|---|`,
        row('createVolume on a pool, to job done, one client', result.volumeCreates.oneClientMs),
        row('raw DynamoDB: conditional Update + Put transaction', result.volumeCreates.rawTransactionMs),
        row(`createVolume, ${clients} clients on one pool (${result.volumeCreates.perSecond}/s)`, result.volumeCreates.createToDoneMs),
        row('deploy with ROOT volume, to Running, one client', result.deploysWithRootVolume.oneClient.submitToRunningMs),
        row('of which AllocateVolumes (without it: the deploy without storage)', result.deploysWithRootVolume.oneClient.allocateVolumesStepMs),
        row(`deploy with ROOT volume, ${clients} clients (${result.deploysWithRootVolume.vmsPerSecond} VMs/s)`, result.deploysWithRootVolume.submitToRunningMs),
        row('of which AllocateVolumes', result.deploysWithRootVolume.allocateVolumesStepMs),
      ].join('\n'),
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
