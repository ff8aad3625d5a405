import type { VmState } from './vm-states';
import type { ErrorShape } from './errors';

/**
 * The inventory, as the domain sees it. Storage adds keys and index attributes
 * (functions/store/keys.ts); these shapes carry none of them. Times are ISO-8601 strings; memory is
 * MiB; CPU is MHz (cores x speed), as CloudStack accounts it.
 */

export type Role = 'rootAdmin' | 'domainAdmin' | 'user';

export interface Domain {
  id: string;
  name: string;
  path: string; // "ROOT" or "ROOT/child"
  parentId?: string;
  networkDomain?: string;
  created: string;
}

/** CloudStack's account states: a disabled or locked account's keys are refused (ApiServer.verifyRequest). */
export type AccountState = 'enabled' | 'disabled' | 'locked';

export interface Account {
  id: string;
  name: string;
  domainId: string;
  domainPath?: string; // copied from its domain: access checks read one item (absent only on items older than tenancy)
  role: Role;
  state: AccountState;
  networkDomain?: string;
  created: string;
  version?: number; // bumped by state and key changes, which are conditioned on it
}

export interface User {
  id: string;
  numericId: number; // CloudStack's internal id, shown in VM internal names
  username: string;
  accountId: string;
  domainId: string;
  apiKey?: string;
  state: 'enabled' | 'disabled';
  firstName?: string;
  lastName?: string;
  email?: string;
  timezone?: string;
  passwordHash?: string; // scrypt$<salt>$<hash>; never shown
  created: string;
}

/** What authenticating an API key yields; the secret stays in the store. */
export interface Caller {
  userId: string;
  username: string;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  role: Role;
}

export interface Zone {
  id: string;
  name: string;
  networkType: 'Advanced' | 'Basic';
  allocationState: 'Enabled' | 'Disabled';
  dns1?: string; // createZone's DNS servers and guest CIDR, shown to the root admin
  dns2?: string;
  internalDns1?: string;
  internalDns2?: string;
  guestCidrAddress?: string;
  /** each host of the zone gets a local storage pool (Filesystem) for offerings with storage type local */
  localStorageEnabled?: boolean;
  created: string;
}

export interface Pod {
  id: string;
  name: string;
  zoneId: string;
  gateway: string;
  netmask: string;
  allocationState: 'Enabled' | 'Disabled';
  startIp?: string; // the pod's management IP range (createPod)
  endIp?: string;
  created: string;
}

export interface Cluster {
  id: string;
  name: string;
  zoneId: string;
  podId: string;
  hypervisor: 'KVM' | 'Simulator';
  allocationState: 'Enabled' | 'Disabled';
  created: string;
}

export const HOST_STATES = ['Connecting', 'Up', 'Down', 'Disconnected', 'Alert'] as const;
export type HostState = (typeof HOST_STATES)[number];
export const HOST_RESOURCE_STATES = ['Enabled', 'Disabled', 'Maintenance', 'PrepareForMaintenance', 'ErrorInMaintenance'] as const;
export type HostResourceState = (typeof HOST_RESOURCE_STATES)[number];

/** A domain's power state as the host's agent last reported it. */
export type PowerState = 'PowerOn' | 'PowerOff' | 'Unknown';

