import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudStackClient } from '../local/cloudstack-client';
import { projectRoot } from '../local/paths';
import { startLocalStack } from '../local/stack';
import { benchHaFailover } from './ha';
import { haRow } from './report';
import { rounded } from './stats';

/**
 * The HA failover scenario alone, on its own local stack: `node local/run.cjs bench/ha-main.ts
 * [--vms 10] [--hosts 3] [--poll-ms 100]`. Writes bench/results/ha.json and prints its summary row;
 * `npm run bench` runs the same scenario last (`--ha-vms`).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vms: { type: 'string', default: '10' }, hosts: { type: 'string', default: '3' }, 'poll-ms': { type: 'string', default: '100' } } });
  const [vms, hosts, pollMs] = [Number(values.vms), Number(values.hosts), Number(values['poll-ms'])];
  if (![vms, hosts, pollMs].every((n) => Number.isInteger(n) && n > 0) || hosts < 2) throw new Error('--vms, --hosts (at least 2) and --poll-ms are positive integers');
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-ha-'));
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    dataDir,
    simHosts: hosts,
    agent: { heartbeatIntervalMs: 300, pollWaitMs: 1000, maxConcurrentTasks: 32 },
    scheduler: { tickMs: 200 },
    quiet: true,
    logger: { info: () => undefined, warn: () => undefined, error: (m, d) => console.error(`agent error: ${m}`, d ?? '') },
  });
  try {
    const client = new CloudStackClient(stack.apiUrl, stack.credentials.apiKey, stack.credentials.secretKey);
    const offering = ((await client.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Array<{ id: string; name: string }>).find((o) => o.name === 'Small Instance')!;
    const template = ((await client.ok('listTemplates', { templatefilter: 'featured' })).template as Array<{ id: string }>)[0];
    const loadAtStart = loadavg()[0];
    const ha = await benchHaFailover(stack, client, { vms, pollMs, serviceOfferingId: offering.id, templateId: template.id, zoneId: stack.seed.zone.id, heartbeatIntervalMs: 300 });
    const result = {
      name: 'ha',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', loadAverage1m: { atStart: loadAtStart, beforeStop: loadavg()[0] } },
      parameters: { vms, simHosts: hosts, pollMs },
      results: { ha: { ...ha, lastHeartbeatToRunningMs: rounded(ha.lastHeartbeatToRunningMs) } },
    };
    const outDir = join(projectRoot(), 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'ha.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(['| Measure | Result |', '|---|---|', haRow(ha)].join('\n'));
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
