import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { VmSpec } from '../core/agent-protocol';
import { seededPool } from '../functions/bootstrap/seed';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import { rounded, runFacts, summarize, timed, writeResult, type Summary } from './stats';

/**
 * `npm run bench:import [-- --domains 50 --clients 10 --unmanage 20]`: unmanage and import on the
 * local stack, side by side with the floor under them.
 *
 * 1. Imports: `domains` running guests Stratus never made are put on a simulated host and listed;
 *    then imported (importUnmanagedInstance to the job done), half from one client, half from
 *    `clients` at once (imports per second). Beside it, the raw DynamoDB round trip of a transaction
 *    the size of an import's (job, VM, volume, host, pool, address, MAC, listing and counters: 16
 *    items) against the same DynamoDB Local.
 * 2. Unmanage to listed: `unmanage` VMs are deployed, and each is unmanaged; the time from the
 *    command to its domain showing in listUnmanagedInstances (polled every 10 ms), and to its job done.
 * Writes bench/results/imports.json. Not part of the tests.
 */
const GiB = 1024 ** 3;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { domains: { type: 'string', default: '50' }, clients: { type: 'string', default: '10' }, unmanage: { type: 'string', default: '20' }, disks: { type: 'string', default: '20' } } });
  const domains = Number(values.domains);
  const clients = Number(values.clients);
  const unmanageN = Number(values.unmanage);
  const diskN = Number(values.disks);
  if (![domains, clients, unmanageN, diskN].every((n) => Number.isInteger(n) && n > 0) || domains + unmanageN + diskN > 200)
    throw new Error('--domains, --clients, --unmanage and --disks must be positive integers, their sum at most 200 (the seeded /24)');
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-import-'));
  const log = (msg: string) => console.error(`[bench:import] ${msg}`);
  const stack = await startLocalStack({ port: 0, inMemory: true, dataDir, simHosts: 2, quiet: true, simHost: { cpuNumber: 128, cpuSpeed: 2000, memoryTotal: 524288, latencyMs: 0 }, agent: { heartbeatIntervalMs: 1000, pollWaitMs: 5000, maxConcurrentTasks: 32 } });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const clusterid = stack.seed.cluster.id;
    const small = ((await admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[])[0];
    const templateid = ((await admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0].id as string;
    const pool = { ...seededPool(clusterid, 'Simulator'), type: 'SharedMountPoint' as const, host: 'localhost' };

    log(`${domains} guests put on ${stack.hosts[0].name}, waiting for them to be listed`);
    const names = Array.from({ length: domains }, (_, i) => `guest-${String(i).padStart(3, '0')}`);
    stack.hosts[0].driver.seed(
      names.map((name, i): { spec: VmSpec; state: 'PowerOn'; unmanaged: true } => ({
        spec: { vmId: '', instanceName: name, displayName: name, cpuNumber: small.cpunumber, cpuSpeed: small.cpuspeed, memory: small.memory, template: { id: '', url: '', format: 'QCOW2' }, nics: [{ macAddress: `52:54:00:bb:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`, networkName: 'br0', ipAddress: '' }], disks: [{ volumeId: `${name}-0`, type: 'ROOT', deviceId: 0, path: `${name}.qcow2`, size: 10 * GiB, pool }] },
        state: 'PowerOn',
        unmanaged: true,
      })),
    );
    const listedCount = async () => Number((await admin.ok('listUnmanagedInstances', { clusterid, pagesize: 1, page: 1 })).count ?? 0);
    const describedFrom = performance.now();
    while ((await listedCount()) < domains) await new Promise((r) => setTimeout(r, 50));
    const describedMs = performance.now() - describedFrom;

    const importOne = async (name: string) => {
      const reply = await admin.ok('importUnmanagedInstance', { clusterid, name, serviceofferingid: small.id, templateid });
      const job = await admin.waitForJob(reply.jobid as string, { intervalMs: 20 });
      if (job.jobstatus !== 1) throw new Error(`import of ${name} failed: ${JSON.stringify(job.jobresult)}`);
    };
    const half = Math.floor(domains / 2);
    log(`${half} imports from one client`);
    const sequential: number[] = [];
    for (const name of names.slice(0, half)) sequential.push((await timed(() => importOne(name))).ms);
    log(`${domains - half} imports from ${clients} clients`);
    const concurrent: number[] = [];
    const queue = names.slice(half);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let name = queue.shift(); name; name = queue.shift()) concurrent.push((await timed(() => importOne(name))).ms);
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    if ((await listedCount()) !== 0) throw new Error('imported guests are still listed as unmanaged');

    log(`${diskN} disk images put on the shared pool, each made a VM by importVm (importsource=shared), one client`);
    const networkid = ((await admin.ok('listNetworks', { listall: true })).network as Obj[])[0].id as string;
    const diskImports: number[] = [];
    for (let i = 0; i < diskN; i++) {
      const diskpath = `image-${String(i).padStart(3, '0')}.qcow2`;
      stack.hosts[0].driver.placeDiskImage(pool, diskpath, 10 * GiB);
      const { ms } = await timed(async () => {
        const reply = await admin.ok('importVm', { zoneid: stack.seed.zone.id, clusterid, hypervisor: 'Simulator', importsource: 'shared', name: `image-${i}`, serviceofferingid: small.id, networkid, storageid: pool.id, diskpath });
        const job = await admin.waitForJob(reply.jobid as string, { intervalMs: 20 });
        if (job.jobstatus !== 1) throw new Error(`importVm of ${diskpath} failed: ${JSON.stringify(job.jobresult)}`);
      });
      diskImports.push(ms);
    }

    log('the raw DynamoDB floor: a 16-item transaction');
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const raw: number[] = [];
    for (let i = 0; i < 120; i++) {
      const { ms } = await timed(() =>
        doc.send(
          new TransactWriteCommand({
            TransactItems: Array.from({ length: 16 }, (_, k) => ({ Put: { TableName: 'stratus', Item: { pk: `BENCH#import#${i}#${k}`, sk: 'BENCH', n: k }, ConditionExpression: 'attribute_not_exists(pk)' } })),
          }),
        ),
      );
      if (i >= 20) raw.push(ms);
    }

    log(`${unmanageN} VMs deployed, then each unmanaged: command to listed, and to job done`);
    const toListed: number[] = [];
    const toDone: number[] = [];
    for (let i = 0; i < unmanageN; i++) {
      const deployed = await admin.ok('deployVirtualMachine', { serviceofferingid: small.id, templateid, zoneid: stack.seed.zone.id, name: `leaving-${i}` });
      const vm = ((await admin.waitForJob(deployed.jobid as string, { intervalMs: 20 })).jobresult as Obj).virtualmachine as Obj;
      const start = performance.now();
      const reply = await admin.ok('unmanageVirtualMachine', { id: vm.id });
      for (;;) {
        if (Number((await admin.ok('listUnmanagedInstances', { clusterid, name: vm.instancename })).count ?? 0) === 1) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      toListed.push(performance.now() - start);
      const job = await admin.waitForJob(reply.jobid as string, { intervalMs: 10 });
      if (job.jobstatus !== 1) throw new Error(`unmanage failed: ${JSON.stringify(job.jobresult)}`);
      toDone.push(performance.now() - start);
    }

    const result = {
      ...runFacts(projectRoot()),
      parameters: { domains, clients, unmanage: unmanageN, disks: diskN, simHosts: 2 },
      describedToListedMs: Math.round(describedMs),
      imports: {
        oneClientMs: rounded(summarize(sequential)),
        concurrentMs: rounded(summarize(concurrent)),
        perSecond: Math.round(((domains - half) / wall) * 10) / 10,
        rawTransactionMs: rounded(summarize(raw)),
      },
      diskImports: { oneClientMs: rounded(summarize(diskImports)) },
      unmanage: { commandToListedMs: rounded(summarize(toListed)), commandToJobDoneMs: rounded(summarize(toDone)) },
    };
    writeResult(projectRoot(), 'imports', result);
    const row = (name: string, s: Summary) => `| ${name} | ${s.n} | ${s.p50} | ${s.p99} |`;
    console.log(
      [
        `| measure | n | p50 ms | p99 ms |`,
        `|---|---|---|---|`,
        row('importUnmanagedInstance to job done, one client', result.imports.oneClientMs),
        row(`importUnmanagedInstance, ${clients} clients (${result.imports.perSecond} imports/s)`, result.imports.concurrentMs),
        row('importVm of a disk image (importsource=shared) to job done, one client', result.diskImports.oneClientMs),
        row('raw DynamoDB: a 16-item transaction (an import\'s size)', result.imports.rawTransactionMs),
        row('unmanageVirtualMachine to listed in listUnmanagedInstances', result.unmanage.commandToListedMs),
        row('unmanageVirtualMachine to job done', result.unmanage.commandToJobDoneMs),
      ].join('\n') + `\n${domains} guests put on a host were all listed ${result.describedToListedMs} ms later (heartbeats every 1 s).`,
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