export interface Host {
  id: string;
  name: string;
  zoneId: string;
  podId: string;
  clusterId: string;
  hypervisor: 'KVM' | 'Simulator';
  state: HostState;
  resourceState: HostResourceState;
  ipAddress: string;
  cpuNumber: number;
  cpuSpeed: number; // MHz per core
  memoryTotal: number; // MiB
  cpuUsed: number; // MHz reserved by placed VMs
  memoryUsed: number; // MiB reserved by placed VMs
  /** Not read by placement: the cluster settings cpu/mem.overprovisioning.factor are the only source (docs/decisions.md). */
  cpuOverprovisioning: number;
  memoryOverprovisioning: number;
  hostTags: string[];
  /** VMs holding capacity here; placement changes it with cpuUsed/memoryUsed, under vm.max.guests.per.host. */
  vmCount?: number;
  /** Host anti-affinity groups with a member placed here (a string set): placement's race-free anti-affinity. */
  antiAffinityGroupIds?: string[];
  /** OS category this host prefers (updateHost osCategoryId): guests of that category go here first. */
  osCategoryPreference?: string;
  /** the last annotation updateHost added, and when */
  annotation?: string;
  lastAnnotated?: string;
  lastHeartbeat?: string;
  agentVersion?: string;
  powerStates?: Record<string, PowerState>; // instance name -> power state
  busyDomains?: string[]; // instance names with an agent task running or waiting at the last heartbeat
  /** where other hosts' hypervisors reach this one for live migration (from the agent's facts) */
  migrationUri?: string;
  /** the maintenance job operating on the host (prepareHostForMaintenance): one at a time */
  activeJobId?: string;
  /** why the host is in ErrorInMaintenance: the VMs that could not move and why */
  maintenanceReason?: string;
  /** when the HA monitor declared the host Alert, then Down (cleared by a heartbeat that brings it back Up) */
  alertSince?: string;
  downSince?: string;
  /** a host back from Down must first power off what now runs elsewhere: these are still to go */
  pendingStops?: string[];
  /** the HA-enabled VMs the inventory runs here, as the HA monitor last listed them (core/ha.ts) */
  haDomains?: string[];
  /**
   * What the last two heartbeat answers told the agent to fence (`haDomains` then) and the fence
   * delay answered: the HA monitor trusts a self-fence only for a VM named in both (core/ha.ts).
   */
  fenceDomains?: string[];
  priorFenceDomains?: string[];
  fenceAfterMs?: number;
  /** the heartbeat before `lastHeartbeat`: the latest one's domain list was read after it */
  previousHeartbeat?: string;
  created: string;
  version: number;
}

export interface ServiceOffering {
  id: string;
  name: string;
  displayText: string;
  cpuNumber: number;
  cpuSpeed: number;
  memory: number;
  offerHa: boolean;
  hostTags?: string;
  storageType: 'shared' | 'local';
  dynamicScalingEnabled: boolean;
  /**
   * a custom offering: the VM's cpuNumber and memory come from details[] within these bounds, and its
   * cpuSpeed too when `cpuSpeed` is 0 (unconstrained); a constrained one fixes cpuSpeed (> 0)
   */
  isCustomized?: boolean;
  minCpuNumber?: number;
  maxCpuNumber?: number;
  minMemory?: number; // MiB
  maxMemory?: number;
  /** deleteServiceOffering: no longer offered (VMs made from it keep it, and show its name) */
  removed?: string;
  created: string;
  /** absent on offerings seeded before offerings could be updated */
  version?: number;
}

export interface Template {
  id: string;
  name: string;
  displayText: string;
  format: 'QCOW2' | 'RAW' | 'ISO';
  hypervisor: 'KVM' | 'Simulator';
  osTypeId: string;
  osTypeName: string;
  url: string;
  size: number; // bytes
  isPublic: boolean;
  isFeatured: boolean;
  passwordEnabled: boolean;
  isDynamicallyScalable: boolean;
  zoneId?: string; // absent: every zone
  accountId: string;
  domainId: string;
  created: string;
  /** bumped by updateTemplate, which is conditioned on it (absent on templates never updated) */
  version?: number;
  /** its resource tags (createTags), key -> value */
  tags?: Record<string, string>;
  /**
   * Registered from a URL (registerTemplate, registerIso): false until a host has downloaded it
   * (the seeded images and those of before registration are ready: absent).
   */
  isReady?: boolean;
  /** the download: where it stands (`download` absent: nothing to download, ready as seeded) */
  download?: TemplateDownload;
  /** CloudStack's checksum text as given (`{SHA-256}hex`, `{MD5}hex` or a bare MD5) */
  checksum?: string;
  /** bytes the image file takes (its size is the disk it gives, e.g. a QCOW2's virtual size) */
  physicalSize?: number;
  /** ISOs: a VM may boot from it (registerIso `bootable`, default true) */
  bootable?: boolean;
  isExtractable?: boolean;
  /** 32 or 64, as registered (informational, as in CloudStack) */
  bits?: number;
  /** ISOs: how many VMs have it in their CD-ROM (attachIso adds, detachIso takes away); deleteIso waits for none */
  attachedVms?: number;
  /** deleteTemplate / deleteIso: no longer listed or usable; kept for the VMs whose disks came from it */
  removed?: string;
}

/** A template's download by one host of its zone; the others fetch it on first use. */
export interface TemplateDownload {
  state: 'Downloading' | 'Downloaded' | 'Error';
  percent: number;
  hostId?: string;
  jobId?: string;
  /** what went wrong, as its status shows it */
  error?: string;
}

