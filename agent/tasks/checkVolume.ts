import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'CheckVolume' }>['payload'];

/** CheckVolume: the disk image an import adopts, looked at where it is (its size and format), or why it cannot be. */
export function checkVolume(driver: HypervisorDriver, { pool, path }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => ({ path, ...(await driver.checkVolume(pool, path, signal)) }));
}
