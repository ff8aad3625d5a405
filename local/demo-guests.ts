import type { PoolSpec, VmSpec } from '../core/agent-protocol';
import type { SimulatorDriver } from '../agent/drivers/simulator';

/** A guest Stratus did not create, as a host found it (the VM id empty: no Stratus metadata). */
function guest(name: string, cpuNumber: number, memory: number, mac: string, diskGiB: number, pool: PoolSpec): VmSpec {
  return {
    vmId: '',
    instanceName: name,
    displayName: name,
    cpuNumber,
    cpuSpeed: 1000,
    memory,
    template: { id: '', url: '', format: 'QCOW2' },
    nics: [{ macAddress: mac, networkName: 'br-guest', ipAddress: '' }],
    disks: [{ volumeId: `${name}-disk0`, type: 'ROOT', deviceId: 0, path: `${name}.qcow2`, size: diskGiB * 2 ** 30, pool }],
  };
}

/** The demo host's guests that `npm start` shows in listUnmanagedInstances (one running, one off), their disks on `pool`. */
export const demoGuests = (pool: PoolSpec) => [
  { spec: guest('legacy-web', 2, 2048, '52:54:00:5e:00:01', 20, pool), state: 'PowerOn' as const },
  { spec: guest('legacy-db', 4, 8192, '52:54:00:5e:00:02', 100, pool), state: 'PowerOff' as const },
];

/** Put the demo guests on a simulated host that does not have them yet (a persistent host keeps them across restarts). */
export function seedDemoGuests(driver: SimulatorDriver, pool: PoolSpec): string[] {
  const guests = demoGuests(pool);
  const missing = guests.filter((g) => !driver.domain(g.spec.instanceName));
  driver.seed(missing.map((g) => ({ ...g, unmanaged: true })));
  return guests.map((g) => g.spec.instanceName);
}

/** A disk image an operator copied onto the demo pool, that importVm (importsource=shared) makes a VM of. */
export const DEMO_DISK_IMAGE = 'legacy-app.qcow2';

/** Put the demo disk image on the pool (as every host of the cluster sees it). */
export function placeDemoDiskImage(driver: SimulatorDriver, pool: PoolSpec): string {
  if (driver.volumeFile({ pool, path: DEMO_DISK_IMAGE }) === undefined) driver.placeDiskImage(pool, DEMO_DISK_IMAGE, 16 * 2 ** 30);
  return DEMO_DISK_IMAGE;
}
