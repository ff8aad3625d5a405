import { z } from 'zod';

/**
 * Each workflow's input, declared once: the command that starts a job checks it here (JobStarter),
 * so a missing or malformed field is a clear error in the command, never a States.Runtime deep in
 * an execution. The keys are the ASL files' names (workflows/<name>.asl.json); a test checks that
 * every file has its schema and that every `$.field` a state reads is declared (or written by an
 * earlier state's ResultPath).
 */
const id = z.string().min(1);
const jobAndVm = { jobId: id, vmId: id };

/** Where an administrator asked a VM to run (podid/clusterid/hostid), or HA's preferred cluster. */
export const RequestedPlacement = z.object({ podId: id.optional(), clusterId: id.optional(), hostId: id.optional(), preferClusterId: id.optional() });

/** The host a VM's domain may be left on (hasHost), for the undefine of destroy and expunge. */
const undefineTarget = { hasHost: z.boolean(), undefineHostId: z.string(), result: z.string() };
const needsUndefineHost = (i: { hasHost: boolean; undefineHostId: string }) => !i.hasHost || i.undefineHostId !== '';

/** A nas backup or restore runs on a host's agent (hostId), bounded as a whole and between its progress reports. */
const onHost = { hostId: id.optional(), timeoutSeconds: z.number().int().positive().optional(), heartbeatSeconds: z.number().int().positive().optional() };
const hostWork = (i: { provider: string; hostId?: string; timeoutSeconds?: number; heartbeatSeconds?: number }) => i.provider !== 'nas' || (!!i.hostId && !!i.timeoutSeconds && !!i.heartbeatSeconds);

