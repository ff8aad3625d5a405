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

interface JobSpec {
  workflow: string;
  cmd: string;
  eventType: string;
  caller: Caller;
  input: Record<string, unknown>;
}

/**
 * How async commands start their work: the job and the VM change are written in one conditional
 * transaction, then the workflow's execution is started under the job id, so a retried start is
 * the same execution. If the execution cannot be started the job fails at once with 530 and the VM
 * goes to `stateIfUnstarted` (Error for a new VM, its state before for an existing one): nothing
 * stays pending with no workflow behind it.
 */
export interface JobStarter {
  /** deploy: the job and the new VM. */
  startWithNewVm(spec: JobSpec & { vm: Vm }): Promise<StartedJob>;
  /** any other VM operation: the job and the VM's move into it (`set`), refused if another job holds the VM. */
  startOnVm(spec: JobSpec & { vm: Vm; set: Partial<Vm> }): Promise<StartedJob>;
}

export function createJobStarter(store: Store, now: () => Date = () => new Date()): JobStarter {
  const newJob = ({ workflow, cmd, eventType, caller }: JobSpec, vmId: string): AsyncJob => ({
    id: randomUUID(),
    cmd,
    workflow,
    eventType,
    accountId: caller.accountId,
    accountName: caller.accountName,
    userId: caller.userId,
    domainId: caller.domainId,
    domainPath: caller.domainPath,
    instanceType: 'VirtualMachine',
    instanceId: vmId,
    status: 0,
    resultCode: 0,
    steps: [],
    created: now().toISOString(),
    version: 1,
  });

  async function execute(job: AsyncJob, held: Vm, stateIfUnstarted: Vm['state'], input: Record<string, unknown>): Promise<StartedJob> {
    const stateMachineArn = workflowArn(job.workflow);
    try {
      await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name: job.id, input: JSON.stringify({ ...input, jobId: job.id, vmId: held.id }) }));
    } catch (err) {
      // The start may have reached Step Functions even though its answer did not reach us; when we
      // cannot tell (the check itself failed), the job stays pending for the reconciler to settle.
      const exists = await executionExists(stateMachineArn, job.id);
      if (exists !== false) return { jobid: job.id, id: held.id };
      const errortext = `Could not start workflow ${job.workflow}: ${(err as Error).message}`;
      await store.jobs.complete(
        job.id,
        { status: 2, result: { errorcode: 530, errortext }, failedStep: 'StartExecution', failureReason: errortext, created: job.created },
        { vm: held, set: { state: stateIfUnstarted }, remove: ['activeJobId'] },
        store.vms,
      );
      throw new InternalError(errortext);
    }
    return { jobid: job.id, id: held.id };
  }

  return {
    async startWithNewVm(spec) {
      const job = newJob(spec, spec.vm.id);
      const placed: Vm = { ...spec.vm, activeJobId: job.id };
      await store.jobs.createWithNewVm(job, placed, store.vms);
      return execute(job, placed, 'Error', spec.input);
    },
    async startOnVm(spec) {
      const job = newJob(spec, spec.vm.id);
      await store.jobs.createWithVmChange(job, spec.vm, spec.set, store.vms);
      const held: Vm = { ...spec.vm, ...spec.set, activeJobId: job.id, version: spec.vm.version + 1 };
      return execute(job, held, spec.vm.state, spec.input);
    },
  };
}

/** Whether the execution named `name` of a state machine exists; undefined when that cannot be told. */
async function executionExists(stateMachineArn: string, name: string): Promise<boolean | undefined> {
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    return true;
  } catch (err) {
    return (err as Error).name === 'ExecutionDoesNotExist' ? false : undefined;
  }
}
