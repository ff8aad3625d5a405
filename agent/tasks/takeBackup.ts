import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'TakeBackup' }>['payload'];

/** TakeBackup: back the VM's volumes up into its repository (the nas provider); progress reaches the job while it runs. */
export function takeBackup(driver: HypervisorDriver, { instanceName, ...o }: Payload, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    const { files } = await driver.takeBackup(instanceName, o, onProgress, signal);
    return { externalId: o.path, size: files.reduce((a, f) => a + f.size, 0), files };
  });
}
