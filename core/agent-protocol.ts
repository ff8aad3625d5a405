import { z } from 'zod';

/**
 * The wire protocol between the agent on a hypervisor host and the agent gateway. The agent only
 * calls out: register, heartbeat, poll, report. Every request but register is signed with the host
 * secret (agent/signing.ts and functions/agent-gateway/auth.ts share core/agent-signing.ts).
 */

export const AGENT_PATHS = {
  register: '/agent/register',
  heartbeat: '/agent/heartbeat',
  poll: '/agent/poll',
  result: '/agent/result',
  progress: '/agent/progress',
} as const;

/** Headers of a signed agent request. */
export const AGENT_HEADERS = {
  hostId: 'x-stratus-host',
  date: 'x-stratus-date',
  signature: 'x-stratus-signature',
} as const;

export const PowerStateSchema = z.enum(['PowerOn', 'PowerOff', 'Unknown']);

export const HostFactsSchema = z.object({
  hostname: z.string().min(1).max(255),
  hypervisor: z.enum(['KVM', 'Simulator']),
  cpuNumber: z.number().int().positive(),
  cpuSpeed: z.number().int().positive(),
  memoryTotal: z.number().int().positive(), // MiB
  ipAddress: z.string().min(1),
  agentVersion: z.string(),
  /** Where other hosts' hypervisors reach this one for a live migration (libvirt URI, `sim://<name>`). */
  migrationUri: z.string().min(1).max(512).optional(),
});
export type HostFacts = z.infer<typeof HostFactsSchema>;

export const DomainPowerStateSchema = z.object({ name: z.string(), state: PowerStateSchema });
export type DomainPowerState = z.infer<typeof DomainPowerStateSchema>;

export const RegisterRequestSchema = z.object({ token: z.string().min(16), facts: HostFactsSchema });
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
export const RegisterResponseSchema = z.object({ hostId: z.string(), secret: z.string() });
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;

/**
 * A primary storage pool as a host mounts it: the agent keeps a libvirt pool for it (named by its id,
 * or the host's existing pool on the same directory) and creates the volumes' files there.
 */
export const PoolSpecSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['NetworkFilesystem', 'SharedMountPoint', 'Filesystem']),
  host: z.string().min(1),
  path: z.string().min(1),
});
export type PoolSpec = z.infer<typeof PoolSpecSchema>;

/** A pool as the host last saw it: its size and what its files take, or why it cannot reach it. */
export const PoolReportSchema = z.object({
  id: z.string().min(1),
  available: z.boolean(),
  capacityBytes: z.number().int().nonnegative().optional(),
  usedBytes: z.number().int().nonnegative().optional(),
  reason: z.string().max(1000).optional(),
});
export type PoolReport = z.infer<typeof PoolReportSchema>;

/**
 * A domain as its host describes it (listUnmanagedInstances' `unmanagedinstance`): sent with a
 * heartbeat when it is new or changed, and by UnmanageVm once the domain is left to itself.
 */
export const DomainDescriptionSchema = z.object({
  name: z.string().min(1).max(255),
  powerState: PowerStateSchema,
  cpuNumber: z.number().int().nonnegative(),
  cpuCoresPerSocket: z.number().int().nonnegative(),
  cpuSpeed: z.number().int().nonnegative(), // MHz: cputune shares / vCPUs, as CloudStack's agent reads it
  memory: z.number().int().nonnegative(), // MiB
  persistent: z.boolean(),
  /** the Stratus VM id in its metadata: a domain Stratus still manages (absent once unmanaged) */
  stratusVmId: z.string().max(100).optional(),
  disks: z
    .array(
      z.object({
        label: z.string().max(64), // the target device (vda)
        capacity: z.number().int().nonnegative(), // bytes
        imagePath: z.string().max(1024), // the file, or the pool volume's name
        controller: z.string().max(32), // the bus (virtio, scsi, ide, sata)
        controllerUnit: z.number().int().nonnegative(),
        position: z.number().int().nonnegative(),
        datastoreName: z.string().max(255).optional(), // the libvirt pool, when the disk is a pool volume
        datastoreHost: z.string().max(255).optional(),
        datastorePath: z.string().max(1024).optional(), // the directory the file is in
        datastoreType: z.string().max(32), // file, block, network, volume
        format: z.string().max(16).optional(), // qcow2, raw
      }),
    )
    .max(64),
  nics: z
    .array(
      z.object({
        networkName: z.string().max(255), // the libvirt network or bridge it attaches to
        macAddress: z.string().max(17),
        adapterType: z.string().max(32),
        vlanId: z.number().int().min(0).max(4095).optional(),
        ipAddresses: z.array(z.string().max(45)).max(16).default([]),
      }),
    )
    .max(32),
});
export type DomainDescription = z.infer<typeof DomainDescriptionSchema>;

