import { z } from 'zod';
import { factorsByHost } from '../../store/placement';
import { CAPACITY_TYPES, summarizeCapacity, type CapacityLevel, type CapacityType } from '../../../core/capacity';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams, paginate } from '../paging';
import { createLookups } from '../../views/lookups';
import { toCapacityResponse } from '../../views/infrastructure';

const KNOWN_TYPES: readonly number[] = Object.values(CAPACITY_TYPES);

/**
 * listCapacity for the capacity types a host gives (0 memory in bytes, 1 CPU in MHz), summed per
 * zone, pod or cluster as core/capacity.ts describes. The other CloudStack types (storage, IPs,
 * VLANs, GPUs) have nothing behind them here and are never listed.
 */
export default defineCommand({
  name: 'listCapacity',
  description: 'Lists all the system wide capacities.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'capacity',
  params: z.object({
    zoneid: cs.uuid().optional().meta({ description: 'lists capacity by the Zone ID' }),
    podid: cs.uuid().optional().meta({ description: 'lists capacity by the Pod ID' }),
    clusterid: cs.uuid().optional().meta({ description: 'lists capacity by the Cluster ID', since: '3.0.0' }),
    type: cs.int().optional().meta({ description: 'lists capacity by type* CAPACITY_TYPE_MEMORY = 0* CAPACITY_TYPE_CPU = 1' }),
    fetchlatest: cs.boolean().optional().meta({ description: 'recalculate capacities and fetch the latest (always: they are read live)', since: '3.0.0' }),
    sortby: cs.string().optional().meta({ description: 'Sort the results. Available values: Usage', since: '3.0.0' }),
    ...listParams,
  }),
  async handle({ params, store, command }) {
    const names = createLookups(store);
    const [zone, pod, cluster] = await Promise.all([
      params.zoneid ? names.zone(params.zoneid) : undefined,
      params.podid ? names.pod(params.podid) : undefined,
      params.clusterid ? names.cluster(params.clusterid) : undefined,
    ]);
    if (params.zoneid && !zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (params.podid && !pod) throw new EntityNotFoundError(command, 'podid', params.podid);
    if (params.clusterid && !cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    const byUsage = params.sortby !== undefined;
    if (byUsage && params.sortby!.toLowerCase() !== 'usage') throw new InvalidParameterError('Only value supported for sortBy parameter is : usage');

    const hosts = (params.zoneid ? await store.hosts.listInZone(params.zoneid) : await store.hosts.listAll()).filter(
      (h) => (!params.podid || h.podId === params.podid) && (!params.clusterid || h.clusterId === params.clusterid),
    );
    // listCapacities sums at the level asked for; listTopConsumedResources (sortby) one level below it.
    const level: CapacityLevel = byUsage
      ? params.podid || params.clusterid ? 'cluster' : params.zoneid ? 'pod' : 'zone'
      : params.clusterid ? 'cluster' : params.podid ? 'pod' : 'zone';
    const types = (params.type === undefined ? KNOWN_TYPES : KNOWN_TYPES.filter((t) => t === params.type)) as CapacityType[];
    const rows = await Promise.all(
      summarizeCapacity(hosts, level, types, await factorsByHost(store.settings, hosts)).map(async (row) => {
        const [z, p, c] = await Promise.all([names.zone(row.zoneId), row.podId ? names.pod(row.podId) : undefined, row.clusterId ? names.cluster(row.clusterId) : undefined]);
        return { row, response: toCapacityResponse(row, { zone: z, pod: p, cluster: c }) };
      }),
    );
    // ListCapacityCmd's order: zone name, then the type (or, sorted by usage, the fullest first).
    rows.sort(
      (a, b) =>
        (a.response.zonename ?? '').localeCompare(b.response.zonename ?? '') ||
        (byUsage ? b.row.used / b.row.total - a.row.used / a.row.total : a.row.type - b.row.type) ||
        (a.response.podname ?? '').localeCompare(b.response.podname ?? '') ||
        (a.response.clustername ?? '').localeCompare(b.response.clustername ?? ''),
    );
    const page = paginate(
      rows.map((r) => r.response),
      params.page,
      params.pagesize,
    );
    return { kind: 'list', key: 'capacity', items: page.items, count: page.count };
  },
});
