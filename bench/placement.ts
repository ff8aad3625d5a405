import { allocate, explainNoHost, strategyFor, type PlacementContext, type PlacementRequest } from '../core/allocator';
import type { Host } from '../core/entities';
import type { CloudStackClient } from '../local/cloudstack-client';
import { benchDeploys, type DeployResult } from './deploy';
import { summarize, type Summary } from './stats';
import { seeded } from '../core/random';

/**
 * Placement: (1) the pure allocator (core/allocator.ts) choosing among many candidate hosts, timed
 * in-process, per vm.allocation.algorithm, and when nothing fits (every host explained, the 533
 * text built); (2) deploys through the local stack with host anti-affinity groups in play, each VM
 * in a group, checked afterwards: no two members of a group on one host.
 */


/**
 * A zone of `count` hosts in 100 clusters over 10 pods: mixed sizes, 0-90% used, 2% not Up, 1%
 * disabled, 20% tagged, 10% with an OS preference, 30% running members of some of 200 anti-affinity groups.
 */
export function syntheticZone(count: number, seed = 1): Host[] {
  const rnd = seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  return Array.from({ length: count }, (_, i) => {
    const cpuNumber = pick([16, 32, 64]);
    const cpuSpeed = pick([2000, 2400, 3000]);
    const memoryTotal = pick([65536, 131072, 262144]);
    const used = rnd() * 0.9;
    const cluster = i % 100;
    return {
      id: `host-${i}`,
      name: `host-${String(i).padStart(5, '0')}`,
      zoneId: 'zone',
      podId: `pod-${cluster % 10}`,
      clusterId: `cluster-${cluster}`,
      hypervisor: 'KVM',
      state: rnd() < 0.02 ? 'Down' : 'Up',
      resourceState: rnd() < 0.01 ? 'Disabled' : 'Enabled',
      ipAddress: '192.0.2.1',
      cpuNumber,
      cpuSpeed,
      memoryTotal,
      cpuUsed: Math.floor(cpuNumber * cpuSpeed * used),
      memoryUsed: Math.floor(memoryTotal * used),
      cpuOverprovisioning: 1,
      memoryOverprovisioning: 1,
      hostTags: rnd() < 0.2 ? ['ssd'] : [],
      osCategoryPreference: rnd() < 0.1 ? pick(['linux', 'windows']) : undefined,
      vmCount: Math.floor(used * 40),
      antiAffinityGroupIds: rnd() < 0.3 ? [`group-${Math.floor(rnd() * 200)}`] : undefined,
      created: '2026-01-01T00:00:00Z',
      version: 1,
    } satisfies Host;
  });
}

export interface AllocatorBench {
  hosts: number;
  runs: number;
  /** one choice, per vm.allocation.algorithm value, milliseconds */
  chooseMs: Record<string, Summary>;
  /** no host fits: every host ruled out and the 533 text built, milliseconds */
  noHostMs: Summary;
}

const WARM_UP = 20;
const ALGORITHMS = ['firstfit', 'random', 'firstfitleastconsumed', 'userdispersing'] as const;