export const HeartbeatRequestSchema = z.object({
  facts: HostFactsSchema,
  domains: z.array(DomainPowerStateSchema).max(5000),
  /** domains with a task running or waiting here: their power state is not final yet (the reconciler waits) */
  busy: z.array(z.string()).max(5000).default([]),
  /** the primary storage pools the last answer named, as the host sees them now */
  pools: z.array(PoolReportSchema).max(500).default([]),
  /** images this host is downloading now (DownloadImage tasks) and how far each has come */
  downloads: z.array(z.object({ templateId: z.string().min(1), percent: z.number().int().min(0).max(100) })).max(100).default([]),
  /** domains new or changed since the control plane last acknowledged them (all of them after an agent start or a periodic rescan) */
  described: z.array(z.unknown()).max(5000).default([]), // each checked alone (DomainDescriptionSchema): one odd domain never fails the beat
  /** domains described before that are gone now */
  vanished: z.array(z.string()).max(5000).default([]),
  /** every domain was looked at (an agent start, a periodic rescan): one `domains` lacks is gone, whatever the agent remembers */
  complete: z.boolean().default(false),
});
export type HeartbeatRequest = z.input<typeof HeartbeatRequestSchema>; // what an agent sends (`busy` may be left out)

/**
 * What the control plane answers a heartbeat with: the agent's standing orders until the next one.
 * - `haDomains`: the HA-enabled VMs the inventory runs on this host. If the agent cannot reach the
 *   control plane for `fenceAfterMs`, it powers these off itself (self-fencing), so that by the time
 *   the host is declared Down and they are restarted elsewhere, the old copies are off.
 * - `stop`: domains running here that the inventory places elsewhere or stopped (a host that comes
 *   back after being declared Down): power them off now. The host takes no new work until a
 *   heartbeat shows none of them running.
 * - `pools`: the primary storage the host must have (defined and started as libvirt pools); the
 *   next heartbeat reports each one's size and use, or why it cannot be reached.
 */
export const HeartbeatResponseSchema = z.object({
  received: z.literal(true),
  haDomains: z.array(z.string()).max(5000).default([]),
  stop: z.array(z.string()).max(5000).default([]),
  fenceAfterMs: z.number().int().positive().optional(),
  /** the primary storage pools this host reaches (its cluster's, its zone's, its own): kept mounted, reported on the next beat */
  pools: z.array(PoolSpecSchema).max(500).default([]),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

/**
 * A backup repository as the hosts mount it (the nas provider's): an NFS export (or a CephFS or CIFS
 * share) mounted under the agent's backup mount root by its id, holding one directory per backup.
 */
export const BackupRepositorySpecSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['nfs', 'ceph', 'cifs']),
  address: z.string().min(1).max(1024),
  mountOptions: z.string().max(1024).default(''),
});
export type BackupRepositorySpec = z.infer<typeof BackupRepositorySpecSchema>;

/** A backup's directory in its repository, `<instance name>/<backup id>`: never absolute, never `..`. */
export const BackupPathSchema = z
  .string()
  .min(3)
  .max(300)
  .regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/)
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), 'no . or .. parts');

/** One volume's copy in a backup directory: `<root|datadisk>.<volume id>.qcow2`. */
export const BackupFileSchema = z.string().regex(/^(root|datadisk)\.[A-Za-z0-9-]+\.qcow2$/);

/** A volume as a host sees it: the file in its pool, its size, where it attaches. */
export const DiskSpecSchema = z.object({
  volumeId: z.string().min(1),
  type: z.enum(['ROOT', 'DATADISK']),
  deviceId: z.number().int().min(0),
  path: z.string().min(1), // the libvirt volume's name in the pool
  size: z.number().int().positive(), // bytes; a file found smaller is grown to it
  /** absent: the host's default pool (VMs made before storage, whose root disk is `<instance>-root` there) */
  pool: PoolSpecSchema.optional(),
  /** a volume restored from a backup (restoreVolumeFromBackupAndAttachToVM): its file, when missing, is made from this copy */
  restoreFrom: z.object({ repository: BackupRepositorySpecSchema, path: BackupPathSchema, file: BackupFileSchema }).optional(),
});
export type DiskSpec = z.infer<typeof DiskSpecSchema>;

