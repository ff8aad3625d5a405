import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'ScaleVm' }>['payload'];

/** ScaleVm: hot-change a running domain's vCPUs and memory; the same size again is a success. */
export function scaleVm(driver: HypervisorDriver, { instanceName, cpuNumber, cpuSpeed, memory }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    await driver.scale(instanceName, { cpuNumber, cpuSpeed, memory }, signal);
    return { instanceName, cpuNumber, cpuSpeed, memory };
  });
}
