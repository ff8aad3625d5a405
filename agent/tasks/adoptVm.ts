import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'AdoptVm' }>['payload'];

/** AdoptVm: take a domain an import made a VM of (checked as imported, then marked with the VM's id). */
export function adoptVm(driver: HypervisorDriver, { instanceName, vmId, running, macs }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => ({ domain: await driver.adopt(instanceName, { vmId, running, macs }, signal) }));
}
