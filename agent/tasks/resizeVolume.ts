import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'ResizeVolume' }>['payload'];

/** ResizeVolume: give the volume's file its new size (a running domain sees it at once). */
export function resizeVolume(driver: HypervisorDriver, { instanceName, disk, shrink }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.resizeVolume(disk, { shrink, instanceName }, signal);
    return { volumeId: disk.volumeId, size: disk.size };
  });
}
