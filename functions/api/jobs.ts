import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AsyncJob, Backup, BackupRepository, Caller, Host, StoragePool, Vm, Volume } from '../../core/entities';
import { ConcurrentOperationError, InternalError } from '../../core/errors';
import { checkWorkflowInput } from '../../core/workflows';
import type { Store } from '../store';
import { sfnClient } from '../workflows-client';
import { settleUnfinishedOperations } from '../vm-snapshots';

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
  /** the job's id when the caller must be able to find its job again (a retried step); default a new UUID */
  jobId?: string;
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
  /** deploy: the job and the new VM, with what is made with it (its volumes: `also`). */
  startWithNewVm(spec: JobSpec & { vm: Vm; also?: object[]; undo?: () => Promise<object[]>; claimInstanceName?: boolean }): Promise<StartedJob>;
  /**
   * any other VM operation: the job and the VM's move into it (`set`), refused if another job holds
   * the VM; `also`: writes of the same transaction (a volume attaching), whose failed conditions
   * come back as the error `explainAlso` makes of them.
   */
  startOnVm(spec: JobSpec & { vm: Vm; set: Partial<Vm>; remove?: Array<keyof Vm>; also?: object[] }): Promise<StartedJob>;
  /** a host's maintenance: the job and the host's move into PrepareForMaintenance, refused if another job holds the host. */
  startOnHost(spec: JobSpec & { host: Host }): Promise<StartedJob>;
  /**
   * a detached volume's operation: the job and the volume's change (`operations`) in one transaction;
   * `undo` puts the volume back if the workflow cannot be started.
   */
  startOnVolume(spec: JobSpec & { volume: Volume; operations: object[]; undo: () => object[] }): Promise<StartedJob>;
  /** an image's download: the job and the new image (`operations`) in one transaction; `undo` marks it failed if the workflow cannot start. */
  startOnTemplate(spec: JobSpec & { templateId: string; operations: (jobId: string) => object[]; undo: (jobId: string, reason: string) => Promise<object[]> }): Promise<StartedJob>;
  /**
   * a backup's own operation (a nas backup's deletion): the job and the backup's change (`operations`)
   * in one transaction, the VM left free; `undo` puts the backup back if the workflow cannot start.
   */
  startOnBackup(spec: JobSpec & { backup: Backup; operations: object[]; undo: () => object[] }): Promise<StartedJob>;
  /** a backup repository's sync (the backup sync task): one job per repository and sync slot (`jobId`), a second start of it refused as ConcurrentOperationError. */
  startOnRepository(spec: JobSpec & { repository: BackupRepository }): Promise<StartedJob>;
  /** a storage pool's maintenance: the job and the pool's move into it (`operations`), `undo` if the workflow cannot start. */
  startOnPool(spec: JobSpec & { pool: StoragePool; operations: (jobId: string) => object[]; undo: (jobId: string) => object[] }): Promise<StartedJob>;
}

