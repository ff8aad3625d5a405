import type { Command } from './define-command';

/**
 * Every API command, imported by name (no directory scan, no decorators): grep finds the route.
 * Add one import and one list entry per command; a unit test checks every file in commands/ is here once.
 */
import addCluster from './commands/addCluster';
import deleteBackup from './commands/deleteBackup';
import createBackupSchedule from './commands/createBackupSchedule';
import updateBackupSchedule from './commands/updateBackupSchedule';
import listBackupSchedule from './commands/listBackupSchedule';
import deleteBackupSchedule from './commands/deleteBackupSchedule';
import restoreBackup from './commands/restoreBackup';
import addBackupRepository from './commands/addBackupRepository';
import updateBackupRepository from './commands/updateBackupRepository';
import listBackupRepositories from './commands/listBackupRepositories';
import deleteBackupRepository from './commands/deleteBackupRepository';
import restoreVolumeFromBackupAndAttachToVM from './commands/restoreVolumeFromBackupAndAttachToVM';
import listBackups from './commands/listBackups';
import createBackup from './commands/createBackup';
import updateBackupOffering from './commands/updateBackupOffering';
import removeVirtualMachineFromBackupOffering from './commands/removeVirtualMachineFromBackupOffering';
import listBackupProviders from './commands/listBackupProviders';
import listBackupProviderOfferings from './commands/listBackupProviderOfferings';
import listBackupOfferings from './commands/listBackupOfferings';
import importBackupOffering from './commands/importBackupOffering';
import deleteBackupOffering from './commands/deleteBackupOffering';
import assignVirtualMachineToBackupOffering from './commands/assignVirtualMachineToBackupOffering';
import addHost from './commands/addHost';
import attachVolume from './commands/attachVolume';
import cancelHostMaintenance from './commands/cancelHostMaintenance';
import cancelStorageMaintenance from './commands/cancelStorageMaintenance';
import changeServiceForVirtualMachine from './commands/changeServiceForVirtualMachine';
import createAccount from './commands/createAccount';
import createAffinityGroup from './commands/createAffinityGroup';
import createDiskOffering from './commands/createDiskOffering';
import createDomain from './commands/createDomain';
import createPod from './commands/createPod';
import createServiceOffering from './commands/createServiceOffering';
import createStoragePool from './commands/createStoragePool';
import createTags from './commands/createTags';
import createUser from './commands/createUser';
import createVMSnapshot from './commands/createVMSnapshot';
import createVolume from './commands/createVolume';
import createZone from './commands/createZone';
import deleteAffinityGroup from './commands/deleteAffinityGroup';
import deleteDiskOffering from './commands/deleteDiskOffering';
import deleteHost from './commands/deleteHost';
import deleteServiceOffering from './commands/deleteServiceOffering';
import deleteStoragePool from './commands/deleteStoragePool';
import deleteTags from './commands/deleteTags';
import deleteVMSnapshot from './commands/deleteVMSnapshot';
import deleteVolume from './commands/deleteVolume';
import deployVirtualMachine from './commands/deployVirtualMachine';
import destroyVirtualMachine from './commands/destroyVirtualMachine';
import detachVolume from './commands/detachVolume';
import disableAccount from './commands/disableAccount';
import enableAccount from './commands/enableAccount';
import enableStorageMaintenance from './commands/enableStorageMaintenance';
import expungeVirtualMachine from './commands/expungeVirtualMachine';
import findHostsForMigration from './commands/findHostsForMigration';
import listAccounts from './commands/listAccounts';
import listAffinityGroups from './commands/listAffinityGroups';
import listAffinityGroupTypes from './commands/listAffinityGroupTypes';
import listAlerts from './commands/listAlerts';
import listApis from './commands/listApis';
import listAsyncJobs from './commands/listAsyncJobs';
import listCapabilities from './commands/listCapabilities';
import listCapacity from './commands/listCapacity';
import listClusters from './commands/listClusters';
import listConfigurations from './commands/listConfigurations';
import listDiskOfferings from './commands/listDiskOfferings';
import listDomains from './commands/listDomains';
import listEvents from './commands/listEvents';
import listEventTypes from './commands/listEventTypes';
import listHosts from './commands/listHosts';
import listIpForwardingRules from './commands/listIpForwardingRules';
import listIsos from './commands/listIsos';
import listNetworks from './commands/listNetworks';
import listOsCategories from './commands/listOsCategories';
import listOsTypes from './commands/listOsTypes';
import listPods from './commands/listPods';
import listPortForwardingRules from './commands/listPortForwardingRules';
import listPublicIpAddresses from './commands/listPublicIpAddresses';
import listServiceOfferings from './commands/listServiceOfferings';
import listStoragePools from './commands/listStoragePools';
import listTags from './commands/listTags';
import listTemplates from './commands/listTemplates';
import listUsers from './commands/listUsers';
import listVirtualMachines from './commands/listVirtualMachines';
import listVMSnapshot from './commands/listVMSnapshot';
import listUnmanagedInstances from './commands/listUnmanagedInstances';
import unmanageVirtualMachine from './commands/unmanageVirtualMachine';
import importUnmanagedInstance from './commands/importUnmanagedInstance';
import importVm from './commands/importVm';
import listVolumes from './commands/listVolumes';
import listZones from './commands/listZones';
import migrateVirtualMachine from './commands/migrateVirtualMachine';
import prepareHostForMaintenance from './commands/prepareHostForMaintenance';
import queryAsyncJobResult from './commands/queryAsyncJobResult';
import rebootVirtualMachine from './commands/rebootVirtualMachine';
import recoverVirtualMachine from './commands/recoverVirtualMachine';
import registerUserKeys from './commands/registerUserKeys';
import resizeVolume from './commands/resizeVolume';
import revertToVMSnapshot from './commands/revertToVMSnapshot';
import scaleVirtualMachine from './commands/scaleVirtualMachine';
import startVirtualMachine from './commands/startVirtualMachine';
import stopVirtualMachine from './commands/stopVirtualMachine';
import updateCluster from './commands/updateCluster';
import updateConfiguration from './commands/updateConfiguration';
import updateDiskOffering from './commands/updateDiskOffering';
import updateHost from './commands/updateHost';
import updatePod from './commands/updatePod';
import updateServiceOffering from './commands/updateServiceOffering';
import updateStoragePool from './commands/updateStoragePool';
import updateTemplate from './commands/updateTemplate';
import restoreVirtualMachine from './commands/restoreVirtualMachine';
import detachIso from './commands/detachIso';
import attachIso from './commands/attachIso';
import deleteIso from './commands/deleteIso';
import deleteTemplate from './commands/deleteTemplate';
import updateIso from './commands/updateIso';
import registerIso from './commands/registerIso';
import registerTemplate from './commands/registerTemplate';
import updateVirtualMachine from './commands/updateVirtualMachine';
import updateVMAffinityGroup from './commands/updateVMAffinityGroup';
import updateZone from './commands/updateZone';
import createSSHKeyPair from './commands/createSSHKeyPair';
import updateUser from './commands/updateUser';
import registerSSHKeyPair from './commands/registerSSHKeyPair';
import listSSHKeyPairs from './commands/listSSHKeyPairs';
import deleteSSHKeyPair from './commands/deleteSSHKeyPair';
import resetSSHKeyForVirtualMachine from './commands/resetSSHKeyForVirtualMachine';
import getVirtualMachineUserData from './commands/getVirtualMachineUserData';
import listResourceLimits from './commands/listResourceLimits';
import updateResourceLimit from './commands/updateResourceLimit';
import updateResourceCount from './commands/updateResourceCount';

