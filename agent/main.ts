import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Agent, stderrLogger } from './agent';
import type { HypervisorDriver } from './drivers/driver';
import { LibvirtDriver } from './drivers/libvirt';
import { SimulatorDriver } from './drivers/simulator';

/**
 * The standalone agent:
 *   npm run agent -- --endpoint http://127.0.0.1:8080 --token <token> [--driver simulator|libvirt]
 *     [--state-file path] [--sim-cpus 16 --sim-cpu-speed 2000 --sim-memory 32768] [--sim-hostname name]
 *     [--libvirt-uri qemu:///system] [--storage-pool default] [--bridge br0]
 *     [--migration-uri qemu+tcp://<this host>/system] [--backup-mount-root /var/lib/stratus/backup-repositories]
 * Stops cleanly on SIGINT/SIGTERM.
 */
const USAGE =
  'usage: npm run agent -- --endpoint <url> [--token <token>] [--driver simulator|libvirt] [--state-file <path>] ' +
  '[--sim-cpus <n>] [--sim-cpu-speed <MHz>] [--sim-memory <MiB>] [--sim-hostname <name>] [--heartbeat-ms <ms>] ' +
  '[--libvirt-uri <uri>] [--storage-pool <pool>] [--bridge <host bridge>] [--migration-uri <uri other hosts migrate VMs here with>] ' +
  '[--backup-mount-root <dir backup repositories are mounted under>]';

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function driverFrom(values: Record<string, string | boolean | undefined>): HypervisorDriver {
  const kind = (values.driver as string | undefined) ?? 'simulator';
  if (kind === 'libvirt') {
    const bridge = values.bridge as string | undefined;
    return new LibvirtDriver({
      uri: (values['libvirt-uri'] as string | undefined) ?? 'qemu:///system',
      storagePool: (values['storage-pool'] as string | undefined) ?? 'default',
      // Without --bridge, NICs join libvirt's `default` (NAT) network.
      nicSource: bridge ? { type: 'bridge', name: bridge } : { type: 'network', name: 'default' },
      // Default qemu+tcp://<this host's address>/system; e.g. qemu+tls://kvm-1.example/system.
      migrationUri: values['migration-uri'] as string | undefined,
      // Where the nas provider's backup repositories are mounted, each under its id.
      backupMountRoot: values['backup-mount-root'] as string | undefined,
    });
  }
  if (kind !== 'simulator') throw new Error(`Unknown driver "${kind}"; use simulator or libvirt`);
  return new SimulatorDriver({
    hostname: (values['sim-hostname'] as string | undefined) ?? hostname(),
    cpuNumber: positiveInt('sim-cpus', values['sim-cpus'] as string | undefined, 16),
    cpuSpeed: positiveInt('sim-cpu-speed', values['sim-cpu-speed'] as string | undefined, 2000),
    memoryTotal: positiveInt('sim-memory', values['sim-memory'] as string | undefined, 32768),
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      token: { type: 'string' },
      driver: { type: 'string' },
      'state-file': { type: 'string' },
      'sim-cpus': { type: 'string' },
      'sim-cpu-speed': { type: 'string' },
      'sim-memory': { type: 'string' },
      'sim-hostname': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'libvirt-uri': { type: 'string' },
      'storage-pool': { type: 'string' },
      bridge: { type: 'string' },
      'migration-uri': { type: 'string' },
      'backup-mount-root': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.endpoint) throw new Error(`--endpoint is required\n${USAGE}`);

  const driver = driverFrom(values);
  const agent = new Agent({
    endpoint: values.endpoint,
    token: values.token,
    driver,
    credentialsFile: values['state-file'],
    heartbeatIntervalMs: positiveInt('heartbeat-ms', values['heartbeat-ms'], 10_000),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stderrLogger.info('stopping', { signal });
    agent
      .stop()
      .then(() => (driver instanceof LibvirtDriver ? driver.close() : undefined))
      .then(
        () => process.exit(0),
        (err: Error) => {
          stderrLogger.error('stop failed', { error: err.message });
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  await agent.start();
}

main().catch((err: Error) => {
  stderrLogger.error(err.message);
  process.exit(1);
});
