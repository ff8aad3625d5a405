import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'MigrateVm' }>['payload'];

/** MigrateVm: live-migrate the domain to the destination; one already running there is a success. */
export function migrateVm(driver: HypervisorDriver, { instanceName, destinationUri, timeoutMs }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.migrate(instanceName, destinationUri, { timeoutMs }, signal);
    return { instanceName, destinationUri, migrated: true };
  });
}
