import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'StartVm' }>['payload'];

/** StartVm: define and power on the domain; one already running is a success. */
export function startVm(driver: HypervisorDriver, { spec }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.start(spec, signal);
    return { instanceName: spec.instanceName, powerState: 'PowerOn' };
  });
}