/** An image registered from a URL, as a host fetches it into its default pool (`template-<id>.<qcow2|raw|iso>`). */
export const ImageSpecSchema = z.object({
  id: z.string().min(1),
  url: z.string().url().max(2048),
  format: z.enum(['QCOW2', 'RAW', 'ISO']),
  /** CloudStack's checksum text (core/templates.ts parseChecksum): verified before the file is kept */
  checksum: z.string().max(200).optional(),
});
export type ImageSpec = z.infer<typeof ImageSpecSchema>;

/** What a VM needs on a host: enough for the simulator and for libvirt domain XML. */
/**
 * What the guest learns about itself at boot (R-UD, R-SSH): its user data (base64, as given), its
 * SSH public keys by pair name, and CloudStack's metadata types. The host writes it onto a config
 * drive (core/config-drive.ts) each time the domain is defined.
 */
export const GuestDataSchema = z.object({
  userData: z.string().max(32768).optional(),
  publicKeys: z.array(z.object({ name: z.string().max(255), key: z.string().max(16384) })).max(50),
  metadata: z.object({
    'service-offering': z.string(),
    'availability-zone': z.string(),
    'local-ipv4': z.string(),
    'local-hostname': z.string(),
    'public-ipv4': z.string(),
    'public-hostname': z.string(),
    'instance-id': z.string(),
    'vm-id': z.string(),
  }),
});
export type GuestData = z.infer<typeof GuestDataSchema>;

export const VmSpecSchema = z.object({
  vmId: z.string(),
  instanceName: z.string(),
  displayName: z.string(),
  cpuNumber: z.number().int().positive(),
  cpuSpeed: z.number().int().positive(),
  memory: z.number().int().positive(), // MiB
  /** what its ROOT volume comes from: a host without the image fetches it from `url` (checksum verified) */
  template: z.object({ id: z.string(), url: z.string(), format: z.string(), checksum: z.string().max(200).optional() }),
  nics: z.array(z.object({ macAddress: z.string(), networkName: z.string(), ipAddress: z.string() })),
  /** its volumes, ROOT (device 0) first: made in their pools when missing (ROOT as an overlay of the template) */
  disks: z.array(DiskSpecSchema).min(1),
  /** Ceilings a dynamically scalable VM may be hot-scaled up to while it runs (vCPUs, MiB); absent: its size. */
  maxCpuNumber: z.number().int().positive().optional(),
  maxMemory: z.number().int().positive().optional(),
  /** the ISO in its CD-ROM (hdc), fetched first when the host lacks it */
  iso: ImageSpecSchema.optional(),
  /** its config drive's content (absent in tasks queued before config drives: the domain gets none) */
  guest: GuestDataSchema.optional(),
});
export type VmSpec = z.infer<typeof VmSpecSchema>;

/**
 * A VM snapshot as a host keeps it: a libvirt internal snapshot named `name`, of the memory too when
 * `memory`. `created` (epoch seconds) and `parent` let a host that does not know it (the VM moved
 * since) define it again from the shared disks, in chain order.
 */
export const VmSnapshotSpecSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(1000).optional(),
  memory: z.boolean(),
  created: z.number().int().nonnegative(),
  parent: z.string().min(1).optional(),
});
export type VmSnapshotSpec = z.infer<typeof VmSnapshotSpecSchema>;

/**
 * What every VM snapshot command carries: the snapshot acted on, the VM's other snapshots (oldest
 * first), and for a stopped VM its whole spec, so the host defines the domain as the inventory has
 * it (its volumes now) before acting.
 */
const VmSnapshotPayload = z.object({
  instanceName: z.string(),
  snapshot: VmSnapshotSpecSchema,
  chain: z.array(VmSnapshotSpecSchema).max(100),
  spec: VmSpecSchema.optional(),
  /** DeleteVmSnapshot undoing a create that failed: the snapshot may never have been made, so a host that lacks it defines nothing */
  rollback: z.boolean().optional(),
});