export function benchAllocator({ hosts: count, runs, seed = 1 }: { hosts: number; runs: number; seed?: number }): AllocatorBench {
  const hosts = syntheticZone(count, seed);
  const request: PlacementRequest = {
    cpu: 2000,
    memory: 2048,
    hostTags: [],
    osCategoryId: 'linux',
    antiAffinity: [
      { id: 'group-7', name: 'web' },
      { id: 'group-42', name: 'db' },
    ],
  };
  const accountVmsByHost = new Map(hosts.filter((_, i) => i % 7 === 0).map((h) => [h.id, 1 + (h.name.length % 3)]));
  const context = (algorithm: string): PlacementContext => ({
    strategy: strategyFor(algorithm),
    factors: (clusterId) => (clusterId.endsWith('0') ? { cpu: 2, memory: 1.5 } : { cpu: 1, memory: 1 }),
    maxGuests: () => 50,
    disabledClusters: new Map([['cluster-13', 'cluster-13']]),
    accountVmsByHost,
    random: seeded(seed + 1),
  });
  const time = (fn: () => unknown) => {
    for (let i = 0; i < WARM_UP; i++) fn();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    return summarize(samples);
  };

  const chooseMs: Record<string, Summary> = {};
  for (const algorithm of ALGORITHMS) {
    const ctx = context(algorithm);
    chooseMs[algorithm] = time(() => {
      if (!allocate(hosts, request, ctx).ok) throw new Error(`the synthetic zone has no host for the request (${algorithm})`);
    });
  }
  const huge = { ...request, cpu: 10_000_000 };
  const ctx = context('firstfit');
  const noHostMs = time(() => {
    const a = allocate(hosts, huge, ctx);
    if (a.ok) throw new Error('a host took an impossible request');
    explainNoHost('VM[User|i-2-1-VM]', { zone: 'zone' }, a.ruledOut);
  });
  return { hosts: count, runs, chooseMs, noHostMs };
}

export interface AffinityDeployBench extends Omit<DeployResult, 'vmIds'> {
  groups: number;
  membersPerGroup: number;
}

/**
 * `groups` host anti-affinity groups of `membersPerGroup` VMs each (at most the number of hosts),
 * deployed by `clients` concurrent clients in interleaved order, so members of one group race.
 * Afterwards every group's members must run on distinct hosts.
 */
export async function benchAffinityDeploys(
  client: CloudStackClient,
  p: { groups: number; membersPerGroup: number; clients: number; pollIntervalMs: number; serviceOfferingId: string; templateId: string; zoneId: string },
): Promise<AffinityDeployBench> {
  const groupIds: string[] = [];
  for (let g = 0; g < p.groups; g++) {
    const submit = await client.ok('createAffinityGroup', { name: `bench-aa-${g}`, type: 'host anti-affinity' });
    const job = await client.waitForJob(submit.jobid as string);
    if (job.jobstatus !== 1) throw new Error(`createAffinityGroup bench-aa-${g} failed: ${JSON.stringify(job.jobresult)}`);
    groupIds.push(submit.id as string);
  }
  const result = await benchDeploys(client, {
    vms: p.groups * p.membersPerGroup,
    clients: p.clients,
    pollIntervalMs: p.pollIntervalMs,
    jobTimeoutMs: 120_000,
    serviceOfferingId: p.serviceOfferingId,
    templateId: p.templateId,
    zoneId: p.zoneId,
    namePrefix: 'bench-aa',
    extraParams: (i) => ({ affinitygroupids: groupIds[i % p.groups] }),
  });

  const hostOf = new Map<string, string>();
  for (let page = 1; ; page++) {
    const vms = ((await client.ok('listVirtualMachines', { listall: true, page, pagesize: 500 })).virtualmachine ?? []) as Array<{ id: string; hostid?: string }>;
    for (const vm of vms) if (vm.hostid) hostOf.set(vm.id, vm.hostid);
    if (vms.length < 500) break;
  }
  for (const id of groupIds) {
    const group = ((await client.ok('listAffinityGroups', { id })).affinitygroup as Array<{ name: string; virtualmachineIds?: string[] }>)[0];
    const hosts = (group.virtualmachineIds ?? []).map((vm) => hostOf.get(vm));
    if (hosts.length !== p.membersPerGroup) throw new Error(`group ${group.name} has ${hosts.length} members, expected ${p.membersPerGroup}`);
    if (new Set(hosts).size !== hosts.length) throw new Error(`group ${group.name} has two members on one host: ${hosts.join(', ')}`);
  }
  const { vmIds: _ids, ...rest } = result;
  return { ...rest, groups: p.groups, membersPerGroup: p.membersPerGroup };
}