export function createJobStarter(store: Store, now: () => Date = () => new Date()): JobStarter {
  const newJob = ({ jobId, workflow, cmd, eventType, caller }: JobSpec, vmId: string, instanceType: AsyncJob['instanceType'] = 'VirtualMachine'): AsyncJob => ({
    id: jobId ?? randomUUID(),
    cmd,
    workflow,
    eventType,
    accountId: caller.accountId,
    accountName: caller.accountName,
    userId: caller.userId,
    domainId: caller.domainId,
    domainPath: caller.domainPath,
    instanceType,
    instanceId: vmId,
    status: 0,
    resultCode: 0,
    steps: [],
    created: now().toISOString(),
    version: 1,
  });

  /** Refused before anything is written: a workflow must never start on an input it cannot run. */
  function checked(job: AsyncJob, input: Record<string, unknown>): Record<string, unknown> {
    const problem = checkWorkflowInput(job.workflow, input);
    if (problem) throw new InternalError(`Workflow ${job.workflow} cannot start on this input: ${problem}`);
    return input;
  }

  async function execute(job: AsyncJob, held: Vm, stateIfUnstarted: Vm['state'], input: Record<string, unknown>): Promise<StartedJob> {
    const stateMachineArn = workflowArn(job.workflow);
    try {
      await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name: job.id, input: JSON.stringify(input) }));
    } catch (err) {
      // The start may have reached Step Functions even though its answer did not reach us; when we
      // cannot tell (the check itself failed), the job stays pending for the reconciler to settle.
      const exists = await executionExists(stateMachineArn, job.id);
      if (exists !== false) return { jobid: job.id, id: held.id };
      const errortext = `Could not start workflow ${job.workflow}: ${(err as Error).message}`;
      // A snapshot the job was to make, revert to or delete is put back with it; a backup it was to take is in Error.
      const snapshots = await settleUnfinishedOperations(store, held);
      await store.jobs.complete(
        job.id,
        { status: 2, result: { errorcode: 530, errortext }, failedStep: 'StartExecution', failureReason: errortext, created: job.created, also: snapshots.operations },
        // A scale that never started holds nothing yet: its target goes with the job.
        { vm: held, set: { ...snapshots.set, state: stateIfUnstarted }, remove: [...(held.pendingScale && !held.pendingScale.hostId ? (['activeJobId', 'pendingScale'] as const) : (['activeJobId'] as const)), ...snapshots.remove] },
        store.vms,
      );
      throw new InternalError(errortext);
    }
    return { jobid: job.id, id: held.id };
  }

  /** Start the job's execution; if it cannot start, the job fails at once with 530 and `undo` runs with it. */
  async function executeOrUndo(job: AsyncJob, input: Record<string, unknown>, id: string, undo: (reason: string) => Promise<object[]>): Promise<StartedJob> {
    const stateMachineArn = workflowArn(job.workflow);
    try {
      await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name: job.id, input: JSON.stringify(input) }));
    } catch (err) {
      if ((await executionExists(stateMachineArn, job.id)) !== false) return { jobid: job.id, id };
      const errortext = `Could not start workflow ${job.workflow}: ${(err as Error).message}`;
      await store.jobs.complete(job.id, { status: 2, result: { errorcode: 530, errortext }, failedStep: 'StartExecution', failureReason: errortext, created: job.created, also: await undo(errortext) }, undefined, store.vms);
      throw new InternalError(errortext);
    }
    return { jobid: job.id, id };
  }

  return {
    async startOnPool(spec) {
      const job = newJob(spec, spec.pool.id, 'StoragePool');
      const input = checked(job, { ...spec.input, jobId: job.id, poolId: spec.pool.id });
      await store.jobs.createWith(job, spec.operations(job.id));
      return executeOrUndo(job, input, spec.pool.id, async () => spec.undo(job.id));
    },
    async startOnTemplate(spec) {
      const job = newJob(spec, spec.templateId, 'Template');
      const input = checked(job, { ...spec.input, jobId: job.id, templateId: spec.templateId });
      await store.jobs.createWith(job, spec.operations(job.id));
      return executeOrUndo(job, input, spec.templateId, (reason) => spec.undo(job.id, reason));
    },
    async startOnBackup(spec) {
      // The backup's own job (CloudStack's Backup resource type): the reconciler settles the backup by it.
      const job = newJob(spec, spec.backup.id, 'Backup');
      const input = checked(job, { ...spec.input, jobId: job.id, backupId: spec.backup.id });
      await store.jobs.createWith(job, spec.operations).catch((err: Error) => {
        throw err.name === 'TransactionCanceledException' ? new ConcurrentOperationError(`Backup ${spec.backup.name} changed meanwhile; try again`) : err;
      });
      return executeOrUndo(job, input, spec.backup.id, async () => spec.undo());
    },
    async startOnRepository(spec) {
      const job = newJob(spec, spec.repository.id, 'BackupRepository');
      const input = checked(job, { ...spec.input, jobId: job.id, repositoryId: spec.repository.id });
      await store.jobs.createWith(job, []).catch((err: Error) => {
        throw err.name === 'TransactionCanceledException' ? new ConcurrentOperationError(`Backup repository ${spec.repository.name} is being synced already`) : err;
      });
      return executeOrUndo(job, input, spec.repository.id, async () => []);
    },
    async startOnVolume(spec) {
      const job = newJob(spec, spec.volume.id, 'Volume');
      const input = checked(job, { ...spec.input, jobId: job.id, volumeId: spec.volume.id });
      await store.jobs.createWith(job, spec.operations);
      return executeOrUndo(job, input, spec.volume.id, async () => spec.undo());
    },
    async startWithNewVm(spec) {
      const job = newJob(spec, spec.vm.id);
      const input = checked(job, { ...spec.input, jobId: job.id, vmId: spec.vm.id });
      const placed: Vm = { ...spec.vm, activeJobId: job.id };
      await store.jobs.createWithNewVm(job, placed, store.vms, spec.also, { claimInstanceName: spec.claimInstanceName });
      // An import that cannot start leaves nothing (its `undo`); a deploy leaves its VM in Error.
      return spec.undo ? executeOrUndo(job, input, placed.id, spec.undo) : execute(job, placed, 'Error', input);
    },
    async startOnVm(spec) {
      const job = newJob(spec, spec.vm.id);
      const input = checked(job, { ...spec.input, jobId: job.id, vmId: spec.vm.id });
      await store.jobs.createWithVmChange(job, spec.vm, spec.set, store.vms, spec.remove, spec.also);
      const held: Vm = { ...spec.vm, ...spec.set, activeJobId: job.id, version: spec.vm.version + 1 };
      return execute(job, held, spec.vm.state, input);
    },
    async startOnHost(spec) {
      const job = newJob(spec, spec.host.id, 'Host');
      const input = checked(job, { ...spec.input, jobId: job.id, hostId: spec.host.id });
      await store.jobs.createWith(job, [store.maintenance.beginOperation(job, spec.host)]).catch((err) => store.maintenance.explainBegin(err, spec.host));
      return executeOrUndo(job, input, spec.host.id, async () => {
        const host = (await store.hosts.get(spec.host.id, true)) ?? spec.host;
        return [store.maintenance.abandonOperation(host, job.id, spec.host.resourceState)];
      });
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