export const AgentCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('StartVm'), payload: z.object({ spec: VmSpecSchema }) }),
  z.object({
    command: z.literal('StopVm'),
    payload: z.object({ instanceName: z.string(), force: z.boolean(), timeoutMs: z.number().int().positive() }),
  }),
  z.object({ command: z.literal('RebootVm'), payload: z.object({ instanceName: z.string() }) }),
  /** `disks`: the files an expunge removes with the domain (its ROOT volumes; data disks are detached and kept). */
  z.object({ command: z.literal('UndefineVm'), payload: z.object({ instanceName: z.string(), removeDisks: z.boolean(), disks: z.array(DiskSpecSchema).default([]) }) }),
  /** Hot-plug a volume into a running domain (made in its pool first when missing), live and in its definition. */
  z.object({ command: z.literal('AttachVolume'), payload: z.object({ instanceName: z.string(), disk: DiskSpecSchema }) }),
  /** Unplug a volume from a running domain, live and in its definition; the file stays. */
  z.object({ command: z.literal('DetachVolume'), payload: z.object({ instanceName: z.string(), disk: DiskSpecSchema }) }),
  /** Grow (or, with shrink, shrink) a volume's file; a running domain sees the new size at once (blockresize). */
  z.object({ command: z.literal('ResizeVolume'), payload: z.object({ instanceName: z.string().optional(), disk: DiskSpecSchema, shrink: z.boolean() }) }),
  /** Remove a volume's file from its pool (a volume deleted or expunged); missing: success. */
  z.object({ command: z.literal('DeleteVolume'), payload: z.object({ disk: DiskSpecSchema }) }),
  /** Live-migrate a running domain to the host reachable at destinationUri (peer to peer); disks stay on shared storage. */
  z.object({
    command: z.literal('MigrateVm'),
    payload: z.object({ instanceName: z.string(), destinationUri: z.string().min(1), timeoutMs: z.number().int().positive() }),
  }),
  /** Hot-change a running domain's vCPUs and memory (MiB); cpuSpeed is the share weight. */
  z.object({
    command: z.literal('ScaleVm'),
    payload: z.object({ instanceName: z.string(), cpuNumber: z.number().int().positive(), cpuSpeed: z.number().int().positive(), memory: z.number().int().positive() }),
  }),
  /**
   * Sent to a migration's destination after the migration failed or was lost: report whether the
   * domain runs here (the migration did complete), else remove whatever half-arrived copy is left
   * (never its disks, which are shared) so it can never start here.
   */
  z.object({ command: z.literal('ResolveIncomingVm'), payload: z.object({ instanceName: z.string() }) }),
  /** Take a VM snapshot (memory too when the snapshot says so); a repeat finds it made. */
  z.object({ command: z.literal('CreateVmSnapshot'), payload: VmSnapshotPayload }),
  /** Put the VM's disks (and memory) back to a snapshot; the domain keeps its power state. */
  z.object({ command: z.literal('RevertVmSnapshot'), payload: VmSnapshotPayload }),
  /** Delete a VM snapshot (its children keep theirs); missing: success. */
  z.object({ command: z.literal('DeleteVmSnapshot'), payload: VmSnapshotPayload }),
  /** Put an ISO in a running domain's CD-ROM (live and in its definition), or eject it (`iso` absent). */
  z.object({ command: z.literal('ChangeMedia'), payload: z.object({ instanceName: z.string(), iso: ImageSpecSchema.optional() }) }),
  /**
   * Leave a domain to itself (unmanageVirtualMachine): persistent, without Stratus's metadata; a
   * stopped VM's domain defined from `spec` when this host lacks it. `running`: it must be running
   * here. Answers the domain's description; a domain that is not there fails.
   */
  z.object({ command: z.literal('UnmanageVm'), payload: z.object({ instanceName: z.string(), running: z.boolean(), spec: VmSpecSchema.optional() }) }),
  /**
   * Take a domain Stratus did not make (importUnmanagedInstance): it must still be here, in the power
   * state and with the MACs it was imported with; Stratus's metadata (the VM id) is written into it.
   */
  z.object({ command: z.literal('AdoptVm'), payload: z.object({ instanceName: z.string(), vmId: z.string().min(1), running: z.boolean(), macs: z.array(z.string()).max(32) }) }),
  /**
   * Look at an existing disk image a VM is to be made of (importVm from shared or local storage):
   * answers its virtual size and format; fails when it is missing, not a standalone QCOW2 (a backing
   * file), or in use by a domain of this host or a running QEMU anywhere (its lock).
   */
  z.object({ command: z.literal('CheckVolume'), payload: z.object({ pool: PoolSpecSchema, path: z.string().min(1).max(255) }) }),
  /** Download a registered image into the host's pool (progress in heartbeats), checksum verified; kept already: success. */
  z.object({ command: z.literal('DownloadImage'), payload: z.object({ image: ImageSpecSchema }) }),
  /**
   * Back a VM's volumes up into a repository (the nas provider): a running domain with libvirt's
   * push-mode backup (guest filesystems frozen first with `quiesce`, always thawed), a stopped one by
   * copying its files; one QCOW2 per volume and the domain's definition in `path`. Progress is
   * reported while it runs; a repeat starts over (a half-made copy and a job left by a killed agent go first).
   */
  z.object({
    command: z.literal('TakeBackup'),
    payload: z.object({ instanceName: z.string(), repository: BackupRepositorySpecSchema, path: BackupPathSchema, running: z.boolean(), quiesce: z.boolean(), disks: z.array(DiskSpecSchema).min(1).max(64) }),
  }),
  /**
   * Put volumes back from a backup: each `file` of `path` is written over its volume's file (made in
   * its pool when missing: a volume restored as a new disk). The domain must not run here; a failure
   * puts back every volume already written.
   */
  z.object({
    command: z.literal('RestoreBackup'),
    payload: z.object({ instanceName: z.string(), repository: BackupRepositorySpecSchema, path: BackupPathSchema, volumes: z.array(z.object({ file: BackupFileSchema, disk: DiskSpecSchema })).min(1).max(64) }),
  }),
  /**
   * Remove a backup's directory from its repository; missing: success. With `instanceName` (undoing a
   * TakeBackup that failed), a backup job still running on the domain is aborted and its guest thawed first.
   */
  z.object({ command: z.literal('DeleteBackup'), payload: z.object({ repository: BackupRepositorySpecSchema, path: BackupPathSchema, instanceName: z.string().optional() }) }),
  /** Measure a backup repository (mounted first): its size and what it holds, in bytes (the backup sync, CloudStack's GetBackupStorageStatsCommand). */
  z.object({ command: z.literal('MeasureBackupRepository'), payload: z.object({ repository: BackupRepositorySpecSchema }) }),
]);
export type AgentCommand = z.infer<typeof AgentCommandSchema>;
export type AgentCommandName = AgentCommand['command'];

