import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AsyncJob, Caller, Vm } from '../../core/entities';
import { InternalError } from '../../core/errors';
import type { Store } from '../store';
import { sfnClient } from '../workflows-client';

/** workflows/<name>.asl.json -> its state machine ARN, from WORKFLOW_ARNS (set by CDK, or the local runtime). */
export function workflowArn(workflow: string): string {
  const arns = JSON.parse(process.env.WORKFLOW_ARNS ?? '{}') as Record<string, string>;
  const arn = arns[workflow];
  if (!arn) throw new InternalError(`No state machine is configured for workflow ${workflow}`);
  return arn;
}

export interface StartedJob {
  jobid: string;
  id: string;
}

/**
 * How async commands start their work: the job and the VM change are written in one conditional
 * transaction, then the workflow's execution is started under the job id, so a retried start is
 * the same execution. If the execution cannot be started the job fails at once with 530 and the VM
 * is left in Error: nothing stays pending with no workflow behind it.
 */
export interface JobStarter {
  startWithNewVm(spec: { workflow: string; cmd: string; caller: Caller; vm: Vm; input: Record<string, unknown> }): Promise<StartedJob>;
}

export function createJobStarter(store: Store, now: () => Date = () => new Date()): JobStarter {
  return {
    async startWithNewVm({ workflow, cmd, caller, vm, input }) {
      const created = now().toISOString();
      const job: AsyncJob = {
        id: randomUUID(),
        cmd,
        workflow,
        accountId: caller.accountId,
        accountName: caller.accountName,
        userId: caller.userId,
        domainId: caller.domainId,
        domainPath: caller.domainPath,
        instanceType: 'VirtualMachine',
        instanceId: vm.id,
        status: 0,
        resultCode: 0,
        steps: [],
        created,
        version: 1,
      };
      const placed: Vm = { ...vm, activeJobId: job.id };
      await store.jobs.createWithNewVm(job, placed, store.vms);
      const stateMachineArn = workflowArn(workflow);
      try {
        await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name: job.id, input: JSON.stringify({ ...input, jobId: job.id, vmId: vm.id }) }));
      } catch (err) {
        // The start may have reached Step Functions even though its answer did not reach us.
        if (await executionExists(stateMachineArn, job.id)) return { jobid: job.id, id: vm.id };
        const errortext = `Could not start workflow ${workflow}: ${(err as Error).message}`;
        await store.jobs.complete(
          job.id,
          { status: 2, result: { errorcode: 530, errortext }, failedStep: 'StartExecution', failureReason: errortext },
          { vm: placed, set: { state: 'Error' }, remove: ['activeJobId'] },
          store.vms,
        );
        throw new InternalError(errortext);
      }
      return { jobid: job.id, id: vm.id };
    },
  };
}

/** Whether the execution named `name` of a state machine exists (`...:execution:<machine>:<name>`). */
async function executionExists(stateMachineArn: string, name: string): Promise<boolean> {
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return true;
  } catch {
    return false;
  }
}
