import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'StopVm' }>['payload'];

/** StopVm: shut down (or power off when forced); one already off is a success. */
export function stopVm(driver: HypervisorDriver, { instanceName, force, timeoutMs }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.stop(instanceName, { force, timeoutMs }, signal);
    return { instanceName, powerState: 'PowerOff' };
  });
}
