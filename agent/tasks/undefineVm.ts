import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'UndefineVm' }>['payload'];

/** UndefineVm: power off if needed and forget the domain (and its disks); a missing one is a success. */
export function undefineVm(driver: HypervisorDriver, { instanceName, removeDisks, disks }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.undefine(instanceName, { removeDisks, disks }, signal);
    return { instanceName, undefined: true };
  });
}