/** Every command under its API name (the key is the name: a unit test holds them equal). */
const declared = {
  updateUser,
  createSSHKeyPair,
  registerSSHKeyPair,
  listSSHKeyPairs,
  deleteSSHKeyPair,
  resetSSHKeyForVirtualMachine,
  getVirtualMachineUserData,
  listResourceLimits,
  updateResourceLimit,
  updateResourceCount,
  addCluster,
  addHost,
  attachVolume,
  cancelHostMaintenance,
  cancelStorageMaintenance,
  changeServiceForVirtualMachine,
  createAccount,
  createAffinityGroup,
  createDiskOffering,
  createDomain,
  createPod,
  createServiceOffering,
  createStoragePool,
  createTags,
  createUser,
  createVMSnapshot,
  createVolume,
  createZone,
  deleteAffinityGroup,
  deleteDiskOffering,
  deleteHost,
  deleteServiceOffering,
  deleteStoragePool,
  deleteTags,
  deleteVMSnapshot,
  deleteVolume,
  deployVirtualMachine,
  destroyVirtualMachine,
  detachVolume,
  disableAccount,
  enableAccount,
  enableStorageMaintenance,
  expungeVirtualMachine,
  findHostsForMigration,
  listAccounts,
  listAffinityGroups,
  listAffinityGroupTypes,
  listAlerts,
  listApis,
  listAsyncJobs,
  listCapabilities,
  listCapacity,
  listClusters,
  listConfigurations,
  listDiskOfferings,
  listDomains,
  listEvents,
  listEventTypes,
  listHosts,
  listIpForwardingRules,
  listIsos,
  listNetworks,
  listOsCategories,
  listOsTypes,
  listPods,
  listPortForwardingRules,
  listPublicIpAddresses,
  listServiceOfferings,
  listStoragePools,
  listTags,
  listTemplates,
  listUsers,
  listVirtualMachines,
  listVMSnapshot,
  listUnmanagedInstances,
  unmanageVirtualMachine,
  importUnmanagedInstance,
  importVm,
  deleteBackup,
  createBackupSchedule,
  updateBackupSchedule,
  listBackupSchedule,
  deleteBackupSchedule,
  restoreBackup,
  addBackupRepository,
  updateBackupRepository,
  listBackupRepositories,
  deleteBackupRepository,
  restoreVolumeFromBackupAndAttachToVM,
  listBackups,
  createBackup,
  updateBackupOffering,
  removeVirtualMachineFromBackupOffering,
  listBackupProviders,
  listBackupProviderOfferings,
  listBackupOfferings,
  importBackupOffering,
  deleteBackupOffering,
  assignVirtualMachineToBackupOffering,
  listVolumes,
  listZones,
  migrateVirtualMachine,
  prepareHostForMaintenance,
  queryAsyncJobResult,
  rebootVirtualMachine,
  recoverVirtualMachine,
  registerUserKeys,
  resizeVolume,
  revertToVMSnapshot,
  scaleVirtualMachine,
  startVirtualMachine,
  stopVirtualMachine,
  updateCluster,
  updateConfiguration,
  updateDiskOffering,
  updateHost,
  updatePod,
  updateServiceOffering,
  updateStoragePool,
  updateTemplate,
  restoreVirtualMachine,
  detachIso,
  attachIso,
  deleteIso,
  deleteTemplate,
  updateIso,
  registerIso,
  registerTemplate,
  updateVirtualMachine,
  updateVMAffinityGroup,
  updateZone,
};
const all: readonly Command[] = Object.values(declared);

/** A command's API name. The web console calls commands by these, so a renamed or removed one fails its type check. */
export type CommandName = keyof typeof declared;
/** The parameters a command declares: the console's calls are checked against them. */
export type CommandParamName<N extends CommandName> = (typeof declared)[N] extends Command<infer S> ? Extract<keyof S['shape'], string> : never;
/** A command by its API name, typed (for tests that hold the console's calls to the declarations). */
export const declaredCommands: { readonly [N in CommandName]: Command } = declared;

function byName(list: readonly Command[]): ReadonlyMap<string, Command> {
  const map = new Map<string, Command>();
  for (const command of list) {
    const key = command.name.toLowerCase();
    if (map.has(key)) throw new Error(`API command ${command.name} is registered twice`);
    map.set(key, command);
  }
  return map;
}

/** Commands by lower-case API name. */
export const commands: ReadonlyMap<string, Command> = byName(all);

/**
 * The command a request names. ACS matches names case-sensitively; we accept any case, which no
 * client relies on either way and which spares users of the `cloudstack` CLI a confusing 401.
 */
export function findCommand(name: string): Command | undefined {
  return commands.get(name.toLowerCase());
}
