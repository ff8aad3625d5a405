import type { AgentCommand, TaskResult } from '../../core/agent-protocol';
import type { HypervisorDriver } from '../drivers/driver';
import { asTaskResult } from './result';

type Payload = Extract<AgentCommand, { command: 'ResolveIncomingVm' }>['payload'];

/** ResolveIncomingVm: on a migration's destination, say whether the domain runs here; clear a half-arrived copy. */
export function resolveIncomingVm(driver: HypervisorDriver, { instanceName }: Payload, signal?: AbortSignal): Promise<TaskResult> {
  return asTaskResult(async () => {
    const powerState = await driver.resolveIncoming(instanceName, signal);
    return { instanceName, powerState };
  });
}