export interface Network {
  id: string;
  name: string;
  displayText: string;
  zoneId: string;
  type: 'Isolated' | 'Shared' | 'L2';
  /** its VLAN tag (absent: untagged): importUnmanagedInstance maps a domain's NIC to the network on its VLAN */
  vlan?: number;
  cidr: string;
  gateway: string;
  netmask: string;
  accountId?: string; // absent: shared with every account
  domainId: string;
  created: string;
}

export interface Nic {
  id: string;
  networkId: string;
  networkName: string;
  ipAddress: string;
  netmask: string;
  gateway: string;
  macAddress: string;
  isDefault: boolean;
  type: Network['type'];
}

export interface Vm {
  id: string;
  name: string; // host name (RFC 1123)
  displayName: string;
  instanceName: string; // i-<user>-<vm>-<suffix>, root admin only
  accountId: string;
  userId: string;
  domainId: string;
  domainPath: string; // copied from the owner's domain: access checks read one item
  zoneId: string;
  serviceOfferingId: string;
  templateId: string;
  osTypeId: string; // from the template, changed by updateVirtualMachine
  cpuNumber: number;
  cpuSpeed: number;
  memory: number;
  state: VmState;
  hostId?: string; // where its capacity is reserved
  lastHostId?: string;
  nics: Nic[];
  haEnable: boolean;
  group?: string;
  /** user-settable details (`details[0].key=value`), changed only while Stopped */
  details: Record<string, string>;
  affinityGroupIds: string[];
  /** What this VM's placement registered for its affinity groups; releasing its capacity undoes exactly this. */
  affinityHeld?: AffinityHold;
  activeJobId?: string; // one mutating operation at a time
  /** updateVirtualMachine isdynamicallyscalable; absent: true (VMs made since CloudStack 4.2 are) */
  isDynamicallyScalable?: boolean;
  /** the size the VM booted with: the 3 GB rule and the hot-scale ceilings of live scaling look at it */
  bootCpuNumber?: number;
  bootMemory?: number; // MiB
  /** a live migration in flight: what the VM holds on the destination besides its own host */
  migration?: MigrationHold;
  /** a live scale in flight: the target size and what is held for it */
  pendingScale?: PendingScale;
  /** marked by the HA monitor when it stopped the VM on a Down host: it is to be restarted elsewhere */
  haRestartPending?: boolean;
  /**
   * Stopped in the inventory on a Down host without proof that it is off there (a VM without HA on
   * a host that is only cut off): it may not start elsewhere until that host is back (its agent stops
   * strays before the host is Up) or deleted.
   */
  mayStillRunOn?: string;
  destroyed?: string; // when it entered Destroyed: the scheduled expunge counts expunge.delay from here
  /**
   * Its volumes (ROOT first), changed only in the same transaction as the volumes' own records, so
   * a start reads exactly the disks attached and two attaches cannot take one device id. Absent on
   * VMs made before storage: they boot the disk `<instance name>-root` of the host's default pool.
   */
  volumeIds?: string[];
  /** its resource tags (createTags), key -> value */
  tags?: Record<string, string>;
  /** the disk offering of the data disk it was deployed with (UserVmResponse diskofferingid) */
  diskOfferingId?: string;
  /**
   * Its VM snapshots, oldest first, changed only in the same transaction as their records: the
   * vmsnapshot.max count, the attach/detach refusal and the chain a host rebuilds read this.
   */
  vmSnapshotIds?: string[];
  /** restoreVirtualMachine: the ROOT volume replaced, until its file is removed */
  restoredFromVolumeId?: string;
  /** the ISO in its CD-ROM (attachIso), kept across stops and starts */
  isoId?: string;
  /**
   * The SSH key pairs it was given (deploy `keypair`/`keypairs`, resetSSHKeyForVirtualMachine), by
   * name, and their public keys as they were then: a pair deleted since still reaches the guest,
   * as in CloudStack, which copies the keys onto the VM.
   */
  keyPairs?: Array<{ name: string; publicKey: string }>;
  /** base64 user data (deploy and updateVirtualMachine `userdata`), read back by getVirtualMachineUserData only */
  userData?: string;
  /** the backup offering it is assigned to (assignVirtualMachineToBackupOffering) */
  backupOfferingId?: string;
  /** the backup its job is taking: a job that fails leaves it in Error */
  backupInProgressId?: string;
  /** unmanageVirtualMachine: when Stratus let it go (the VM is Expunged; its domain runs on without it) */
  unmanaged?: string;
  /** unmanaged with unmanage.vm.preserve.nics: its NICs keep their addresses and MACs for an import to take back */
  nicsPreserved?: boolean;
  /** importing: the NICs taken back from an unmanaged VM's preserved ones (an undone import returns them) */
  importedNics?: Array<{ nicId: string; fromVmId: string }>;
  /** the snapshot its disks are now at (taken or reverted to last): a new one's parent, `current` in listVMSnapshot */
  currentVmSnapshotId?: string;
  /** the second its newest snapshot is named after: names never repeat (core/vm-snapshots.ts nextSnapshotStamp) */
  lastVmSnapshotAt?: string;
  created: string;
  lastUpdated: string;
  version: number;
}

