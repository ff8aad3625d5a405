import { z } from 'zod';
import type { Host, Vm, Volume } from '../../core/entities';
import { CapacityRaceError, ConcurrentOperationError, InsufficientCapacityError, InternalError } from '../../core/errors';
import { choosePool, explainNoPool, poolReaches, volumeRequest } from '../../core/storage';
import type { Store } from '../store';
import { volumesOf } from '../store/storage';
import { defineStep } from './define-step';

const Input = z.object({ jobId: z.string(), vmId: z.string(), hostId: z.string() });

/** How often a volume that lost a pool's last room to a racing create chooses again. */
const ATTEMPTS = 5;

/**
 * The storage allocator's step, after the host is reserved: each of the VM's volumes without a pool
 * gets the pool the host reaches that fits it best (core/storage.ts choosePool), its space taken in
 * the same transaction as the volume's pool (store/storage.ts allocate). No pool fits: 533 naming
 * each pool and why. A volume already on a pool must be reachable from the host (chooseHost keeps
 * a VM in its volumes' cluster). Idempotent: placed volumes are left as they are.
 */
export const handler = defineStep(Input, async ({ jobId, vmId, hostId }, { store }) => {
  const [vm, host] = await Promise.all([store.vms.get(vmId, true), store.hosts.get(hostId, true)]);
  if (!vm) throw new InternalError(`VM ${vmId} does not exist`);
  if (vm.activeJobId !== jobId) throw new ConcurrentOperationError(`VM ${vmId} is no longer operated on by job ${jobId}`);
  if (!host) throw new InternalError(`Host ${hostId} no longer exists`);
  const allocated = await allocateVolumes(store, vm, host, await volumesOf(store.storage, vm));
  return { allocated };
});

/** Place every volume of `volumes` without a pool on one `host` reaches; how many were placed. */
export async function allocateVolumes(store: Store, vm: Pick<Vm, 'instanceName' | 'serviceOfferingId'>, host: Host, volumes: readonly Volume[]): Promise<number> {
  const label = `VM[User|${vm.instanceName}]`;
  const placed = volumes.filter((v) => v.poolId);
  for (const pool of await store.storage.getPools(placed.map((v) => v.poolId!))) {
    if (!poolReaches(pool, host)) throw new InsufficientCapacityError(`Unable to create a deployment for ${label}: its volumes are on storage pool ${pool.name}, which host ${host.name} cannot reach`);
  }
  const unplaced = volumes.filter((v) => !v.poolId);
  if (unplaced.length === 0) return 0;
  const offering = await store.inventory.getServiceOffering(vm.serviceOfferingId);
  // The host's pools, read once, and again only after losing a race for one.
  const readPools = async () => {
    const pools = await store.storage.poolsReachableFrom(host);
    return { pools, factorOf: await store.storage.factorsOf(pools) };
  };
  let known = await readPools();
  let count = 0;
  for (const volume of unplaced) {
    const diskOffering = volume.diskOfferingId ? await store.storage.getDiskOffering(volume.diskOfferingId) : undefined;
    // A ROOT volume goes where its service offering's storage type says; a data disk where its disk offering's does.
    const request = volumeRequest(volume, diskOffering, offering?.storageType ?? 'shared');
    for (let attempt = 1; ; attempt++) {
      const chosen = choosePool(known.pools, request, host, known.factorOf);
      if (!('pool' in chosen)) throw new InsufficientCapacityError(explainNoPool(label, request, `that host ${host.name} reaches`, chosen.ruledOut));
      try {
        if ((await store.storage.allocate(volume, chosen.pool, known.factorOf(chosen.pool))) === 'allocated') count++;
        // What this step took is on the pool now: the next volume sees it.
        chosen.pool.allocatedBytes += volume.size;
        break;
      } catch (err) {
        // Another volume took the pool's last room: choose again with the pools as they are now.
        if (!(err instanceof CapacityRaceError) || attempt >= ATTEMPTS) throw err;
        known = await readPools();
      }
    }
  }
  return count;
}
