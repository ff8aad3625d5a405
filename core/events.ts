import type { Caller, CloudEvent, EventLevel, EventState, UsageEvent } from './entities';

/**
 * CloudStack's event types (com.cloud.event.EventTypes) that Stratus writes or will write, the
 * resource types listEvents filters by (ApiCommandResourceType), the types that also make a usage
 * record, and a pure helper that builds an event from who acted, whose resource it is and what
 * happened. listEventTypes answers EVENT_TYPES.
 */
export const EVENT_TYPES = [
  // VMs
  'VM.CREATE',
  'VM.DESTROY',
  'VM.START',
  'VM.STOP',
  'VM.REBOOT',
  'VM.UPDATE',
  'VM.UPGRADE',
  'VM.DYNAMIC.SCALE',
  'VM.RESETPASSWORD',
  'VM.RESETSSHKEY',
  'VM.RESETUSERDATA',
  'VM.MIGRATE',
  'VM.MOVE',
  'VM.RESTORE',
  'VM.EXPUNGE',
  'VM.IMPORT',
  'VM.UNMANAGE',
  'VM.RECOVER',
  'VM.AG.UPDATE',
  'NIC.CREATE',
  'NIC.DELETE',
  'NIC.UPDATE',
  'NETWORK.OFFERING.ASSIGN',
  'NETWORK.OFFERING.REMOVE',
  'ISO.ATTACH',
  'ISO.DETACH',
  // volumes and primary storage
  'VOLUME.CREATE',
  'VOLUME.DELETE',
  'VOLUME.ATTACH',
  'VOLUME.DETACH',
  'VOLUME.RESIZE',
  'DISK.OFFERING.CREATE',
  'DISK.OFFERING.EDIT',
  'DISK.OFFERING.DELETE',
  // resource tags
  'CREATE_TAGS',
  'DELETE_TAGS',
  // affinity groups
  'AG.CREATE',
  'AG.DELETE',
  'AG.ASSIGN',
  'AG.REMOVE',
  // VM snapshots and backups
  'VMSNAPSHOT.CREATE',
  'VMSNAPSHOT.DELETE',
  'VMSNAPSHOT.ON_PRIMARY',
  'VMSNAPSHOT.OFF_PRIMARY',
  'VMSNAPSHOT.REVERTTO',
  'BACKUP.IMPORT.OFFERING',
  'BACKUP.OFFERING.ASSIGN',
  'BACKUP.OFFERING.REMOVE',
  'BACKUP.CREATE',
  'BACKUP.RESTORE',
  'BACKUP.DELETE',
  'BACKUP.SCHEDULE.CONFIGURE',
  'BACKUP.SCHEDULE.DELETE',
  'BACKUP.USAGE.METRIC',
  // tenancy
  'DOMAIN.CREATE',
  'DOMAIN.DELETE',
  'DOMAIN.UPDATE',
  'ACCOUNT.CREATE',
  'ACCOUNT.DELETE',
  'ACCOUNT.UPDATE',
  'ACCOUNT.DISABLE',
  'ACCOUNT.ENABLE',
  'USER.CREATE',
  'USER.LOGIN',
  'USER.LOGOUT',
  'USER.DELETE',
  'USER.UPDATE',
  'USER.DISABLE',
  'USER.ENABLE',
  'USER.LOCK',
  'REGISTER.USER.KEY',
  'DELETE.USER.KEY',
  'REGISTER.SSH.KEYPAIR',
  // infrastructure and catalogue (CloudStack has no event for addCluster or addHost)
  'ZONE.CREATE',
  'ZONE.EDIT',
  'ZONE.DELETE',
  'POD.CREATE',
  'POD.EDIT',
  'POD.DELETE',
  'HOST.RECONNECT',
  'MAINT.PREPARE',
  'MAINT.CANCEL',
  'MAINT.PREPARE.PS',
  'MAINT.CANCEL.PS',
  'HA.STATE.TRANSITION',
  'SERVICE.OFFERING.CREATE',
  'SERVICE.OFFERING.EDIT',
  'SERVICE.OFFERING.DELETE',
  'TEMPLATE.CREATE',
  'TEMPLATE.UPDATE',
  'TEMPLATE.DELETE',
  'TEMPLATE.DOWNLOAD.START',
  'TEMPLATE.DOWNLOAD.SUCCESS',
  'TEMPLATE.DOWNLOAD.FAILED',
  'ISO.CREATE',
  'ISO.DELETE',
  'ISO.UPDATE',
  'CONFIGURATION.VALUE.EDIT',
  'ALERT.GENERATE',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Types that write a usage record when their operation completes, as UserVmStateListener and
 * UserVmManagerImpl call UsageEventUtils: VM.CREATE, VM.START, VM.STOP, VM.DESTROY, and scaling;
 * VM.EXPUNGE makes none (the VM stopped counting at VM.DESTROY).
 */
export const USAGE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'VM.CREATE',
  'VM.START',
  'VM.STOP',
  'VM.DESTROY',
  'VM.UPGRADE',
  'VM.DYNAMIC.SCALE',
  'VMSNAPSHOT.CREATE',
  'VMSNAPSHOT.DELETE',
  'VMSNAPSHOT.OFF_PRIMARY',
  'NETWORK.OFFERING.ASSIGN',
  'NETWORK.OFFERING.REMOVE',
  'VOLUME.CREATE',
  'VOLUME.DELETE',
  'VOLUME.RESIZE',
  'BACKUP.OFFERING.ASSIGN',
  'BACKUP.OFFERING.REMOVE',
]);

