import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'RevertVmSnapshot' }>['payload'];

/** RevertVmSnapshot: put the VM back to a snapshot, keeping its power state. */
export function revertVmSnapshot(driver: HypervisorDriver, { instanceName, snapshot, ...o }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.revertSnapshot(instanceName, snapshot, o, signal);
    return { instanceName, snapshot: snapshot.name };
  });
}