/** Capacity held on a live migration's destination while the VM moves; released or made the VM's own. */
export interface MigrationHold {
  hostId: string;
  cpu: number; // MHz
  memory: number; // MiB
  affinityHeld: AffinityHold;
  since: string;
}

/** The size a running VM is being scaled to, and the extra capacity held for it on `hostId`. */
export interface PendingScale {
  serviceOfferingId: string;
  cpuNumber: number;
  cpuSpeed: number;
  memory: number;
  /** the host the extra is held on (the VM's own host for an in-place scale) */
  hostId?: string;
  heldCpu: number; // MHz held beyond the VM's current size (0 when it shrinks)
  heldMemory: number;
  /** the VM's details and HA flag with the new offering (a custom size is recorded in the details) */
  details?: Record<string, string>;
  haEnable?: boolean;
}

export type JobStatus = 0 | 1 | 2; // pending, succeeded, failed

export interface JobStep {
  name: string;
  at: string;
}

export interface AsyncJob {
  id: string;
  cmd: string; // API command name
  workflow: string; // workflows/<name>.asl.json
  eventType?: string; // the CloudStack event its completion records (VM.START, ...)
  accountId: string;
  accountName: string; // copied from the caller: a job's poll reads one item
  userId: string;
  domainId: string;
  domainPath: string;
  instanceType?: 'VirtualMachine' | 'Account' | 'AffinityGroup' | 'Host' | 'Volume' | 'StoragePool' | 'VmSnapshot' | 'Template' | 'Iso' | 'BackupOffering' | 'Backup' | 'BackupRepository';
  instanceId?: string;
  status: JobStatus;
  resultCode: number;
  /** The single-key job result (`{virtualmachine: {...}}`) or the error. */
  result?: Record<string, unknown> | ErrorShape;
  steps: JobStep[];
  /** how far its agent task has come (percent, a backup or restore): queryAsyncJobResult's jobprocstatus */
  progress?: number;
  failedStep?: string;
  failureReason?: string; // root admin only
  publicErrorText?: string; // the failure as other callers see it (no hosts, no internals)
  created: string;
  completed?: string;
  orphanedAt?: string; // when the reconciler found its workflow execution gone
  version: number;
}

export type AgentTaskStatus = 'queued' | 'leased';

export interface AgentTask {
  id: string;
  hostId: string;
  jobId?: string;
  jobStep?: string; // the workflow state waiting on it, recorded in the job's steps on success
  command: string; // core/agent-protocol.ts AgentCommand
  payload: Record<string, unknown>;
  taskToken: string;
  status: AgentTaskStatus;
  leaseId?: string;
  leaseUntil?: number; // epoch ms
  attempts: number;
  created: string;
}

export type AffinityGroupType = 'host anti-affinity' | 'host affinity';

/**
 * Held by a placed VM: the anti-affinity groups it added to its host's `antiAffinityGroupIds`, and the
 * host affinity groups whose pin (the host their members share) it counts in.
 */
export interface AffinityHold {
  antiAffinity: string[];
  affinity: string[];
}

/** CloudStack's affinity group: per account; its members avoid (or share) hosts. */
export interface AffinityGroup {
  id: string;
  name: string;
  description?: string;
  type: AffinityGroupType;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  created: string;
}

