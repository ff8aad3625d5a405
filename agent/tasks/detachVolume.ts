import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'DetachVolume' }>['payload'];

/** DetachVolume: unplug a volume from the running domain; its file stays. */
export function detachVolume(driver: HypervisorDriver, { instanceName, disk }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.detachVolume(instanceName, disk, signal);
    return { instanceName, volumeId: disk.volumeId, attached: false };
  });
}
