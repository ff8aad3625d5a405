import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import { rounded, runFacts, summarize, timed, writeResult, type Summary } from './stats';

/**
 * `npm run bench:backups [-- --vms 50 --clients 10 --scheduled 40]`: backups on the local stack
 * across 10 simulated hosts, side by side with the floor under them.
 *
 * 1. Backups per second: `vms` VMs (spread over the hosts) in a dummy-provider offering, each
 *    backed up once from one client (createBackup to job done), then once more from `clients` at
 *    once (backups per second). Beside it, the raw DynamoDB round trip of a transaction the size of
 *    a backup's start (job, VM, backup, pending marker, offering count and counters: 12 items).
 * 2. Lateness of scheduled runs: `scheduled` VMs each get an HOURLY schedule due at the same next
 *    whole minute; the backup scheduler (ticked every second locally, at the start of every minute
 *    on AWS) starts them: due time to the backup record's creation, p50/p99, and to the last
 *    backup done.
 * 3. The nas provider: the same VMs moved to an offering of a backup repository, each backed up once
 *    from one client and once more from `clients` at once. Each backup is the host agent's work
 *    (TakeBackup through the gateway, its progress reported, the simulator's copy instant), so this
 *    is the control plane's and the agents' cost around the copy, not a disk's speed.
 * Writes bench/results/backups.json. Not part of the tests.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vms: { type: 'string', default: '50' }, clients: { type: 'string', default: '10' }, scheduled: { type: 'string', default: '40' } } });
  const vmN = Number(values.vms);
  const clients = Number(values.clients);
  const scheduledN = Number(values.scheduled);
  if (![vmN, clients, scheduledN].every((n) => Number.isInteger(n) && n > 0) || scheduledN > vmN || vmN > 200) throw new Error('--vms, --clients, --scheduled: positive integers, scheduled <= vms <= 200 (the seeded /24)');
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-backups-'));
  const log = (msg: string) => console.error(`[bench:backups] ${msg}`);
  const hosts = 10;
  const stack = await startLocalStack({ port: 0, inMemory: true, dataDir, simHosts: hosts, quiet: true, simHost: { cpuNumber: 64, cpuSpeed: 2000, memoryTotal: 262144, latencyMs: 0 }, agent: { heartbeatIntervalMs: 2000, pollWaitMs: 5000, maxConcurrentTasks: 32 } });
  try {
    const admin = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const zoneid = stack.seed.zone.id;
    const job = async (command: string, params: Record<string, string | number | boolean>) => {
      const reply = await admin.ok(command, params);
      const done = await admin.waitForJob(reply.jobid as string, { intervalMs: 20 });
      if (done.jobstatus !== 1) throw new Error(`${command} failed: ${JSON.stringify(done.jobresult)}`);
      return done.jobresult as Obj;
    };
    await admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true' });
    await admin.ok('updateConfiguration', { name: 'backup.framework.enabled', value: 'true', zoneid });
    const offering = (await job('importBackupOffering', { name: 'Gold', description: 'Gold', externalid: 'gold-policy', zoneid, allowuserdrivenbackups: true })).backupoffering as Obj;
    const small = ((await admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[])[0].id as string;
    const templateid = ((await admin.ok('listTemplates', { templatefilter: 'executable' })).template as Obj[])[0].id as string;

    log(`${vmN} VMs deployed over ${hosts} hosts and assigned to the offering`);
    const vms: Obj[] = [];
    const pending = Array.from({ length: vmN }, (_, i) => i);
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
          const vm = (await job('deployVirtualMachine', { serviceofferingid: small, templateid, zoneid, name: `backed-${String(i).padStart(3, '0')}` })).virtualmachine as Obj;
          await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id as string, backupofferingid: offering.id as string });
          vms.push(vm);
        }
      }),
    );
    const spread = new Set(vms.map((v) => v.hostid)).size;

    /** createBackup of each VM from one client, then of each again from `clients` at once (backups per second). */
    const backupRounds = async (provider: string) => {
      log(`${provider}: createBackup of each VM from one client, then again from ${clients} clients`);
      const sequential: number[] = [];
      for (const vm of vms) sequential.push((await timed(() => job('createBackup', { virtualmachineid: vm.id as string }))).ms);
      const concurrent: number[] = [];
      const queue = [...vms];
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          for (let vm = queue.shift(); vm; vm = queue.shift()) concurrent.push((await timed(() => job('createBackup', { virtualmachineid: vm.id as string }))).ms);
        }),
      );
      return { oneClientMs: rounded(summarize(sequential)), concurrentMs: rounded(summarize(concurrent)), perSecond: Math.round((vms.length / ((performance.now() - t0) / 1000)) * 10) / 10 };
    };
    const dummy = await backupRounds('dummy');

    log('the raw DynamoDB floor: a 12-item transaction');
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const raw: number[] = [];
    for (let i = 0; i < 120; i++) {
      const { ms } = await timed(() => doc.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 12 }, (_, k) => ({ Put: { TableName: 'stratus', Item: { pk: `BENCH#backup#${i}#${k}`, sk: 'BENCH', n: k }, ConditionExpression: 'attribute_not_exists(pk)' } })) })));
      if (i >= 20) raw.push(ms);
    }

    // Far enough ahead that every schedule is made before it is due.
    const due = new Date(Math.ceil((Date.now() + 15_000) / 60_000) * 60_000);
    log(`${scheduledN} HOURLY schedules due at ${due.toISOString()}`);
    const scheduled = vms.slice(0, scheduledN);
    for (const vm of scheduled) await admin.ok('createBackupSchedule', { virtualmachineid: vm.id as string, intervaltype: 'HOURLY', schedule: String(due.getUTCMinutes()), timezone: 'UTC' });
    const taken = async () => ((await admin.ok('listBackups', { listall: true, pagesize: 500, page: 1 })).backup as Obj[]).filter((b) => b.intervaltype === 'HOURLY');
    let runs: Obj[] = [];
    const deadline = due.getTime() + 120_000;
    while (Date.now() < deadline) {
      runs = await taken();
      if (runs.length >= scheduledN && runs.every((b) => b.status === 'BackedUp')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (runs.length !== scheduledN || runs.some((b) => b.status !== 'BackedUp')) throw new Error(`${runs.length} of ${scheduledN} scheduled backups taken by ${new Date(deadline).toISOString()}`);
    const lateness = runs.map((b) => Date.parse(b.created as string) - due.getTime());
    const allDoneMs = Date.now() - due.getTime();

    log('the nas provider: the VMs moved to a repository\'s offering, then backed up by their hosts\' agents');
    await admin.ok('updateConfiguration', { name: 'backup.framework.provider.plugin', value: 'nas', zoneid });
    const repository = (await admin.ok('addBackupRepository', { name: 'bench-nfs', address: '10.0.0.5:/export/backups', type: 'nfs', zoneid })).backuprepository as Obj;
    const nasOffering = (await job('importBackupOffering', { name: 'NAS', description: 'NFS share', externalid: repository.id as string, zoneid, allowuserdrivenbackups: true })).backupoffering as Obj;
    for (const vm of vms) {
      await job('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id as string });
      await job('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id as string, backupofferingid: nasOffering.id as string });
    }
    const nas = await backupRounds('nas');

    const result = {
      ...runFacts(projectRoot()),
      parameters: { vms: vmN, clients, scheduled: scheduledN, simHosts: hosts, hostsUsed: spread, providers: ['dummy', 'nas'], schedulerTickMs: 1000 },
      backups: { ...dummy, rawTransactionMs: rounded(summarize(raw)) },
      scheduled: { dueToStartedMs: rounded(summarize(lateness)), dueToAllDoneMs: allDoneMs },
      nas,
    };
    writeResult(projectRoot(), 'backups', result);
    const row = (name: string, s: Summary) => `| ${name} | ${s.n} | ${s.p50} | ${s.p99} |`;
    console.log(
      [
        `| measure | n | p50 ms | p99 ms |`,
        `|---|---|---|---|`,
        row('createBackup to job done, one client (dummy provider)', result.backups.oneClientMs),
        row(`createBackup, ${clients} clients over ${spread} hosts (${result.backups.perSecond} backups/s)`, result.backups.concurrentMs),
        row("raw DynamoDB: a 12-item transaction (a backup start's size)", result.backups.rawTransactionMs),
        row('scheduled run: due time to backup started', result.scheduled.dueToStartedMs),
        row('nas provider: createBackup to job done, one client (the host agent takes it)', result.nas.oneClientMs),
        row(`nas provider: createBackup, ${clients} clients (${result.nas.perSecond} backups/s)`, result.nas.concurrentMs),
      ].join('\n') + `\n${scheduledN} schedules due at the same minute were all BackedUp ${allDoneMs} ms after it.`,
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
