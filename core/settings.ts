/**
 * The global settings Stratus knows, with CloudStack's names, defaults and scopes. A value is
 * stored as text, as CloudStack's configuration table does; a zone-scoped setting may be
 * overridden per zone (updateConfiguration zoneid=...). The store (functions/store/settings.ts)
 * reads an override, else the global value, else the default here.
 */
export type SettingType = 'Boolean' | 'Integer' | 'Float' | 'String';
export type SettingScope = 'global' | 'zone' | 'cluster';

export interface SettingDef {
  name: string;
  category: string;
  type: SettingType;
  defaultValue: string;
  description: string;
  scopes: readonly SettingScope[]; // where it may be set; 'global' always
}

export const SETTINGS: readonly SettingDef[] = [
  { name: 'vm.instancename.flag', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: "Append the guest VM's display name (if set) to its internal instance name", scopes: ['global'] },
  { name: 'instance.name', category: 'Hidden', type: 'String', defaultValue: 'VM', description: 'Name of the deployment instance, the suffix of internal VM names', scopes: ['global'] },
  { name: 'expunge.delay', category: 'Advanced', type: 'Integer', defaultValue: '86400', description: 'Determines how long (in seconds) to wait before actually expunging destroyed VM', scopes: ['global'] },
  { name: 'expunge.interval', category: 'Advanced', type: 'Integer', defaultValue: '86400', description: 'The interval (in seconds) to wait before running the expunge thread', scopes: ['global'] },
  { name: 'allow.user.view.destroyed.vm', category: 'Advanced', type: 'Boolean', defaultValue: 'false', description: 'Determines whether users can view their destroyed or expunging VMs', scopes: ['global'] },
  { name: 'user.vm.blacklisted.details', category: 'Advanced', type: 'String', defaultValue: 'rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, Message.ReservedCapacityFreed.Flag', description: 'Determines whether users can view certain VM settings. When set to empty, default value used is: rootdisksize, cpuOvercommitRatio, memoryOvercommitRatio, Message.ReservedCapacityFreed.Flag.', scopes: ['global'] },
  { name: 'vm.allocation.algorithm', category: 'Advanced', type: 'String', defaultValue: 'random', description: "'random', 'firstfit', 'userdispersing', 'userconcentratedpod_random', 'userconcentratedpod_firstfit', 'firstfitleastconsumed': order in which hosts within a cluster will be considered for VM/volume allocation", scopes: ['global'] },
  { name: 'vm.job.timeout', category: 'Advanced', type: 'Integer', defaultValue: '600', description: 'Time (in seconds) a VM job may stay unfinished before the reconciler settles it', scopes: ['global'] },
  { name: 'vm.stop.graceful.timeout', category: 'Advanced', type: 'Integer', defaultValue: '60', description: 'Time (in seconds) a graceful (ACPI) stop may take before the VM is powered off', scopes: ['global', 'zone'] },
];

const byName = new Map(SETTINGS.map((s) => [s.name, s]));

export const settingDef = (name: string): SettingDef | undefined => byName.get(name);

/** Whether `text` is a valid value for the setting; an error text (CloudStack's) when not. */
export function checkSettingValue(def: SettingDef, text: string): string | undefined {
  switch (def.type) {
    case 'Boolean':
      return /^(true|false)$/i.test(text) ? undefined : `Please enter either 'true' or 'false'.`;
    case 'Integer':
      return /^-?\d+$/.test(text) ? undefined : `There was error in trying to parse value: ${text}. Please enter a valid integer value for parameter ${def.name}`;
    case 'Float':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? undefined : `There was error in trying to parse value: ${text}. Please enter a valid float value for parameter ${def.name}`;
    case 'String':
      return undefined;
  }
}

/** Typed reads of a setting's text. */
export const settingBoolean = (text: string) => text.toLowerCase() === 'true';
export const settingNumber = (text: string) => Number(text);
