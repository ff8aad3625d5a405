import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { seededPool } from '../functions/bootstrap/seed';
import { placeDemoDiskImage, seedDemoGuests } from './demo-guests';
import { serveDemoImages } from './demo-images';
import { LOCAL_ADMIN_PASSWORD, startLocalStack } from './stack';

/**
 * `npm start`: the control plane on this machine with its embedded defaults and demo hosts.
 *   --port 8080  --data-dir .stratus  --in-memory  --sim-hosts 2  --no-demo-guests
 */
const HELP = `Usage: npm start -- [--port 8080] [--data-dir .stratus] [--in-memory] [--sim-hosts 2] [--no-demo-guests]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      'data-dir': { type: 'string', default: '.stratus' },
      'in-memory': { type: 'boolean', default: false },
      'sim-hosts': { type: 'string', default: '2' },
      'no-demo-guests': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = Number(values.port);
  const simHosts = Number(values['sim-hosts']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);
  if (!Number.isInteger(simHosts) || simHosts < 0 || simHosts > 1000) throw new Error(`--sim-hosts must be 0 to 1000, not ${values['sim-hosts']}`);

  const stack = await startLocalStack({ port, dataDir: values['data-dir'], inMemory: values['in-memory'], simHosts, quiet: true });
  // Guests the first demo host runs that Stratus did not create: listUnmanagedInstances shows them, importUnmanagedInstance takes them.
  const pool = seededPool(stack.seed.cluster.id, 'Simulator');
  const poolSpec = { ...pool, type: 'SharedMountPoint' as const, host: 'localhost' };
  const guests = !values['no-demo-guests'] && stack.hosts[0] ? seedDemoGuests(stack.hosts[0].driver, poolSpec) : [];
  // And a disk image on the pool, that importVm importsource=shared makes a VM of.
  const image = !values['no-demo-guests'] && stack.hosts[0] ? placeDemoDiskImage(stack.hosts[0].driver, poolSpec) : undefined;
  const m = stack.migrated;
  if (m.from < m.to) console.log(`Data in ${stack.dataDir} migrated from version ${m.from} to ${m.to}: ${m.updated} of ${m.items} items re-indexed, ${m.counters} list counters.`);
  // The demo images over HTTP beside the API (port + 1), registered through it when new.
  const demo = simHosts > 0 ? await serveDemoImages({ port: port === 0 ? 0 : port + 1, apiUrl: stack.apiUrl, credentials: stack.credentials, hypervisor: 'Simulator' }) : undefined;
  console.log(`Stratus is running.
  Web console:    ${stack.consoleUrl}  (log in as admin / ${LOCAL_ADMIN_PASSWORD}, domain /)
  CloudStack API: ${stack.apiUrl}
  Credentials:    ${join(stack.dataDir, 'credentials.env')}  (source it, then: cloudstack listZones)
  API key:        ${stack.credentials.apiKey}
  Login:          admin / ${LOCAL_ADMIN_PASSWORD}, domain /  (command=login; then sessionkey=... on each request)
  Hosts:          ${stack.hosts.map((h) => h.name).join(', ') || 'none'}
  Unmanaged:      ${guests.length ? `${guests.join(', ')} on ${stack.hosts[0].name}  (cloudstack listUnmanagedInstances clusterid=${stack.seed.cluster.id})` : 'none'}
  Disk image:     ${image ? `${image} on pool ${pool.id}  (cloudstack importVm importsource=shared storageid=${pool.id} diskpath=${image} ...: see the README)` : 'none'}
  Demo images:    ${demo ? `${demo.server.url('')}  (${demo.registered.length ? `registering ${demo.registered.join(' and ')}: cloudstack listTemplates templatefilter=self` : 'registered before'})` : 'none (no hosts to download them)'}
Press Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    Promise.all([stack.stop(), demo?.server.close()]).then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: Error) => {
  console.error(`stratus: ${err.message}`);
  process.exit(1);
});
