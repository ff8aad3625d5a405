import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'UnmanageVm' }>['payload'];

/** UnmanageVm: leave the domain to itself (persistent, scrubbed); the result is the domain as it is left. */
export function unmanageVm(driver: HypervisorDriver, { instanceName, running, spec }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => ({ domain: await driver.unmanage(instanceName, { running, spec }, signal) }));
}
