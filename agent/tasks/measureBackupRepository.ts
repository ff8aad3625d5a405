import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'MeasureBackupRepository' }>['payload'];

/** MeasureBackupRepository: a backup repository's size and use, for the backup sync. */
export function measureBackupRepository(driver: HypervisorDriver, { repository }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => ({ repositoryId: repository.id, ...(await driver.measureBackupRepository(repository, signal)) }));
}
