import type { AffinityGroupType, Host } from './entities';

/**
 * Host allocation, pure: which host of a zone takes a VM, and when none can, what ruled each host
 * out. Hard constraints (host state, allocation state of host, pod and cluster, offering host tags,
 * host affinity and anti-affinity, the guest limit, CPU and memory under the cluster's
 * overprovisioning factors) filter the hosts; soft ones (the user's pods, the host's OS preference)
 * and the algorithm (`vm.allocation.algorithm`) order the rest. One pass over the hosts, no sort:
 * choosing among 10,000 hosts stays a few milliseconds (bench/placement.ts).
 */

/** The affinity group types placement honours (listAffinityGroupTypes), as CloudStack names them. */
export const AFFINITY_GROUP_TYPES: readonly AffinityGroupType[] = ['host anti-affinity', 'host affinity'];

/** What a VM asks of a host: CPU in MHz (cores x speed) and memory in MiB. */
export interface CapacityRequest {
  cpu: number;
  memory: number;
  /** the offering's host tags: a host must carry every one */
  hostTags?: readonly string[];
}

export interface GroupRef {
  id: string;
  name: string;
}

/** A VM to place: its size and tags, its OS category (a soft preference) and its affinity groups. */
export interface PlacementRequest extends CapacityRequest {
  osCategoryId?: string;
  /** host anti-affinity groups: no host may run two members */
  antiAffinity?: readonly GroupRef[];
  /** host affinity groups, with the host their placed members share (none placed: no constraint) */
  affinity?: ReadonlyArray<GroupRef & { hostId?: string }>;
}

export const cpuRequestOf = (vm: { cpuNumber: number; cpuSpeed: number }) => vm.cpuNumber * vm.cpuSpeed;

export interface Factors {
  cpu: number;
  memory: number;
}

/**
 * A host's ceilings: total x overprovisioning factor, as CloudStack's capacity checker computes them.
 * Placement passes the cluster's factors (settings); without them the host's own fields are used,
 * which only the listHosts view still does.
 */
export function capacityOf(
  host: Pick<Host, 'cpuNumber' | 'cpuSpeed' | 'memoryTotal' | 'cpuOverprovisioning' | 'memoryOverprovisioning'>,
  factors: Factors = { cpu: host.cpuOverprovisioning, memory: host.memoryOverprovisioning },
) {
  return {
    cpu: Math.floor(host.cpuNumber * host.cpuSpeed * factors.cpu),
    memory: Math.floor(host.memoryTotal * factors.memory),
  };
}