/**
 * An SSH key pair of an account (createSSHKeyPair, registerSSHKeyPair): its public key in OpenSSH's
 * one-line form (type and base64, no comment), which VMs deployed with it receive. Its name is
 * unique in the account (as CloudStack's), and so is its public key. The private key of a created
 * pair is returned once and never stored.
 */
export interface SshKeyPair {
  id: string;
  name: string;
  publicKey: string;
  fingerprint: string; // MD5 of the key blob, colon-separated hex (SSHKeysHelper)
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  created: string;
}

export type EventLevel = 'INFO' | 'WARN' | 'ERROR';
export type EventState = 'Scheduled' | 'Started' | 'Completed' | 'Created';

/** An entry of listEvents (CloudStack's event table): what happened to whom, by whom. */
export interface CloudEvent {
  id: string;
  type: string; // VM.CREATE, VM.START, ...
  level: EventLevel;
  state: EventState;
  description: string;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  userId?: string;
  username?: string;
  resourceType?: string; // VirtualMachine, Host, ... (CloudStack's ApiCommandResourceType)
  resourceId?: string;
  resourceName?: string;
  parentId?: string; // the Scheduled/Started event this one completes (listEvents `parentid`, `startid`)
  jobId?: string;
  created: string;
}

/**
 * A usage record (CloudStack's usage_event table): what a usage server bills from, written with the
 * event of the same type when an operation completes (VM.CREATE, VM.START, VM.STOP, ...).
 */
export interface UsageEvent {
  id: string; // the id of the event it was written with
  type: string;
  accountId: string;
  domainId: string;
  zoneId: string;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  offeringId?: string; // a VM's service offering
  templateId?: string;
  size?: number; // bytes, for volumes and snapshots
  created: string;
}

/** An administrator alert (CloudStack's alert table, listAlerts): a host that lost its heartbeat, a VM restarted by HA, ... */
export interface Alert {
  id: string;
  type: number; // CloudStack's AlertManager type code
  name: string; // the code's name, e.g. ALERT.HOST
  subject: string;
  description?: string;
  zoneId?: string;
  podId?: string;
  clusterId?: string;
  hostId?: string;
  sent: string;
  archived?: boolean;
}

/**
 * CloudStack's primary storage pool types that Stratus's KVM agent mounts as libvirt pools: an NFS
 * export (`netfs`), a directory every host of the scope mounts itself (SharedMountPoint), or a
 * host's own directory (Filesystem, local storage).
 */
export const STORAGE_POOL_TYPES = ['NetworkFilesystem', 'SharedMountPoint', 'Filesystem'] as const;
export type StoragePoolType = (typeof STORAGE_POOL_TYPES)[number];
export type StoragePoolScope = 'CLUSTER' | 'ZONE' | 'HOST';
/** CloudStack's StoragePoolStatus values Stratus uses (Maintenance comes with storage maintenance). */
export type StoragePoolState = 'Up' | 'Disabled' | 'Down' | 'PrepareForMaintenance' | 'Maintenance' | 'ErrorInMaintenance';

/** A primary storage pool: where volumes live, with the ledger of what is allocated on it. */
export interface StoragePool {
  id: string;
  name: string;
  zoneId: string;
  podId?: string; // cluster scope
  clusterId?: string; // cluster scope
  hostId?: string; // host scope (local storage)
  scope: StoragePoolScope;
  type: StoragePoolType;
  /** the NFS server (NetworkFilesystem), else the host's address or `localhost` */
  host: string;
  path: string; // the export or directory
  url: string; // as createStoragePool got it
  state: StoragePoolState;
  tags: string[];
  capacityBytes: number; // disksizetotal
  /** the administrator set capacityBytes (createStoragePool/updateStoragePool capacitybytes): the hosts' reports do not change it */
  capacityFixed?: boolean;
  /** disksizeallocated: the sizes of the volumes placed here, moved only with the volume records (the ledger) */
  allocatedBytes: number;
  /** disksizeused: what the hosts' agents last reported the pool's files take */
  usedBytes: number;
  /** when a host last reported the pool's size and use */
  reported?: string;
  /** the storage maintenance job operating on the pool: one at a time */
  activeJobId?: string;
  /** its state before maintenance (Up or Disabled), what cancelStorageMaintenance returns it to */
  stateBefore?: 'Up' | 'Disabled';
  /** the VMs its maintenance stopped (they were running): cancelStorageMaintenance starts them again */
  maintenanceVmIds?: string[];
  /** why it is in ErrorInMaintenance: the VMs that could not be stopped */
  maintenanceReason?: string;
  created: string;
  version: number;
}

