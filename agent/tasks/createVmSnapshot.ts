import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'CreateVmSnapshot' }>['payload'];

/** CreateVmSnapshot: take a VM snapshot (memory too while it runs). */
export function createVmSnapshot(driver: HypervisorDriver, { instanceName, snapshot, ...o }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.createSnapshot(instanceName, snapshot, o, signal);
    return { instanceName, snapshot: snapshot.name };
  });
}
