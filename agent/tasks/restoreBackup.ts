import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'RestoreBackup' }>['payload'];

/** RestoreBackup: write the volumes back from a backup, all or nothing; progress reaches the job while it runs. */
export function restoreBackup(driver: HypervisorDriver, { instanceName, ...o }: Payload, onProgress: (percent: number) => void, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.restoreBackup(instanceName, o, onProgress, signal);
    return { restored: o.volumes.map((v) => v.disk.volumeId) };
  });
}
