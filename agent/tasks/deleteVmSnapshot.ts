import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'DeleteVmSnapshot' }>['payload'];

/** DeleteVmSnapshot: delete a VM snapshot and its data. */
export function deleteVmSnapshot(driver: HypervisorDriver, { instanceName, snapshot, ...o }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.deleteSnapshot(instanceName, snapshot, o, signal);
    return { instanceName, snapshot: snapshot.name };
  });
}