export type ProvisioningType = 'thin' | 'sparse' | 'fat';

/** A disk offering: the size (or a custom one), tags matched against pool tags, shared or local storage. */
export interface DiskOffering {
  id: string;
  name: string;
  displayText: string;
  diskSize: number; // GiB; 0 for a custom offering
  isCustomized: boolean;
  tags?: string; // comma separated, as CloudStack shows them
  storageType: 'shared' | 'local';
  provisioningType: ProvisioningType;
  minIops?: number;
  maxIops?: number;
  displayOffering: boolean;
  created: string;
  version: number;
}

/** CloudStack's volume states (Volume.State) that Stratus's volumes pass through. */
export type VolumeState = 'Allocated' | 'Creating' | 'Ready' | 'Resizing' | 'Attaching' | 'Expunging' | 'Expunged' | 'Destroy';

export interface Volume {
  id: string;
  name: string;
  type: 'ROOT' | 'DATADISK';
  state: VolumeState;
  size: number; // bytes
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  zoneId: string;
  vmId?: string; // attached to
  deviceId?: number; // 0 is ROOT; 3 is the CD-ROM's
  /** the pool the volume's space is allocated on (from its first placement) */
  poolId?: string;
  /** the file in the pool (a libvirt volume name) */
  path?: string;
  /** a volume restored from a nas backup (restoreVolumeFromBackupAndAttachToVM): its file is made from this copy where it is first needed */
  restoreFrom?: { repositoryId: string; path: string; file: string };
  diskOfferingId?: string;
  templateId?: string; // ROOT: the template it was made from
  provisioningType: ProvisioningType;
  minIops?: number;
  maxIops?: number;
  created: string;
  attached?: string; // when it was last attached
  /** its resource tags (createTags), key -> value */
  tags?: Record<string, string>;
  version: number;
}

/** CloudStack's VMSnapshot.State values. */
export type VmSnapshotState = 'Allocated' | 'Creating' | 'Ready' | 'Reverting' | 'Expunging' | 'Removed' | 'Error';

/**
 * A VM snapshot (createVMSnapshot): a libvirt internal snapshot of every disk of the VM (and its
 * memory when `type` is DiskAndMemory), named `<instance>_VS_<yyyyMMddHHmmss>` on the host.
 */
export interface VmSnapshot {
  id: string;
  name: string; // the internal name, also the libvirt snapshot's
  displayName: string;
  description?: string;
  type: 'Disk' | 'DiskAndMemory';
  state: VmSnapshotState;
  quiesce: boolean;
  parentId?: string;
  vmId: string;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  zoneId: string;
  /** the service offering when it was taken (a memory snapshot is discarded when the VM's changes) */
  serviceOfferingId: string;
  /** its resource tags (createTags), key -> value */
  tags?: Record<string, string>;
  created: string;
  version: number;
}

/** The resource types Stratus tags (CloudStack's ResourceObjectType names). */
export const TAGGABLE_TYPES = ['UserVm', 'Volume', 'VMSnapshot', 'Template', 'ISO'] as const;
export type TaggableType = (typeof TAGGABLE_TYPES)[number];

/**
 * A resource tag (createTags): one key per resource, owned by the resource's account. The resource
 * item keeps its tags too (`tags`, key -> value), so responses and `tags[i]` filters read no more.
 */
export interface ResourceTag {
  id: string;
  key: string;
  value: string;
  resourceType: TaggableType;
  resourceId: string;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  customer?: string;
  created: string;
}

/**
 * A domain on a host that Stratus does not manage (listUnmanagedInstances): what its host last
 * described (core/agent-protocol.ts DomainDescription), where it is, and when it was reported.
 * Its id is its host's and its name's: one item per domain per host.
 */
export interface UnmanagedInstance {
  id: string;
  name: string;
  hostId: string;
  hostName: string;
  clusterId: string;
  zoneId: string;
  powerState: PowerState;
  cpuNumber: number;
  cpuCoresPerSocket: number;
  cpuSpeed: number;
  memory: number; // MiB
  persistent: boolean;
  disks: Array<{ label: string; capacity: number; imagePath: string; controller: string; controllerUnit: number; position: number; datastoreName?: string; datastoreHost?: string; datastorePath?: string; datastoreType: string; format?: string }>;
  nics: Array<{ networkName: string; macAddress: string; adapterType: string; vlanId?: number; ipAddresses: string[] }>;
  /** when its host described it like this */
  reported: string;
  /** an import took it (listed no more): set in the import's transaction, dropped when a heartbeat describes the domain as the VM's */
  managed?: string;
  created: string;
}

