import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'RebootVm' }>['payload'];

/** RebootVm: restart a running domain. */
export function rebootVm(driver: HypervisorDriver, { instanceName }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.reboot(instanceName, signal);
    return { instanceName, powerState: 'PowerOn' };
  });
}
