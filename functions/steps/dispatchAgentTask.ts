import { z } from 'zod';
import { AGENT_COMMAND_NAMES, buildAgentCommand, diskSpecOf, imageSpecOf, taskIdFor, vmSnapshotSpecOf } from '../../core/agent-commands';
import type { DiskSpec, ImageSpec } from '../../core/agent-protocol';
import type { Vm, Volume } from '../../core/entities';
import type { Store } from '../store';
import { volumesOf } from '../store/storage';
import { ConcurrentOperationError, InternalError, InvalidParameterError, ResourceUnavailableError } from '../../core/errors';
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
  /** the VM acted on; a detached volume's own commands (DeleteVolume, ResizeVolume) have none */
  vmId: z.string().min(1).optional(),
  /** AttachVolume, DetachVolume, ResizeVolume, DeleteVolume: the volume */
  volumeId: z.string().min(1).optional(),
  shrink: z.boolean().optional(),
  /** CreateVmSnapshot, RevertVmSnapshot, DeleteVmSnapshot: the snapshot */
  vmSnapshotId: z.string().min(1).optional(),
  /** DownloadImage: the template or ISO; ChangeMedia: the ISO to insert ('' ejects) */
  templateId: z.string().optional(),
  hostId: z.string().min(1),
  command: z.enum(AGENT_COMMAND_NAMES),
  timeoutSeconds: z.number().int().positive().max(7 * 24 * 3600),
  forced: z.boolean().optional(),
  stopTimeoutMs: z.number().int().positive().optional(),
  removeDisks: z.boolean().optional(),
  /** MigrateVm: the host the VM moves to (its migration URI comes from the host's facts) */
  destinationHostId: z.string().min(1).optional(),
  migrateTimeoutMs: z.number().int().positive().optional(),
  /** AdoptVm: the domain as it was imported */
  adopt: z.object({ running: z.boolean(), macs: z.array(z.string()) }).optional(),
});

const DEADLINE_MARGIN_SECONDS = 5;

/**
 * The volumes a command carries: a start, every disk of the VM; an expunge (UndefineVm removing
 * disks), its ROOT volumes (data disks are detached and kept, as CloudStack does); a volume
 * command, its volume.
 */
async function disksFor(store: Store, input: { command: string; volumeId?: string; removeDisks?: boolean }, vm: Vm | undefined): Promise<{ disks?: DiskSpec[]; disk?: DiskSpec }> {
  const definesDomain = definesDomainFor(input.command, vm);
  const specs = async (volumes: Volume[]) => {
    const pools = new Map((await store.storage.getPools(volumes.map((v) => v.poolId).filter((p): p is string => !!p))).map((p) => [p.id, p]));
    return volumes.map((v) => diskSpecOf(v, v.poolId ? pools.get(v.poolId) : undefined));
  };
  if (input.volumeId) {
    const volume = await store.storage.getVolume(input.volumeId, true);
    if (!volume) throw new ResourceUnavailableError(`Volume ${input.volumeId} no longer exists`);
    return { disk: (await specs([volume]))[0] };
  }
  if (!vm || !(definesDomain || (input.command === 'UndefineVm' && input.removeDisks !== false))) return {};
  if (vm.volumeIds === undefined) return {}; // a VM made before storage: its legacy root disk
  const volumes = await volumesOf(store.storage, vm);
  if (definesDomain && !volumes.some((v) => v.deviceId === 0)) throw new InvalidParameterError(`VM ${vm.name} has no ROOT volume: attach one at deviceid 0 before starting it`);
  return { disks: await specs(definesDomain ? volumes : volumes.filter((v) => v.type === 'ROOT')) };
}

const SNAPSHOT_COMMANDS: ReadonlySet<string> = new Set(['CreateVmSnapshot', 'RevertVmSnapshot', 'DeleteVmSnapshot']);

/** A start, and a stopped VM's snapshot command or unmanage, define its domain first: they carry its template and every disk. */
const definesDomainFor = (command: string, vm: Vm | undefined) => command === 'StartVm' || ((SNAPSHOT_COMMANDS.has(command) || command === 'UnmanageVm') && !!vm && vm.state !== 'Running');