/** listEvents `resourcetype`: ApiCommandResourceType's names, matched exactly as its fromString does. */
export const EVENT_RESOURCE_TYPES = [
  'None',
  'VirtualMachine',
  'DomainRouter',
  'Volume',
  'VmSnapshot',
  'ConsoleProxy',
  'Snapshot',
  'Backup',
  'Template',
  'Iso',
  'SystemVm',
  'Host',
  'StoragePool',
  'ImageStore',
  'IpAddress',
  'PortableIpAddress',
  'SecurityGroup',
  'PhysicalNetwork',
  'TrafficType',
  'PhysicalNetworkServiceProvider',
  'FirewallRule',
  'Account',
  'User',
  'PrivateGateway',
  'StaticRoute',
  'Counter',
  'Condition',
  'AutoScalePolicy',
  'AutoScaleVmProfile',
  'AutoScaleVmGroup',
  'GlobalLoadBalancerRule',
  'LoadBalancerRule',
  'AffinityGroup',
  'InternalLbVm',
  'DedicatedGuestVlanRange',
  'GuestOs',
  'GuestOsMapping',
  'Network',
  'NetworkAcl',
  'NetworkAclItem',
  'Project',
  'Domain',
  'DiskOffering',
  'ServiceOffering',
  'NetworkOffering',
  'VpcOffering',
  'BackupOffering',
  'Zone',
] as const;

export type EventResourceType = (typeof EVENT_RESOURCE_TYPES)[number];

export const isEventResourceType = (text: string): text is EventResourceType => (EVENT_RESOURCE_TYPES as readonly string[]).includes(text);

/** What a usage record needs beyond the event: where, and what was billed. */
export type UsageDetails = Pick<UsageEvent, 'zoneId'> & Partial<Pick<UsageEvent, 'offeringId' | 'templateId' | 'size' | 'resourceName'>>;

/** An event to record; the store gives it an id and a time when it has none. */
export type NewEvent = Omit<CloudEvent, 'id' | 'created'> & {
  id?: string;
  created?: string;
  /** for a usage type: the usage record's details (derived from the VM when left out for a VM) */
  usage?: UsageDetails;
};

/** Whether an event also writes a usage record: a usage type whose operation completed. */
export const makesUsage = (e: Pick<CloudEvent, 'type' | 'state' | 'level'>): boolean => USAGE_EVENT_TYPES.has(e.type) && e.state === 'Completed' && e.level === 'INFO';

/** The account a resource belongs to, as an event names it. */
export interface EventOwner {
  accountId: string;
  accountName: string;
  domainId: string;
  domainPath: string;
}

export interface EventInput {
  type: EventType;
  /** who acted: the event's user */
  caller: Caller;
  /** whose resource it is; the caller's own account when left out */
  owner?: EventOwner;
  description: string;
  level?: EventLevel;
  state?: EventState;
  resource?: { type: EventResourceType; id: string; name?: string };
  jobId?: string;
  parentId?: string;
  id?: string;
  usage?: UsageDetails;
}

/** An event from who acted and whose resource it is (ActionEventUtils: the owner's account, the acting user). */
export function newEvent(input: EventInput): NewEvent {
  const owner = input.owner ?? input.caller;
  return {
    ...(input.id ? { id: input.id } : {}),
    type: input.type,
    level: input.level ?? 'INFO',
    state: input.state ?? 'Completed',
    description: input.description,
    accountId: owner.accountId,
    accountName: owner.accountName,
    domainId: owner.domainId,
    domainPath: owner.domainPath,
    userId: input.caller.userId,
    username: input.caller.username,
    ...(input.resource ? { resourceType: input.resource.type, resourceId: input.resource.id, ...(input.resource.name ? { resourceName: input.resource.name } : {}) } : {}),
    ...(input.jobId ? { jobId: input.jobId } : {}),
    ...(input.parentId ? { parentId: input.parentId } : {}),
    ...(input.usage ? { usage: input.usage } : {}),
  };
}

/**
 * CloudStack's action event texts (ActionEventInterceptor): "Successfully completed <action>" or
 * "Error while <action>", then ". <details>" when the command set details.
 */
export function actionEventText(outcome: 'completed' | 'error', action: string, details?: string): string {
  const head = outcome === 'completed' ? `Successfully completed ${action}` : `Error while ${action}`;
  return details === undefined ? head : `${head}. ${details}`;
}