/** A Float setting's text as a factor (Java accepts a trailing f/d); anything not above 0 reads as 1. */
export function factorOf(text: string): number {
  const n = Number(text.trim().replace(/[fFdD]$/, ''));
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/**
 * `vm.allocation.algorithm` as placement applies it. Vertical fills one host before the next (first
 * fit in a stable order); horizontal spreads: `random` (CloudStack's default: a uniform pick, as its
 * shuffle), `leastused` (firstfitleastconsumed), `dispersing` (userdispersing: fewest VMs of the
 * same account first). The userconcentratedpod_* values first prefer pods where the account already
 * runs VMs. Unknown values order nothing, as in CloudStack: first fit.
 */
export type HostOrder = 'firstfit' | 'random' | 'leastused' | 'dispersing';
export interface Strategy {
  kind: 'vertical' | 'horizontal';
  order: HostOrder;
  concentratePods: boolean;
}

export function strategyFor(algorithm: string): Strategy {
  switch (algorithm.trim().toLowerCase()) {
    case 'random':
      return { kind: 'horizontal', order: 'random', concentratePods: false };
    case 'firstfitleastconsumed':
      return { kind: 'horizontal', order: 'leastused', concentratePods: false };
    case 'userdispersing':
      return { kind: 'horizontal', order: 'dispersing', concentratePods: false };
    case 'userconcentratedpod_random':
      return { kind: 'horizontal', order: 'random', concentratePods: true };
    case 'userconcentratedpod_firstfit':
      return { kind: 'vertical', order: 'firstfit', concentratePods: true };
    default:
      return { kind: 'vertical', order: 'firstfit', concentratePods: false };
  }
}

/** Everything about the zone the allocator weighs besides the hosts themselves. */
export interface PlacementContext {
  strategy: Strategy;
  /** overprovisioning factors of a host's cluster (cpu/mem.overprovisioning.factor) */
  factors(clusterId: string): Factors;
  /** vm.max.guests.per.host for a host's cluster */
  maxGuests(clusterId: string): number;
  /** pods and clusters whose allocation is disabled (id -> name); empty for a root admin's VM */
  disabledPods?: ReadonlyMap<string, string>;
  disabledClusters?: ReadonlyMap<string, string>;
  /** the VM owner's placed VMs per host and per pod (userdispersing, userconcentratedpod_*) */
  accountVmsByHost?: ReadonlyMap<string, number>;
  accountVmsByPod?: ReadonlyMap<string, number>;
  /** host names by id, for explaining an affinity pin to a host outside the candidates */
  hostNames?: ReadonlyMap<string, string>;
  /** a number in [0, 1): Math.random in production, seeded in tests */
  random?: () => number;
  /** hosts to skip (confirmed full since the index was read) */
  exclude?: ReadonlySet<string>;
}

export type Reason = 'state' | 'maintenance' | 'disabled' | 'allocation' | 'tags' | 'affinity' | 'anti-affinity' | 'guests' | 'cpu' | 'memory';

export interface RuledOut {
  hostId: string;
  hostName: string;
  reason: Reason;
  detail: string;
}

const MAINTENANCE = new Set(['Maintenance', 'PrepareForMaintenance', 'ErrorInMaintenance']);

/** The first hard constraint `host` fails, cheaply (no text): the hot path of a 10,000-host choice. */
function check(host: Host, req: PlacementRequest, ctx: PlacementContext): Reason | undefined {
  if (host.state !== 'Up') return 'state';
  if (MAINTENANCE.has(host.resourceState)) return 'maintenance';
  if (host.resourceState !== 'Enabled') return 'disabled';
  if (ctx.disabledPods?.has(host.podId) || ctx.disabledClusters?.has(host.clusterId)) return 'allocation';
  if (req.hostTags?.length && !req.hostTags.every((t) => host.hostTags.includes(t))) return 'tags';
  if (req.affinity?.some((g) => g.hostId !== undefined && g.hostId !== host.id)) return 'affinity';
  if (req.antiAffinity?.length && host.antiAffinityGroupIds?.length && req.antiAffinity.some((g) => host.antiAffinityGroupIds!.includes(g.id))) return 'anti-affinity';
  const maxGuests = ctx.maxGuests(host.clusterId);
  if (maxGuests > 0 && (host.vmCount ?? 0) >= maxGuests) return 'guests';
  const cap = capacityOf(host, ctx.factors(host.clusterId));
  if (host.cpuUsed + req.cpu > cap.cpu) return 'cpu';
  if (host.memoryUsed + req.memory > cap.memory) return 'memory';
  return undefined;
}

/** Why `reason` rules `host` out, in words an operator can act on. */
function explain(host: Host, reason: Reason, req: PlacementRequest, ctx: PlacementContext): string {
  const h = `host ${host.name}`;
  switch (reason) {
    case 'state':
    case 'maintenance':
    case 'disabled':
      return `${h} is ${reason === 'state' ? host.state : host.resourceState}`;
    case 'allocation': {
      const cluster = ctx.disabledClusters?.get(host.clusterId);
      return cluster !== undefined ? `${h} is in cluster ${cluster}, disabled` : `${h} is in pod ${ctx.disabledPods?.get(host.podId)}, disabled`;
    }
    case 'tags':
      return `${h} lacks host tag(s) ${(req.hostTags ?? []).filter((t) => !host.hostTags.includes(t)).join(',')}`;
    case 'affinity': {
      const g = req.affinity!.find((a) => a.hostId !== undefined && a.hostId !== host.id)!;
      return `${h} is not host ${ctx.hostNames?.get(g.hostId!) ?? g.hostId}, where the members of host affinity group ${g.name} run`;
    }
    case 'anti-affinity': {
      const g = req.antiAffinity!.find((a) => host.antiAffinityGroupIds?.includes(a.id))!;
      return `${h} already runs a member of host anti-affinity group ${g.name}`;
    }
    case 'guests':
      return `${h} runs ${host.vmCount ?? 0} guest VM(s), the limit (vm.max.guests.per.host) is ${ctx.maxGuests(host.clusterId)}`;
    case 'cpu': {
      const f = ctx.factors(host.clusterId);
      return `${h} has ${capacityOf(host, f).cpu - host.cpuUsed} MHz CPU free, needs ${req.cpu} (${host.cpuNumber * host.cpuSpeed} MHz x overprovisioning ${f.cpu}, ${host.cpuUsed} MHz used)`;
    }
    case 'memory': {
      const f = ctx.factors(host.clusterId);
      return `${h} has ${capacityOf(host, f).memory - host.memoryUsed} MiB memory free, needs ${req.memory} (${host.memoryTotal} MiB x overprovisioning ${f.memory}, ${host.memoryUsed} MiB used)`;
    }
  }
}

/** Why one host cannot take the request, or undefined when it can. */
export function ruleOut(host: Host, req: PlacementRequest, ctx: PlacementContext): RuledOut | undefined {
  const reason = check(host, req, ctx);
  return reason ? { hostId: host.id, hostName: host.name, reason, detail: explain(host, reason, req, ctx) } : undefined;
}

/** Whether the host prefers the VM's OS category (0), has no preference (1) or prefers another (2). */
function osTier(host: Host, osCategoryId: string | undefined, noPreference: ReadonlySet<string>): number {
  const pref = host.osCategoryPreference;
  if (!pref || noPreference.has(pref)) return 1;
  return pref === osCategoryId ? 0 : 2;
}

/** How full a host is: the larger of its CPU and memory shares of the ceilings. */
function usage(host: Host, ctx: PlacementContext): number {
  const cap = capacityOf(host, ctx.factors(host.clusterId));
  return Math.max(cap.cpu > 0 ? host.cpuUsed / cap.cpu : 1, cap.memory > 0 ? host.memoryUsed / cap.memory : 1);
}

const byName = (a: Host, b: Host) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export type Allocation = { ok: true; host: Host } | { ok: false; ruledOut: RuledOut[] };

export interface AllocateOptions {
  /** category ids that mean "no preference" (CloudStack's None) */
  noOsPreference?: ReadonlySet<string>;
}

/**
 * Choose a host for `req` among `hosts`: every hard constraint, then the best by pod preference,
 * OS preference and the strategy's order; ties in a stable order (name, then id). Random picks
 * uniformly among the hosts that tie on the preferences. None fits: every host's reason.
 */
export function allocate(hosts: readonly Host[], req: PlacementRequest, ctx: PlacementContext, opts: AllocateOptions = {}): Allocation {
  const noPreference = opts.noOsPreference ?? new Set<string>();
  const random = ctx.random ?? Math.random;
  const failed: Array<{ host: Host; reason: Reason }> = [];
  let best: Host | undefined;
  let bestKey: number[] = [];
  let ties = 0;
  for (const host of hosts) {
    if (ctx.exclude?.has(host.id)) continue;
    const reason = check(host, req, ctx);
    if (reason) {
      failed.push({ host, reason });
      continue;
    }
    const key = [ctx.strategy.concentratePods ? -(ctx.accountVmsByPod?.get(host.podId) ?? 0) : 0, osTier(host, req.osCategoryId, noPreference)];
    if (ctx.strategy.order === 'leastused') key.push(usage(host, ctx));
    if (ctx.strategy.order === 'dispersing') key.push(ctx.accountVmsByHost?.get(host.id) ?? 0, usage(host, ctx));
    const cmp = best ? compareKeys(key, bestKey) : -1;
    if (ctx.strategy.order === 'random') {
      // Reservoir sampling over the hosts tied on the preferences: a uniform pick in one pass.
      if (cmp < 0) {
        best = host;
        bestKey = key;
        ties = 1;
      } else if (cmp === 0 && random() * ++ties < 1) best = host;
    } else if (cmp < 0 || (cmp === 0 && byName(host, best!) < 0)) {
      best = host;
      bestKey = key;
    }
  }
  if (best) return { ok: true, host: best };
  return { ok: false, ruledOut: failed.map(({ host, reason }) => ({ hostId: host.id, hostName: host.name, reason, detail: explain(host, reason, req, ctx) })) };
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Where the allocator looked: the zone, or the pod, cluster or host an administrator named. */
export interface PlacementScope {
  zone: string;
  pod?: string;
  cluster?: string;
  host?: string;
}

const LABEL: Record<Reason, string> = {
  state: 'not Up',
  maintenance: 'in maintenance',
  disabled: 'not enabled for allocation',
  allocation: 'pod or cluster disabled for allocation',
  tags: 'host tags',
  affinity: 'host affinity',
  'anti-affinity': 'host anti-affinity',
  guests: 'guest VM limit',
  cpu: 'insufficient CPU',
  memory: 'insufficient memory',
};

/** How many hosts each constraint names in the text; the count is always complete. */
export const DETAILS_PER_REASON = 10;

/**
 * CloudStack's 533 text, followed by what ruled the hosts out, grouped by constraint (in the order
 * of the hosts by name): the error explains itself, even for 10,000 hosts (a few named per group).
 * `unread`: hosts placement counted but did not read, all short of that much memory.
 */
export function explainNoHost(vmLabel: string, scope: PlacementScope, ruledOut: readonly RuledOut[], unread?: { hosts?: number; memory: number }): string {
  const where = scope.host
    ? `host ${scope.host}`
    : scope.cluster
      ? `cluster ${scope.cluster} of zone ${scope.zone}`
      : scope.pod
        ? `pod ${scope.pod} of zone ${scope.zone}`
        : `zone ${scope.zone}`;
  const head = `Unable to create a deployment for ${vmLabel}`;
  const more = unread && unread.hosts !== 0 ? unread : undefined;
  if (ruledOut.length === 0 && !more) return `${head}: ${where} has no hosts`;
  const groups = new Map<Reason, string[]>();
  const ordered = [...ruledOut].sort((a, b) => (a.hostName < b.hostName ? -1 : a.hostName > b.hostName ? 1 : 0));
  for (const r of ordered) {
    const list = groups.get(r.reason);
    if (list) list.push(r.detail);
    else groups.set(r.reason, [r.detail]);
  }
  if (more && !groups.has('memory')) groups.set('memory', []);
  const parts = [...groups].map(([reason, details]) => {
    const shown = details.slice(0, DETAILS_PER_REASON).join('; ');
    let tail = details.length > DETAILS_PER_REASON ? `; and ${details.length - DETAILS_PER_REASON} more` : '';
    let count = String(details.length);
    if (reason === 'memory' && more) {
      tail += `${details.length ? '; and ' : ''}${more.hosts ?? 'the other'} host(s) with less than ${more.memory} MiB memory free, counted, not read one by one`;
      count = more.hosts === undefined ? `${details.length}+` : String(details.length + more.hosts);
    }
    return `${LABEL[reason]} (${count}): ${shown}${tail}`;
  });
  const total = more ? (more.hosts === undefined ? `${ruledOut.length}+` : String(ruledOut.length + more.hosts)) : String(ruledOut.length);
  const verdict = scope.host ? `host ${scope.host} cannot take it, ruled out by` : `no host in ${where} can take it; ${total} host(s) ruled out by`;
  const affinityHint = groups.has('affinity') || groups.has('anti-affinity') ? '. Please check the affinity groups provided, there may not be sufficient capacity to follow them' : '';
  return `${head}: ${verdict} ${parts.join(' | ')}${affinityHint}`;
}