/** A VM snapshot command's snapshot and the VM's others, oldest first, as the host keeps them. */
async function vmSnapshotFor(store: Store, input: { command: string; vmSnapshotId?: string }, vm: Vm | undefined) {
  if (!SNAPSHOT_COMMANDS.has(input.command)) return {};
  if (!vm || !input.vmSnapshotId) throw new InternalError(`${input.command} needs its VM and snapshot`);
  const all = await store.vmSnapshots.getMany([...new Set([...(vm.vmSnapshotIds ?? []), input.vmSnapshotId])], true);
  const snapshot = all.find((s) => s.id === input.vmSnapshotId);
  if (!snapshot) throw new ResourceUnavailableError(`VM snapshot ${input.vmSnapshotId} no longer exists`);
  const byId = new Map(all.map((s) => [s.id, s]));
  const rollback = input.command === 'DeleteVmSnapshot' && snapshot.state === 'Creating';
  return { vmSnapshot: { snapshot: vmSnapshotSpecOf(snapshot, byId), chain: all.filter((s) => s.id !== snapshot.id && s.state !== 'Creating').map((s) => vmSnapshotSpecOf(s, byId)), ...(rollback ? { rollback } : {}) } };
}

/** DownloadImage: the image being registered, while its job still downloads it; ChangeMedia: the ISO to insert, if any. */
async function imageFor(store: Store, input: { command: string; templateId?: string; jobId?: string }): Promise<{ image?: ImageSpec }> {
  if (input.command === 'ChangeMedia') {
    if (!input.templateId) return {};
    const iso = await store.templates.get(input.templateId, true);
    if (!iso || iso.removed) throw new ResourceUnavailableError(`ISO ${input.templateId} no longer exists`);
    return { image: imageSpecOf(iso) };
  }
  if (input.command !== 'DownloadImage') return {};
  const t = input.templateId ? await store.templates.get(input.templateId, true) : undefined;
  if (!t || t.removed) throw new ResourceUnavailableError(`Template ${input.templateId} no longer exists`);
  if (t.download?.jobId !== input.jobId) throw new ConcurrentOperationError(`Template ${t.id} is no longer downloaded by job ${input.jobId}`);
  return { image: imageSpecOf(t) };
}

export const handler = defineStep(
  Input,
  async (input, { store, now }) => {
  const vm = input.vmId ? await store.vms.get(input.vmId, true) : undefined;
  if (input.vmId && !vm) throw new InternalError(`VM ${input.vmId} no longer exists`);
  // A stray execution (its job already settled, the VM held by another job or none) sends no work to a host.
  if (vm && input.jobId && vm.activeJobId !== input.jobId) throw new ConcurrentOperationError(`VM ${vm.id} is no longer operated on by job ${input.jobId}`);
  const definesDomain = definesDomainFor(input.command, vm);
  const template = definesDomain && vm ? await store.inventory.getTemplate(vm.templateId) : undefined;
  if (definesDomain && !template) throw new ResourceUnavailableError(`Template ${vm?.templateId} of VM ${input.vmId} no longer exists`);
  // The ISO in its CD-ROM goes with the domain's definition (a deleted one stays in until detached).
  const iso = definesDomain && vm?.isoId ? await store.templates.get(vm.isoId) : undefined;

  let destinationUri: string | undefined;
  if (input.command === 'MigrateVm') {
    const destination = input.destinationHostId ? await store.hosts.get(input.destinationHostId, true) : undefined;
    if (!destination) throw new ResourceUnavailableError(`The migration destination ${input.destinationHostId ?? '(none)'} of VM ${input.vmId} no longer exists`);
    if (!destination.migrationUri) throw new ResourceUnavailableError(`Host ${destination.name} has not reported a migration URI: its agent must heartbeat first`);
    destinationUri = destination.migrationUri;
  }
  const agentCommand = buildAgentCommand(input.command, vm, template, { ...input, destinationUri, ...(await disksFor(store, input, vm)), ...(await vmSnapshotFor(store, input, vm)), ...(await imageFor(store, input)), iso });
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
