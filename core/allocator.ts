import type { Host } from './entities';

/** What a VM asks of a host: CPU in MHz (cores x speed) and memory in MiB. */
export interface CapacityRequest {
  cpu: number;
  memory: number;
  hostTags?: string[];
}

export const cpuRequestOf = (vm: { cpuNumber: number; cpuSpeed: number }) => vm.cpuNumber * vm.cpuSpeed;

/** A host's ceilings: total x overprovisioning factor, as CloudStack's capacity checker computes them. */
export function capacityOf(host: Pick<Host, 'cpuNumber' | 'cpuSpeed' | 'memoryTotal' | 'cpuOverprovisioning' | 'memoryOverprovisioning'>) {
  return {
    cpu: Math.floor(host.cpuNumber * host.cpuSpeed * host.cpuOverprovisioning),
    memory: Math.floor(host.memoryTotal * host.memoryOverprovisioning),
  };
}

export type RuledOut =
  | { hostId: string; reason: 'state'; detail: string }
  | { hostId: string; reason: 'disabled'; detail: string }
  | { hostId: string; reason: 'tags'; detail: string }
  | { hostId: string; reason: 'cpu'; detail: string }
  | { hostId: string; reason: 'memory'; detail: string };

/** Why one host cannot take the request, or undefined when it can. */
export function ruleOut(host: Host, req: CapacityRequest): RuledOut | undefined {
  if (host.state !== 'Up') return { hostId: host.id, reason: 'state', detail: `host ${host.name} is ${host.state}` };
  if (host.resourceState !== 'Enabled') return { hostId: host.id, reason: 'disabled', detail: `host ${host.name} is ${host.resourceState}` };
  const missing = (req.hostTags ?? []).filter((t) => !host.hostTags.includes(t));
  if (missing.length) return { hostId: host.id, reason: 'tags', detail: `host ${host.name} lacks host tag(s) ${missing.join(',')}` };
  const cap = capacityOf(host);
  if (host.cpuUsed + req.cpu > cap.cpu)
    return { hostId: host.id, reason: 'cpu', detail: `host ${host.name} has ${cap.cpu - host.cpuUsed} MHz CPU free, needs ${req.cpu}` };
  if (host.memoryUsed + req.memory > cap.memory)
    return { hostId: host.id, reason: 'memory', detail: `host ${host.name} has ${cap.memory - host.memoryUsed} MiB memory free, needs ${req.memory}` };
  return undefined;
}

export type Allocation = { ok: true; host: Host } | { ok: false; ruledOut: RuledOut[] };

/**
 * First fit over hosts in a stable order (by name, then id), skipping `exclude` (hosts lost in a
 * race for their last room). The full allocator (tags, OS preference, spread, affinity) is
 * issue 3's; this one already explains every host it rules out.
 */
export function firstFit(hosts: Host[], req: CapacityRequest, exclude: ReadonlySet<string> = new Set()): Allocation {
  const ordered = [...hosts].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const ruledOut: RuledOut[] = [];
  for (const host of ordered) {
    if (exclude.has(host.id)) continue;
    const why = ruleOut(host, req);
    if (!why) return { ok: true, host };
    ruledOut.push(why);
  }
  return { ok: false, ruledOut };
}

/** CloudStack's 533 text, followed by what ruled each host out, grouped by constraint. */
export function explainNoHost(vmLabel: string, zoneName: string, ruledOut: RuledOut[]): string {
  if (ruledOut.length === 0) return `Unable to create a deployment for ${vmLabel}: zone ${zoneName} has no hosts`;
  const groups = new Map<string, string[]>();
  for (const r of ruledOut) groups.set(r.reason, [...(groups.get(r.reason) ?? []), r.detail]);
  const label: Record<RuledOut['reason'], string> = {
    state: 'not Up',
    disabled: 'not enabled for allocation',
    tags: 'host tags',
    cpu: 'insufficient CPU',
    memory: 'insufficient memory',
  };
  const parts = [...groups].map(([reason, details]) => `${label[reason as RuledOut['reason']]} (${details.length}): ${details.join('; ')}`);
  return `Unable to create a deployment for ${vmLabel}: no host in zone ${zoneName} can take it; ${ruledOut.length} host(s) ruled out by ${parts.join(' | ')}`;
}
