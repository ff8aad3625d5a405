import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'AttachVolume' }>['payload'];

/** AttachVolume: hot-plug a volume into the running domain (made in its pool first when missing). */
export function attachVolume(driver: HypervisorDriver, { instanceName, disk }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.attachVolume(instanceName, disk, signal);
    return { instanceName, volumeId: disk.volumeId, attached: true };
  });
}
