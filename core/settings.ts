/**
 * The global settings Stratus knows, with CloudStack's names, defaults and scopes. A value is
 * stored as text, as CloudStack's configuration table does; a zone- or cluster-scoped setting may
 * be overridden per zone or cluster (updateConfiguration zoneid=/clusterid=). The store
 * (functions/store/settings.ts) reads an override, else the global value, else the default here.
 * Entries are grouped by area; the CloudStack class that defines each group is named above it.
 */
export type SettingType = 'Boolean' | 'Integer' | 'Long' | 'Float' | 'String';
export type SettingScope = 'global' | 'zone' | 'cluster';

export interface SettingDef {
  name: string;
  category: string;
  type: SettingType; // the Java type of CloudStack's ConfigKey
  defaultValue: string;
  description: string;
  scopes: readonly SettingScope[]; // where it may be set; 'global' always
  /** a String setting shown as a list or a choice (ConfigKey.Kind); `options` are a Select's choices */
  kind?: 'CSV' | 'Select';
  options?: string;
  /** the setting this one only matters under (listConfigurations `parent`) */
  parent?: string;
  /** extra checks after the type's: CloudStack's range rules, as an error text or undefined */
  check?: (value: string) => string | undefined;
}

export const SETTINGS: readonly SettingDef[] = [
  // Naming and what users see (Config.java, QueryService)
  { name: 'instance.name', category: 'Advanced', type: 'String', defaultValue: 'VM', description: 'Name of the deployment instance.', scopes: ['global'], check: instanceName },
  { name: 'vm.instancename.flag', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: "If true, will append guest VM's display Name (if set) to its internal instance name", scopes: ['global'] },
  { name: 'allow.user.view.destroyed.vm', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Determines whether users can view their destroyed or expunging vm ', scopes: ['global'] },
  { name: 'allow.user.expunge.recover.vm', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Determines whether users can expunge or recover their vm', scopes: ['global'] },
  { name: 'user.vm.blacklisted.details', category: 'Advanced', type: 'String', defaultValue: 'rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, Message.ReservedCapacityFreed.Flag', description: 'Determines whether users can view certain VM settings. When set to empty, default value used is: rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, Message.ReservedCapacityFreed.Flag.', scopes: ['global'], kind: 'CSV' },

  // API throttling (ApiRateLimitServiceImpl): per account, counted in the table so every API front shares the count
  { name: 'api.throttling.enabled', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Enable/disable Api rate limit', scopes: ['global'] },
  { name: 'api.throttling.interval', category: 'Advanced', type: 'Integer', defaultValue: '1', description: 'Time interval (in seconds) to reset API count', scopes: ['global'], check: (v) => positive('api.throttling.interval', v) },
  { name: 'api.throttling.max', category: 'Advanced', type: 'Integer', defaultValue: '25', description: 'Max allowed number of APIs within fixed interval', scopes: ['global'], check: (v) => positive('api.throttling.max', v) },

  // SSH keys and user data (ManagementServerImpl.sshKeyLength, UserVmManagerImpl)
  { name: 'ssh.key.length', category: 'Advanced', type: 'Integer', defaultValue: '2048', description: 'Specifies custom SSH key length (bit)', scopes: ['global'], check: (v) => (Number.isInteger(Number(v)) && Number(v) >= 1024 && Number(v) <= 8192 ? undefined : 'ssh.key.length must be a whole number of bits from 1024 to 8192') },

  // Placement and capacity (DeploymentClusterPlanner, CapacityManager; the guest limit is Stratus')
  { name: 'vm.allocation.algorithm', category: 'Advanced', type: 'String', defaultValue: 'random', description: "Order in which hosts within a cluster will be considered for VM/volume allocation. The value can be 'random', 'firstfit', 'userdispersing', 'userconcentratedpod_random', 'userconcentratedpod_firstfit', or 'firstfitleastconsumed'.", scopes: ['global'], kind: 'Select', options: 'random,firstfit,userdispersing,userconcentratedpod_random,userconcentratedpod_firstfit,firstfitleastconsumed', check: (v) => oneOf(v, 'random,firstfit,userdispersing,userconcentratedpod_random,userconcentratedpod_firstfit,firstfitleastconsumed') },
  { name: 'cpu.overprovisioning.factor', category: 'Advanced', type: 'Float', defaultValue: '1.0', description: 'Used for CPU overprovisioning calculation; available CPU will be (actualCpuCapacity * cpu.overprovisioning.factor)', scopes: ['global', 'cluster'], check: (v) => aboveZero('cpu.overprovisioning.factor', v) },
  { name: 'mem.overprovisioning.factor', category: 'Advanced', type: 'Float', defaultValue: '1.0', description: 'Used for memory overprovisioning calculation', scopes: ['global', 'cluster'], check: (v) => aboveZero('mem.overprovisioning.factor', v) },
  // Primary storage (CapacityManager, VolumeOrchestrationService)
  { name: 'storage.overprovisioning.factor', category: 'Storage', type: 'Float', defaultValue: '2', description: 'Used for storage overprovisioning calculation; available storage will be (actualStorageSize * storage.overprovisioning.factor)', scopes: ['global', 'zone', 'cluster'], check: (v) => aboveZero('storage.overprovisioning.factor', v) },
  { name: 'custom.diskoffering.size.min', category: 'Advanced', type: 'Long', defaultValue: '1', description: 'Minimum size in GB for custom disk offering.', scopes: ['global'], check: (v) => positive('custom.diskoffering.size.min', v) },
  { name: 'custom.diskoffering.size.max', category: 'Advanced', type: 'Long', defaultValue: '1024', description: 'Maximum size in GB for custom disk offering.', scopes: ['global'], check: (v) => positive('custom.diskoffering.size.max', v) },
  { name: 'vm.max.guests.per.host', category: 'Advanced', type: 'Integer', defaultValue: '50', description: "Maximum number of guest VMs a host may run; hosts at the limit are not considered for allocation (CloudStack's hypervisor capability max_guests_limit, 50 for KVM)", scopes: ['global', 'zone', 'cluster'], check: (v) => positive('vm.max.guests.per.host', v) },

  // Scaling (UserVmManager, Config.java)
  { name: 'enable.dynamic.scale.vm', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Enables/Disables dynamically scaling a vm', scopes: ['global', 'zone'] },
  { name: 'scale.retry', category: 'Advanced', type: 'Integer', defaultValue: '2', description: 'Number of times to retry scaling up the vm', scopes: ['global'] },

  // Destroy and expunge (Config.java)
  { name: 'expunge.delay', category: 'Advanced', type: 'Integer', defaultValue: '86400', description: 'Determines how long (in seconds) to wait before actually expunging destroyed vm. The default value = the default value of expunge.interval', scopes: ['global'] },
  { name: 'expunge.interval', category: 'Advanced', type: 'Integer', defaultValue: '86400', description: 'The interval (in seconds) to wait before running the expunge thread.', scopes: ['global'], check: (v) => positive('expunge.interval', v) },
  { name: 'expunge.workers', category: 'Advanced', type: 'Integer', defaultValue: '1', description: 'Number of workers performing expunge ', scopes: ['global'] },

  // Stopping, jobs, agents and HA (VirtualMachineManager, AgentManager; the graceful stop is Stratus')
  { name: 'vm.stop.graceful.timeout', category: 'Advanced', type: 'Integer', defaultValue: '60', description: 'Time (in seconds) a graceful (ACPI) stop may take before the VM is powered off', scopes: ['global', 'zone'] },
  // Retention (ManagementServerImpl's event purge, AsyncJobManagerImpl's job expiry): enforced by DynamoDB TTL
  { name: 'event.purge.delay', category: 'Advanced', type: 'Integer', defaultValue: '15', description: 'Events older than specified number days will be purged. Set this value to 0 to never delete events', scopes: ['global'] },
  { name: 'job.expire.minutes', category: 'Advanced', type: 'Long', defaultValue: '1440', description: 'Time (in minutes) for async-jobs to be kept in system', scopes: ['global'] },
  { name: 'vm.job.timeout', category: 'Advanced', type: 'Long', defaultValue: '600000', description: 'Time in milliseconds to wait before attempting to cancel a job', scopes: ['global'] },
  { name: 'vm.reconcile.interval', category: 'Advanced', type: 'Integer', defaultValue: '60', description: "Interval (in seconds) of the reconciler, which settles jobs whose workflow is gone and the VMs they held, from what the hosts' agents report", scopes: ['global'] },
  { name: 'ping.interval', category: 'Advanced', type: 'Integer', defaultValue: '60', description: 'Ping interval in seconds', scopes: ['global'], check: (v) => positive('ping.interval', v) },
  { name: 'ping.timeout', category: 'Advanced', type: 'Float', defaultValue: '2.5', description: 'Multiplier to ping.interval before announcing an agent has timed out', scopes: ['global'] },
  { name: 'host.down.timeout', category: 'Advanced', type: 'Integer', defaultValue: '180', description: "Time (in seconds) without a heartbeat after which the HA monitor declares a host Down, stops its VMs in the inventory and restarts the HA-enabled ones elsewhere (an Alert is raised after ping.interval x ping.timeout)", scopes: ['global'], check: (v) => positive('host.down.timeout', v) },
  { name: 'agent.fence.interval', category: 'Advanced', type: 'Integer', defaultValue: '120', description: "Time (in seconds) an agent that cannot reach the control plane keeps its HA-enabled VMs running before it powers them off itself; held below host.down.timeout by a third of it, so the old copies are off before HA restarts them elsewhere", scopes: ['global'], check: (v) => positive('agent.fence.interval', v) },
  { name: 'ha.monitor.interval', category: 'Advanced', type: 'Integer', defaultValue: '10', description: 'Interval (in seconds) of the HA monitor, which judges host heartbeats and VMs powered off without a stop request', scopes: ['global'], check: (v) => positive('ha.monitor.interval', v) },
  { name: 'vm.migrate.capacity.wait', category: 'Advanced', type: 'Integer', defaultValue: '600', description: 'Time (in seconds) a live migration waits in Migrating for room on its destination before it gives up and the VM stays where it runs', scopes: ['global'], check: (v) => positive('vm.migrate.capacity.wait', v) },

  // VM snapshots (VMSnapshotManager; the seeds spell the first vmsnapshots.max)
  { name: 'vmsnapshot.max', category: 'Advanced', type: 'Integer', defaultValue: '10', description: 'Maximum vm snapshots for a vm', scopes: ['global'], check: (v) => positive('vmsnapshot.max', v) ?? (Number(v) > MAX_VM_SNAPSHOTS ? `vmsnapshot.max can be at most ${MAX_VM_SNAPSHOTS}: a VM's snapshots go in one transaction with its destroy` : undefined) },
  { name: 'vmsnapshot.create.wait', category: 'Advanced', type: 'Integer', defaultValue: '1800', description: 'In second, timeout for create vm snapshot', scopes: ['global'], check: (v) => positive('vmsnapshot.create.wait', v) },

  // Unmanage (UnmanagedVMsManager)
  { name: 'unmanage.vm.preserve.nics', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'If set to true, do not remove VM nics (and its MAC addresses) when unmanaging a VM, leaving them allocated but not reserved. If set to false, nics are removed and MAC addresses can be reassigned', scopes: ['global', 'zone'] },

  // Backup and recovery (BackupManager)
  { name: 'backup.framework.enabled', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Is backup and recovery framework enabled.', scopes: ['global', 'zone'] },
  { name: 'backup.framework.provider.plugin', category: 'Advanced', type: 'String', defaultValue: 'dummy', description: 'The backup and recovery provider plugin. Valid plugin values: dummy and nas (veeam and networker are not supported)', scopes: ['global', 'zone'], parent: 'backup.framework.enabled', check: (v) => oneOf(v, 'dummy,nas') },
  { name: 'backup.framework.sync.interval', category: 'Advanced', type: 'Long', defaultValue: '300', description: 'The backup and recovery background sync task polling interval in seconds.', scopes: ['global'], parent: 'backup.framework.enabled', check: (v) => positive('backup.framework.sync.interval', v) },
  { name: 'backup.enable.attach.detach.of.volumes', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Enable volume attach/detach operations for VMs that are assigned to Backup Offering.', scopes: ['global'] },
  // Stratus's own bounds on the nas provider's host work (CloudStack's agent waits without a bound; its nas.backup.restore.mount.timeout covers the mount alone)
  { name: 'nas.backup.timeout', category: 'Advanced', type: 'Integer', defaultValue: '21600', description: 'Timeout in seconds after which a nas backup or restore still running on its host is aborted and fails (Stratus)', scopes: ['global'], parent: 'backup.framework.enabled', check: (v) => positive('nas.backup.timeout', v) },
  { name: 'nas.backup.progress.timeout', category: 'Advanced', type: 'Integer', defaultValue: '120', description: "Seconds a nas backup or restore may go without a progress report from its host's agent (an agent killed mid-backup, a host cut off) before it fails and is cleaned up (Stratus)", scopes: ['global'], parent: 'backup.framework.enabled', check: (v) => positive('nas.backup.progress.timeout', v) },
  // Resource limits (ResourceLimitManagerImpl): each account's and domain's default, overridden by updateResourceLimit
  { name: 'max.account.user.vms', category: 'Account Defaults', type: 'Long', defaultValue: '20', description: 'The default maximum number of user VMs that can be deployed for an account', scopes: ['global'] },
  { name: 'max.account.volumes', category: 'Account Defaults', type: 'Long', defaultValue: '20', description: 'The default maximum number of volumes that can be created for an account', scopes: ['global'] },
  { name: 'max.account.cpus', category: 'Account Defaults', type: 'Long', defaultValue: '40', description: 'The default maximum number of cpu cores that can be used for an account', scopes: ['global'] },
  { name: 'max.account.memory', category: 'Account Defaults', type: 'Long', defaultValue: '40960', description: 'The default maximum memory (in MB) that can be used for an account', scopes: ['global'] },
  { name: 'max.account.primary.storage', category: 'Account Defaults', type: 'Long', defaultValue: '200', description: 'The default maximum primary storage space (in GiB) that can be used for an account', scopes: ['global'] },
  { name: 'max.domain.user.vms', category: 'Domain Defaults', type: 'Long', defaultValue: '40', description: 'The default maximum number of user VMs that can be deployed for a domain', scopes: ['global'] },
  { name: 'max.domain.volumes', category: 'Domain Defaults', type: 'Long', defaultValue: '40', description: 'The default maximum number of volumes that can be created for a domain', scopes: ['global'] },
  { name: 'max.domain.cpus', category: 'Domain Defaults', type: 'Long', defaultValue: '80', description: 'The default maximum number of cpu cores that can be used for a domain', scopes: ['global'] },
  { name: 'max.domain.memory', category: 'Domain Defaults', type: 'Long', defaultValue: '81920', description: 'The default maximum memory (in MB) that can be used for a domain', scopes: ['global'] },
  { name: 'max.domain.primary.storage', category: 'Domain Defaults', type: 'Long', defaultValue: '400', description: 'The default maximum primary storage space (in GiB) that can be used for a domain', scopes: ['global'] },
  { name: 'max.account.backups', category: 'Account Defaults', type: 'Long', defaultValue: '20', description: 'The default maximum number of backups that can be created for an account', scopes: ['global'] },
  { name: 'max.account.backup.storage', category: 'Account Defaults', type: 'Long', defaultValue: '400', description: 'The default maximum backup storage space (in GiB) that can be used for an account', scopes: ['global'] },
  { name: 'max.domain.backups', category: 'Domain Defaults', type: 'Long', defaultValue: '40', description: 'The default maximum number of backups that can be created for a domain', scopes: ['global'] },
  { name: 'max.domain.backup.storage', category: 'Domain Defaults', type: 'Long', defaultValue: '800', description: 'The default maximum backup storage space (in GiB) that can be used for a domain', scopes: ['global'] },
];

const byName = new Map(SETTINGS.map((s) => [s.name, s]));

export const settingDef = (name: string): SettingDef | undefined => byName.get(name);

/**
 * The value an update stores, as ConfigurationManagerImpl normalises it: trimmed; empty or "null"
 * means no value (an empty text for a String setting or a zone/cluster override); Booleans are
 * lower-cased before they are checked.
 */
export function normalizeSettingValue(def: SettingDef, raw: string, scoped: boolean): string | null {
  const value = raw.trim();
  if (value === '' || value === 'null') return scoped || def.type === 'String' ? '' : null;
  return def.type === 'Boolean' ? value.toLowerCase() : value;
}

const JAVA_TYPE: Record<SettingType, string> = {
  Boolean: 'class java.lang.Boolean',
  Integer: 'class java.lang.Integer',
  Long: 'class java.lang.Long',
  Float: 'class java.lang.Float',
  String: 'class java.lang.String',
};

/** Whether `value` is a valid value for the setting: undefined, or CloudStack's error text. */
export function checkSettingValue(def: SettingDef, value: string | null): string | undefined {
  if (!parsesAs(def.type, value)) return `Value [${value}] is not a valid [${JAVA_TYPE[def.type]}].`;
  return value === null ? undefined : def.check?.(value);
}

/** ConfigurationValueValidator.validateValueType: what Integer.parseInt, Long.parseLong, Float.parseFloat accept. */
function parsesAs(type: SettingType, value: string | null): boolean {
  if (type === 'String') return true;
  if (value === null) return false;
  switch (type) {
    case 'Boolean':
      return value === 'true' || value === 'false';
    case 'Integer':
      return /^[+-]?\d+$/.test(value) && BigInt(value) >= -(2n ** 31n) && BigInt(value) < 2n ** 31n;
    case 'Long':
      return /^[+-]?\d+$/.test(value) && BigInt(value) >= -(2n ** 63n) && BigInt(value) < 2n ** 63n;
    case 'Float': {
      // Java's float grammar less hex floats; NaN is refused too, as no factor or timeout can be NaN.
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(value)) return false;
      return Math.abs(Number(value.replace(/[fFdD]$/, ''))) <= 3.4028235e38; // beyond: Infinity as a float
    }
  }
}

// Range rules of ConfigurationManagerImpl.validateValueRange, with its texts.
/** The most VM snapshots a VM may have (vmsnapshot.max): its destroy deletes them in one DynamoDB transaction (100 items). */
export const MAX_VM_SNAPSHOTS = 50;

function positive(name: string, value: string): string | undefined {
  return Number(value) > 0 ? undefined : `Please enter a positive value for the configuration parameter: [${name}].`;
}

function aboveZero(name: string, value: string): string | undefined {
  return Number(value.replace(/[fFdD]$/, '')) > 0 ? undefined : `Value for configuration [${name}] should be greater than 0.`;
}

/** NetUtils.verifyInstanceName: the suffix must not break `i-<user>-<vm>-<suffix>` apart. */
function instanceName(value: string): string | undefined {
  return /[-+ ]/.test(value) ? 'The provided value is not a valid instance name (instance names cannot contain hyphens, spaces or plus signs).' : undefined;
}

function oneOf(value: string, options: string): string | undefined {
  return options.split(',').some((o) => o.trim().toLowerCase() === value.toLowerCase())
    ? undefined
    : `The provided value is not a valid value for this configuration (Options are: [${options}]).`;
}

/** listConfigurations `type`: Configuration.ValueType, or the kind of a String setting. */
export function settingWireType(def: SettingDef): string {
  switch (def.type) {
    case 'Boolean':
      return 'Boolean';
    case 'Integer':
    case 'Long':
      return 'Number';
    case 'Float':
      return 'Decimal';
    case 'String':
      return def.kind ?? 'String';
  }
}

/** ConfigurationVO.getDisplayText: the name with dots as spaces, first letter upper-cased. */
export function settingDisplayText(def: SettingDef): string {
  const text = def.name.replace(/\./g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Typed reads of a setting's text. */
export const settingBoolean = (text: string) => text.toLowerCase() === 'true';
export const settingNumber = (text: string) => Number(text);