export const WORKFLOW_INPUTS = {
  'deploy-vm': z.object({ ...jobAndVm, startVm: z.boolean(), placement: RequestedPlacement }),
  'start-vm': z.object({ ...jobAndVm, placement: RequestedPlacement }),
  'stop-vm': z.object({ ...jobAndVm, hostId: id, forced: z.boolean(), stopTimeoutMs: z.number().int().nonnegative() }),
  'reboot-vm': z.object({ ...jobAndVm, hostId: id }),
  'destroy-vm': z
    .object({ ...jobAndVm, wasRunning: z.boolean(), stateBefore: z.string(), hostId: z.string(), expunge: z.boolean(), ...undefineTarget })
    .refine((i) => !i.wasRunning || i.hostId !== '', { message: 'a VM to power off needs its hostId', path: ['hostId'] })
    .refine(needsUndefineHost, { message: 'hasHost needs undefineHostId', path: ['undefineHostId'] }),
  'expunge-vm': z.object({ ...jobAndVm, ...undefineTarget }).refine(needsUndefineHost, { message: 'hasHost needs undefineHostId', path: ['undefineHostId'] }),
  'scale-vm': z.object({
    ...jobAndVm,
    hostId: id,
    scaleRetry: z.number().int().positive(),
    inPlaceAttempts: z.object({ n: z.number().int() }),
    destinationAttempts: z.object({ n: z.number().int() }),
  }),
  'migrate-vm': z.object({
    ...jobAndVm,
    sourceHostId: id,
    destination: z.object({ hostId: id.optional(), chosen: z.boolean() }),
    notify: z.object({ taskToken: id.optional() }),
    waitUntil: z.iso.datetime(),
  }),
  'host-maintenance': z.object({ jobId: id, hostId: id, moves: z.array(z.unknown()), failure: z.object({}) }),
  'attach-volume': z.object({ ...jobAndVm, volumeId: id, hostId: id, stateBefore: z.enum(['Allocated', 'Ready']), vmVolumeIdsBefore: z.array(id) }),
  'detach-volume': z.object({ ...jobAndVm, volumeId: id, hostId: id }),
  'resize-volume': z.object({ ...jobAndVm, volumeId: id, hostId: id, sizeBefore: z.number().int().positive() }),
  'storage-maintenance': z.object({ jobId: id, poolId: id, stops: z.object({ attempt: z.number().int().nonnegative(), done: z.boolean() }), failure: z.object({}) }),
  'create-vm-snapshot': z.object({ ...jobAndVm, vmSnapshotId: id, hostId: id, vmState: z.enum(['Running', 'Stopped']), timeoutSeconds: z.number().int().positive().max(7 * 24 * 3600) }),
  'revert-vm-snapshot': z.object({ ...jobAndVm, vmSnapshotId: id, hostId: id, vmState: z.enum(['Running', 'Stopped']) }),
  'delete-vm-snapshot': z.object({ ...jobAndVm, vmSnapshotId: id, hostId: id, vmState: z.enum(['Running', 'Stopped']) }),
  'delete-volume': z.object({ jobId: id, volumeId: id, hostId: id, stateBefore: z.enum(['Allocated', 'Ready']) }),
  'download-image': z.object({ jobId: id, templateId: id, hostId: id }),
  'restore-vm': z
    .object({ ...jobAndVm, hostId: z.string(), wasRunning: z.boolean(), templateId: id, newVolumeId: id })
    .refine((i) => !i.wasRunning || i.hostId !== '', { message: 'a running VM needs its hostId', path: ['hostId'] }),
  /** hostId: where the domain is left; undefineOnFailure: a stopped VM's domain defined on a host it did not last run on; lastHostId: that last host, whose definition goes first ('' none) */
  'unmanage-vm': z.object({ ...jobAndVm, hostId: id, stateBefore: z.enum(['Running', 'Stopped']), undefineOnFailure: z.boolean(), lastHostId: z.string() }),
  /** hostId: the domain's host; running: imported running; move: a live migration follows (migrateallowed); macs: the domain's, as described */
  'import-vm': z.object({ ...jobAndVm, hostId: id, running: z.boolean(), move: z.boolean(), macs: z.array(z.string()) }),
  /** volumeId: the ROOT volume made of the disk image; hostId: the host that looks at the image (the local disk's, or one reaching the shared pool) */
  'import-disk': z.object({ ...jobAndVm, volumeId: id, hostId: id }),
  /** backupId: the record made with the job; provider: the zone's, which takes it; vmState: the VM's, kept; scheduleId: the schedule whose run it is (its retention applies after) */
  'backup-vm': z
    .object({ ...jobAndVm, backupId: id, provider: id, vmState: z.enum(['Running', 'Stopped']), scheduleId: id.optional(), quiesce: z.boolean(), ...onHost })
    .refine(hostWork, { message: 'the nas provider needs hostId, timeoutSeconds and heartbeatSeconds', path: ['hostId'] }),
  /** backupId: the backup restored (held Restoring by the job); provider: its offering's; vmState: Stopped or Destroyed, kept on failure */
  'restore-backup': z
    .object({ ...jobAndVm, backupId: id, provider: id, vmState: z.enum(['Stopped', 'Destroyed']), ...onHost })
    .refine(hostWork, { message: 'the nas provider needs hostId, timeoutSeconds and heartbeatSeconds', path: ['hostId'] }),
  /** repositoryId: the nas backup repository a host measures (the backup sync); hostId: that host */
  'sync-backup-repository': z.object({ jobId: id, repositoryId: id, hostId: id }),
  /** backupId: a nas backup being deleted (held Removed by the job); stateBefore: its status, put back on failure; text: the event's */
  'delete-backup': z.object({ jobId: id, backupId: id, hostId: id, stateBefore: z.enum(['BackedUp', 'Error']), text: z.string().min(1) }),
  /** isoId: the ISO to insert, '' to eject */
  'change-iso': z.object({ ...jobAndVm, hostId: id, isoId: z.string() }),
} as const;

export type WorkflowName = keyof typeof WORKFLOW_INPUTS;
export type WorkflowInput<W extends WorkflowName> = z.infer<(typeof WORKFLOW_INPUTS)[W]>;

/** The input checked against its workflow's schema; a problem message names the field, or undefined. */
export function checkWorkflowInput(workflow: string, input: unknown): string | undefined {
  const schema = (WORKFLOW_INPUTS as Record<string, z.ZodType>)[workflow];
  if (!schema) return `no workflow is named ${workflow}`;
  const result = schema.safeParse(input);
  return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
}