/** A leased task as the agent receives it from a poll. */
export const LeasedTaskSchema = z.intersection(
  /** deadline: epoch ms after which the workflow no longer waits; the agent aborts the work then. */
  z.object({ taskId: z.string(), leaseId: z.string(), leaseUntil: z.number(), deadline: z.number().optional() }),
  AgentCommandSchema,
);
export type LeasedTask = z.infer<typeof LeasedTaskSchema>;

export const PollRequestSchema = z.object({
  maxTasks: z.number().int().min(1).max(25).default(5),
  waitMs: z.number().int().min(0).max(20000).default(10000),
  /**
   * The tasks the agent runs now. A task leased to this host that it does not name lost its poll's
   * answer (a timeout, a restart): it is handed out again at once, not when its lease runs out.
   */
  holding: z.array(z.string()).max(200).optional(),
});
export type PollRequest = z.infer<typeof PollRequestSchema>;
export const PollResponseSchema = z.object({ tasks: z.array(LeasedTaskSchema) });
export type PollResponse = z.infer<typeof PollResponseSchema>;

/**
 * How far a long task has come (TakeBackup, RestoreBackup), sent by the agent every few seconds while
 * it runs: the gateway shows it in the job (`jobprocstatus`), extends the task's lease and heartbeats
 * the waiting workflow state. `accepted: false`: the workflow no longer waits; the agent aborts the task.
 */
export const ProgressRequestSchema = z.object({ taskId: z.string(), leaseId: z.string(), percent: z.number().int().min(0).max(100) });
export type ProgressRequest = z.infer<typeof ProgressRequestSchema>;
export const ProgressResponseSchema = z.object({ accepted: z.boolean(), reason: z.string().optional() });
export type ProgressResponse = z.infer<typeof ProgressResponseSchema>;

export const TaskErrorSchema = z.object({ name: z.string(), message: z.string(), retryable: z.boolean() });
export type TaskError = z.infer<typeof TaskErrorSchema>;

export const TaskResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.record(z.string(), z.unknown()).default({}) }),
  z.object({ ok: z.literal(false), error: TaskErrorSchema }),
]);
export type TaskResult = z.infer<typeof TaskResultSchema>;

export const ResultRequestSchema = z.object({ taskId: z.string(), leaseId: z.string(), result: TaskResultSchema });
export type ResultRequest = z.infer<typeof ResultRequestSchema>;
