import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuRequestOf } from '../../../core/allocator';
import type { Vm } from '../../../core/entities';
import { createStore } from '../../../functions/store';
import { kindPartitions } from '../../../functions/store/indexing';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The reconciler, tested the way the issue asks: the local stack is stopped in the middle of
 * deploys and stops (its Step Functions executions die with it, as they would if the engine lost
 * them), restarted on the same data and the same simulated hosts, and then every job must end and
 * every VM's state must match what its host's agent reports, with exact capacity accounting.
 */
describe('reconciler after a restart in the middle of deploys and stops', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-reconcile-'));
  let env: TestStack | undefined;
  const slowHost = { latencyMs: { start: 1500, stop: 1500 } }; // long enough to be caught mid-flight

  afterAll(async () => {
    await env?.stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('settles every job and VM from what the hosts report', async () => {
    env = await startTestStack({ inMemory: false, dataDir, simHosts: 2, simHost: slowHost, scheduler: false, agentLeaseMs: 4000 });
    const cat = await catalogue(env.admin);
    const small = cat.offerings.find((o) => o.name === 'Small Instance')!;
    const deployArgs = { serviceofferingid: small.id, templateid: cat.templateid, zoneid: cat.zoneid };

    // Four VMs running, then stops of two of them and five new deploys, cut off mid-flight.
    const settled = await Promise.all([1, 2, 3, 4].map(async () => env!.admin.waitForJob(((await env!.admin.ok('deployVirtualMachine', deployArgs)) as { jobid: string }).jobid)));
    const running = settled.map((j) => (j.jobresult as Obj).virtualmachine.id as string);
    for (const id of running.slice(0, 2)) await env.admin.ok('stopVirtualMachine', { id, forced: true });
    for (let i = 0; i < 5; i++) await env.admin.ok('deployVirtualMachine', deployArgs);
    await sleep(800); // some starts handed to agents, some not yet
    await env.stack.stop();

    // Restart on the same data; the simulated hosts come back with the domains they had.
    env = await startTestStack({ inMemory: false, dataDir, simHosts: 2, simHost: slowHost, scheduler: false, agentLeaseMs: 4000 });
    const pendingBefore = ((await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[]).filter((j) => j.jobstatus === 0);
    expect(pendingBefore.length).toBeGreaterThan(0);

    for (let round = 0; round < 30; round++) {
      const { reconcile } = await env.stack.runScheduled({ reconcileGraceMs: 0 });
      if (reconcile.waiting.length === 0 && round > 0) break;
      if (round === 29) throw new Error(`still waiting for ${JSON.stringify(reconcile)}`);
      await sleep(1000);
    }

    // Every job has ended, with an event for each one the reconciler settled.
    const jobs = (await env.admin.ok('listAsyncJobs', { listall: true })).asyncjobs as Obj[];
    expect(jobs.filter((j) => j.jobstatus === 0)).toEqual([]);
    const reconciled = jobs.filter((j) => j.failedstep === 'Reconcile');
    expect(reconciled.length).toBe(pendingBefore.length);

    // Every VM's state matches its host's report, and each host's use is the sum of what it holds.
    const store = createStore();
    const vms = (await store.listing.all<Vm>({ index: 'gsi1', partitions: kindPartitions('VM') })).filter((v) => v.state !== 'Expunged');
    const powerOn = new Map<string, string>(); // instance -> host
    for (const h of env.stack.hosts) for (const d of await h.driver.domains()) if (d.state === 'PowerOn') powerOn.set(d.name, h.hostId);
    for (const vm of vms) {
      expect({ id: vm.id, state: vm.state, activeJobId: vm.activeJobId }).toEqual({ id: vm.id, state: expect.stringMatching(/^(Running|Stopped)$/), activeJobId: undefined });
      if (vm.state === 'Running') expect(powerOn.get(vm.instanceName)).toBe(vm.hostId);
      else expect(powerOn.has(vm.instanceName)).toBe(false);
    }
    for (const h of env.stack.hosts) {
      const host = (await store.hosts.get(h.hostId, true))!;
      const held = vms.filter((v) => v.hostId === h.hostId);
      expect({ host: h.name, cpu: host.cpuUsed, memory: host.memoryUsed }).toEqual({
        host: h.name,
        cpu: held.reduce((n, v) => n + cpuRequestOf(v), 0),
        memory: held.reduce((n, v) => n + v.memory, 0),
      });
    }
  }, 120_000);
});
