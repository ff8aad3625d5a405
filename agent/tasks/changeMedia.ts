import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'ChangeMedia' }>['payload'];

/** ChangeMedia: insert an ISO into a running domain's CD-ROM (fetched first if missing here), or eject it. */
export function changeMedia(driver: HypervisorDriver, { instanceName, iso }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.changeMedia(instanceName, iso, signal);
    return { instanceName, isoId: iso?.id ?? null };
  });
}
