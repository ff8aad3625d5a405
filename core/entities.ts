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
  created: string;
}

export interface Account {
  id: string;
  name: string;
  domainId: string;
  role: Role;
  state: 'enabled' | 'disabled';
  created: string;
}

export interface User {
  id: string;
  numericId: number; // CloudStack's internal id, shown in VM internal names
  username: string;
  accountId: string;
  domainId: string;
  apiKey?: string;
  state: 'enabled' | 'disabled';
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
  created: string;
}

export interface Pod {
  id: string;
  name: string;
  zoneId: string;
  gateway: string;
  netmask: string;
  allocationState: 'Enabled' | 'Disabled';
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

export type HostState = 'Connecting' | 'Up' | 'Down' | 'Disconnected' | 'Alert';
export type HostResourceState = 'Enabled' | 'Disabled' | 'Maintenance' | 'PrepareForMaintenance' | 'ErrorInMaintenance';

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
  cpuOverprovisioning: number;
  memoryOverprovisioning: number;
  hostTags: string[];
  /** OS category this host prefers (updateHost osCategoryId): guests of that category go here first. */
  osCategoryPreference?: string;
  lastHeartbeat?: string;
  agentVersion?: string;
  powerStates?: Record<string, PowerState>; // instance name -> power state
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
  created: string;
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
}

export interface Network {
  id: string;
  name: string;
  displayText: string;
  zoneId: string;
  type: 'Isolated' | 'Shared' | 'L2';
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
  activeJobId?: string; // one mutating operation at a time
  destroyed?: string; // when it entered Destroyed: the scheduled expunge counts expunge.delay from here
  created: string;
  lastUpdated: string;
  version: number;
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
  accountId: string;
  accountName: string; // copied from the caller: a job's poll reads one item
  userId: string;
  domainId: string;
  domainPath: string;
  instanceType?: 'VirtualMachine';
  instanceId?: string;
  status: JobStatus;
  resultCode: number;
  /** The single-key job result (`{virtualmachine: {...}}`) or the error. */
  result?: Record<string, unknown> | ErrorShape;
  steps: JobStep[];
  failedStep?: string;
  failureReason?: string; // root admin only
  publicErrorText?: string; // the failure as other callers see it (no hosts, no internals)
  created: string;
  completed?: string;
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
  resourceType?: string; // VirtualMachine, Host, ...
  resourceId?: string;
  jobId?: string;
  created: string;
}
