import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'DeleteVolume' }>['payload'];

/** DeleteVolume: remove the volume's file from its pool; a missing one is a success. */
export function deleteVolume(driver: HypervisorDriver, { disk }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.deleteVolume(disk, signal);
    return { volumeId: disk.volumeId, deleted: true };
  });
}
