import { z } from 'zod';
import { AGENT_COMMAND_NAMES, buildAgentCommand, taskIdFor } from '../../core/agent-commands';
import { ConcurrentOperationError, InternalError, ResourceUnavailableError } from '../../core/errors';
import { defineStep } from './define-step';

/**
 * The callback half of every agent Task state (`lambda:invoke.waitForTaskToken`): turn the VM into
 * the agent command and queue it for the VM's host with the task token. The workflow then waits;
 * the agent gateway answers the token when the agent reports. The task id derives from the token,
 * so a retried invocation queues nothing twice.
 */
const Input = z.object({
  taskToken: z.string().min(1),
  jobId: z.string().optional(),
  state: z.string().optional(),
  vmId: z.string().min(1),
  hostId: z.string().min(1),
  command: z.enum(AGENT_COMMAND_NAMES),
  timeoutSeconds: z.number().int().positive().max(7 * 24 * 3600),
  forced: z.boolean().optional(),
  stopTimeoutMs: z.number().int().positive().optional(),
  removeDisks: z.boolean().optional(),
  /** MigrateVm: the host the VM moves to (its migration URI comes from the host's facts) */
  destinationHostId: z.string().min(1).optional(),
  migrateTimeoutMs: z.number().int().positive().optional(),
});

const DEADLINE_MARGIN_SECONDS = 5;

export const handler = defineStep(
  Input,
  async (input, { store, now }) => {
  const vm = await store.vms.get(input.vmId, true);
  if (!vm) throw new InternalError(`VM ${input.vmId} no longer exists`);
  // A stray execution (its job already settled, the VM held by another job or none) sends no work to a host.
  if (input.jobId && vm.activeJobId !== input.jobId) throw new ConcurrentOperationError(`VM ${vm.id} is no longer operated on by job ${input.jobId}`);
  const template = input.command === 'StartVm' ? await store.inventory.getTemplate(vm.templateId) : undefined;
  if (input.command === 'StartVm' && !template) throw new ResourceUnavailableError(`Template ${vm.templateId} of VM ${vm.id} no longer exists`);

  let destinationUri: string | undefined;
  if (input.command === 'MigrateVm') {
    const destination = input.destinationHostId ? await store.hosts.get(input.destinationHostId, true) : undefined;
    if (!destination) throw new ResourceUnavailableError(`The migration destination ${input.destinationHostId ?? '(none)'} of VM ${vm.id} no longer exists`);
    if (!destination.migrationUri) throw new ResourceUnavailableError(`Host ${destination.name} has not reported a migration URI: its agent must heartbeat first`);
    destinationUri = destination.migrationUri;
  }
  const agentCommand = buildAgentCommand(input.command, vm, template, { ...input, destinationUri });
  const taskId = taskIdFor(input.taskToken);
  await store.tasks.create({
    id: taskId,
    hostId: input.hostId,
    jobId: input.jobId,
    jobStep: input.state,
    command: agentCommand.command,
    payload: agentCommand.payload,
    taskToken: input.taskToken,
    // A little before the state's own TimeoutSeconds (counted from state entry, before this ran):
    // a task nobody leased by then is never handed out after the workflow gave up on it.
    deadline: now().getTime() + Math.max(1, input.timeoutSeconds - DEADLINE_MARGIN_SECONDS) * 1000,
  });
  return { taskId };
  // The state is done when the agent reports, not when its task is queued: the gateway records it.
}, { recordsOwnStep: true });
