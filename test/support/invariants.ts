import { findDoubleRuns } from '../../agent/drivers/simulator';
import type { TestStack } from './stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The two promises every move keeps, checked from both sides: the API's inventory and the simulated
 * hosts' own records. Call it when no operation is in flight.
 * - Every Running VM runs on exactly one host, the one the inventory names, and no VM ever ran on two
 *   hosts at the same instant (the simulators' transition logs).
 * - Every host's used capacity is the sum of what the VMs running on it hold.
 */
export async function expectOneCopyAndExactAccounting(env: TestStack): Promise<void> {
  const running = (((await env.admin.ok('listVirtualMachines', { listall: true, state: 'Running' })).virtualmachine as Obj[] | undefined) ?? []);
  const hostsById = new Map(env.stack.hosts.map((h) => [h.hostId, h]));
  for (const vm of running) {
    const copies: string[] = [];
    for (const h of env.stack.hosts) if (h.driver.domain(vm.instancename)?.state === 'PowerOn') copies.push(h.hostId);
    expect({ vm: vm.name, runsOn: copies }).toEqual({ vm: vm.name, runsOn: [vm.hostid] });
  }
  const transitions = env.stack.hosts.flatMap((h) => h.driver.transitions());
  expect(findDoubleRuns(transitions)).toEqual([]);
  const hosts = ((await env.admin.ok('listHosts')).host as Obj[]).filter((h) => hostsById.has(h.id));
  for (const h of hosts) {
    const mine = running.filter((v) => v.hostid === h.id);
    expect({ host: h.name, cpu: h.cpuallocatedvalue, memory: h.memoryallocated / 2 ** 20 }).toEqual({
      host: h.name,
      cpu: mine.reduce((s, v) => s + v.cpunumber * v.cpuspeed, 0),
      memory: mine.reduce((s, v) => s + v.memory, 0),
    });
  }
}
