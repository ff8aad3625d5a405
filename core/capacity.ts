import { capacityOf, type Factors } from './allocator';
import type { Host } from './entities';

/**
 * listCapacity's numbers, as CloudStack's capacity table sums them (CapacityDaoImpl): per zone, pod
 * or cluster and per type, only hosts whose capacity is enabled (resource state Enabled: a disabled
 * or maintenance host's capacity state is Disabled) and only rows with a total above zero (a host
 * that never reported has none). The total is the physical amount times the overprovisioning
 * factor, the same ceiling the allocator enforces (capacityOf); used is what placed VMs reserve.
 */

export const CAPACITY_TYPES = { memory: 0, cpu: 1 } as const;
export type CapacityType = (typeof CAPACITY_TYPES)[keyof typeof CAPACITY_TYPES];
/** CapacityVO's names for the types (the response's `name`). */
export const CAPACITY_NAMES: Record<CapacityType, string> = { 0: 'MEMORY', 1: 'CPU' };

export type CapacityLevel = 'zone' | 'pod' | 'cluster';

export interface CapacityRow {
  type: CapacityType;
  zoneId: string;
  podId?: string; // pod and cluster levels
  clusterId?: string; // cluster level
  used: number; // MHz for CPU, bytes for memory
  total: number;
  percentUsed: string;
}

const MIB = 1024 * 1024;

/** What one host adds to a row of `type`. */
function contribution(host: Host, type: CapacityType, factors: Factors): { used: number; total: number } {
  const cap = capacityOf(host, factors);
  return type === CAPACITY_TYPES.cpu ? { used: host.cpuUsed, total: cap.cpu } : { used: host.memoryUsed * MIB, total: cap.memory * MIB };
}

/** `factorsOf`: each host's cluster overprovisioning factors, the ones placement enforces (1 when not given). */
export function summarizeCapacity(
  hosts: readonly Host[],
  level: CapacityLevel,
  types: readonly CapacityType[] = [0, 1],
  factorsOf: (host: Host) => Factors = () => ({ cpu: 1, memory: 1 }),
): CapacityRow[] {
  const rows = new Map<string, CapacityRow & { sumUsed: number; sumTotal: number }>();
  for (const host of hosts) {
    if (host.resourceState !== 'Enabled') continue;
    for (const type of types) {
      const { used, total } = contribution(host, type, factorsOf(host));
      if (total <= 0) continue;
      const scope = { zoneId: host.zoneId, ...(level !== 'zone' ? { podId: host.podId } : {}), ...(level === 'cluster' ? { clusterId: host.clusterId } : {}) };
      const key = [type, scope.zoneId, scope.podId ?? '', scope.clusterId ?? ''].join('/');
      const row = rows.get(key) ?? { type, ...scope, used: 0, total: 0, percentUsed: '0', sumUsed: 0, sumTotal: 0 };
      row.sumUsed += used;
      row.sumTotal += total;
      rows.set(key, row);
    }
  }
  return [...rows.values()].map(({ sumUsed, sumTotal, ...row }) => ({ ...row, used: sumUsed, total: sumTotal, percentUsed: formatPercent((sumUsed / sumTotal) * 100) }));
}

/**
 * Java's DecimalFormat("##.##"): at most two decimals, rounded half-even, no trailing zeros
 * (6.25 -> "6.25", 50 -> "50", 33.333 -> "33.33").
 */
export function formatPercent(value: number): string {
  const scaled = value * 100;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  const rounded = diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  const whole = Math.floor(rounded / 100);
  const cents = rounded % 100;
  if (cents === 0) return String(whole);
  return `${whole}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
}
