import type { Cluster, Host, HostResourceState, Pod, Zone } from './entities';
import { CloudStackError } from './errors';
import { isIpv4 } from './ipv4';

/**
 * Rules shared by the infrastructure commands (createZone ... deleteHost) and the bootstrap: the
 * values CloudStack accepts, and the host record addHost creates.
 */

export type Hypervisor = Cluster['hypervisor'];

/** HypervisorType.getType: case-insensitive; only the hypervisors Stratus has an agent driver for. */
export function parseHypervisor(text: string): Hypervisor | undefined {
  const lower = text.toLowerCase();
  return lower === 'kvm' ? 'KVM' : lower === 'simulator' ? 'Simulator' : undefined;
}

export type AllocationState = Zone['allocationState'];

/** Grouping.AllocationState.valueOf: exact names only. */
export const isAllocationState = (text: string): text is AllocationState => text === 'Enabled' || text === 'Disabled';

/** ResourceState.Event for updateHost's allocationstate: only Enable and Disable. */
export function hostAllocationEvent(text: string): 'Enable' | 'Disable' | undefined {
  return text === 'Enable' || text === 'Disable' ? text : undefined;
}

/**
 * The resource state an Enable/Disable event leads to (ResourceState's table), or undefined when the
 * host's state has no such transition (a host in maintenance is neither enabled nor disabled).
 */
export function nextResourceState(current: HostResourceState, event: 'Enable' | 'Disable'): HostResourceState | undefined {
  if (current !== 'Enabled' && current !== 'Disabled') return undefined;
  return event === 'Enable' ? 'Enabled' : 'Disabled';
}

/**
 * A bare ServerApiException (ApiErrorCode.INTERNAL_ERROR without a cause): 530 with cserrorcode
 * 9999, as AddHostCmd answers a DiscoveryException and DeleteHostCmd a refused deletion.
 */
export class ServerApiError extends CloudStackError {
  override readonly name = 'ServerApiError';
  readonly errorCode = 530;
}

/** How long addHost's one-time registration token stays valid. */
export const REGISTRATION_TOKEN_TTL_SECONDS = 3600;

/** The address in addHost's url (`http://10.0.0.5`): what the host is named after until its agent reports. */
export function hostAddressFromUrl(url: string): { scheme?: string; address?: string } {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/:?#]*)(?::\d+)?(?:[/?#].*)?$/.exec(url);
  if (!m) return {};
  return { scheme: m[1].toLowerCase(), address: m[2] || undefined };
}

/**
 * A host the way addHost creates one: known to the inventory, Connecting, with no capacity until
 * its agent registers with the one-time token and reports its facts.
 */
export function newHostRecord(
  where: { zone: Pick<Zone, 'id'>; pod: Pick<Pod, 'id'>; cluster: Pick<Cluster, 'id' | 'hypervisor'> },
  host: { id: string; name: string; hostTags?: string[]; resourceState?: HostResourceState },
  now: Date,
): Host {
  return {
    id: host.id,
    name: host.name,
    zoneId: where.zone.id,
    podId: where.pod.id,
    clusterId: where.cluster.id,
    hypervisor: where.cluster.hypervisor,
    state: 'Connecting',
    resourceState: host.resourceState ?? 'Enabled',
    ipAddress: isIpv4(host.name) ? host.name : '',
    cpuNumber: 0,
    cpuSpeed: 0,
    memoryTotal: 0,
    cpuUsed: 0,
    memoryUsed: 0,
    cpuOverprovisioning: 1,
    memoryOverprovisioning: 1,
    hostTags: [...new Set(host.hostTags ?? [])],
    created: now.toISOString(),
    version: 1,
  };
}