/**
 * A backup offering (importBackupOffering): a provider's policy (`externalId`) made available in a
 * zone. VMs join one with assignVirtualMachineToBackupOffering.
 */
export interface BackupOffering {
  id: string;
  name: string;
  description: string;
  externalId: string;
  provider: string;
  zoneId: string;
  /** users may take backups of their own (createBackup) and set schedules */
  allowUserDrivenBackups: boolean;
  /** how many VMs are assigned: kept in the transactions that assign and remove them; deleting needs none */
  assignedVms?: number;
  /** how many backups it took that still exist: kept with each backup made and deleted; deleting needs none */
  backups?: number;
  created: string;
  version: number;
}

/**
 * A backup repository (addBackupRepository): an NFS export, CephFS or CIFS share that the zone's KVM
 * hosts mount to keep the nas provider's backups, one QCOW2 per volume. Each is offered by the nas
 * provider as a policy; `offerings` counts the backup offerings imported from it, kept in the
 * transactions that import and delete them, so deleting it is one conditional delete.
 */
export interface BackupRepository {
  id: string;
  name: string;
  zoneId: string;
  provider: 'nas';
  /** nfs, ceph (CloudStack's name for cephfs) or cifs */
  type: 'nfs' | 'ceph' | 'cifs';
  /** what the hosts mount: `server:/export` for NFS */
  address: string;
  mountOptions: string;
  capacityBytes?: number;
  /** what it holds, and when a host last measured it (the backup sync, every backup.framework.sync.interval), or why it could not */
  usedBytes?: number;
  statsAt?: string;
  statsError?: string;
  crossZoneInstanceCreation: boolean;
  offerings?: number;
  created: string;
  version: number;
}

/** CloudStack's Backup.Status values. */
export type BackupStatus = 'Allocated' | 'Queued' | 'BackingUp' | 'BackedUp' | 'Error' | 'Failed' | 'Restoring' | 'Removed' | 'Expunged';

/** A volume as a backup recorded it (BackupResponse `volumes`). */
export interface BackedUpVolume {
  uuid: string;
  type: 'ROOT' | 'DATADISK';
  size: number;
  path: string;
  deviceId: number;
  diskOfferingId?: string;
}

/** A VM's backup (createBackup, or a schedule's run), kept by its offering's provider. */
export interface Backup {
  id: string;
  name: string;
  description?: string;
  vmId: string;
  vmName: string;
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
  zoneId: string;
  backupOfferingId: string;
  /** the provider's name for it (the dummy provider's `dummy-external-id`) */
  externalId?: string;
  status: BackupStatus;
  /** bytes the backup takes, and the VM's disks' size */
  size: number;
  virtualSize: number;
  volumes: BackedUpVolume[];
  /** MANUAL, or the interval type of the schedule that made it */
  intervalType: 'MANUAL' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY';
  /** the schedule that took it (its retention counts it), if not MANUAL */
  scheduleId?: string;
  /** why it ended in Error */
  error?: string;
  created: string;
  version: number;
}

/**
 * A VM's backup schedule (createBackupSchedule): one per interval type, so schedules never
 * overwrite each other. `nextRunAt` is its place in the due index the backup scheduler sweeps.
 */
export interface BackupSchedule {
  id: string;
  vmId: string;
  vmName: string;
  accountId: string;
  domainId: string;
  domainPath: string;
  zoneId: string;
  intervalType: 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY';
  /** CloudStack's text: MM, MM:HH, MM:HH:D or MM:HH:DD */
  schedule: string;
  timezone: string;
  /** backups of this schedule kept (the oldest beyond are deleted after each run); 0 keeps all */
  maxBackups: number;
  quiesceVm?: boolean;
  /** when it is next due (ISO, a whole minute) */
  nextRunAt: string;
  /** the last run: when it was due, and the backup it started or why it did not */
  lastRunAt?: string;
  lastBackupId?: string;
  lastSkipped?: string;
  created: string;
  version: number;
}
