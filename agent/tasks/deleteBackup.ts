import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'DeleteBackup' }>['payload'];

/** DeleteBackup: remove a backup's directory from its repository (and undo a backup job still running on the domain). */
export function deleteBackup(driver: HypervisorDriver, payload: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.deleteBackup(payload, signal);
    return { path: payload.path };
  });
}
