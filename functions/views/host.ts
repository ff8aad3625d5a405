import type { Host } from '../../core/entities';
import type { Store } from '../store';
import { factorsByHost } from '../store/placement';
import { toHostResponse } from './infrastructure';
import { createLookups } from './lookups';

/** A host as the host commands answer it: with its zone, pod and cluster names and its cluster's overprovisioning. */
export async function hostResponseOf(store: Store, host: Host) {
  const names = createLookups(store);
  const [zone, pod, cluster, factors] = await Promise.all([names.zone(host.zoneId), names.pod(host.podId), names.cluster(host.clusterId), factorsByHost(store.settings, [host])]);
  return toHostResponse(host, { zone, pod, cluster }, factors(host));
}
