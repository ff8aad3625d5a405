import type { Command } from './define-command';

/**
 * Every API command, imported by name (no directory scan, no decorators): grep finds the route.
 * Add one import and one list entry per command; a unit test checks every file in commands/ is here once.
 */
import deployVirtualMachine from './commands/deployVirtualMachine';
import listApis from './commands/listApis';
import listAsyncJobs from './commands/listAsyncJobs';
import listCapabilities from './commands/listCapabilities';
import listClusters from './commands/listClusters';
import listHosts from './commands/listHosts';
import listIpForwardingRules from './commands/listIpForwardingRules';
import listNetworks from './commands/listNetworks';
import listPods from './commands/listPods';
import listPortForwardingRules from './commands/listPortForwardingRules';
import listPublicIpAddresses from './commands/listPublicIpAddresses';
import listServiceOfferings from './commands/listServiceOfferings';
import listTemplates from './commands/listTemplates';
import listVirtualMachines from './commands/listVirtualMachines';
import listZones from './commands/listZones';
import queryAsyncJobResult from './commands/queryAsyncJobResult';

const all: readonly Command[] = [
  deployVirtualMachine,
  listApis,
  listAsyncJobs,
  listCapabilities,
  listClusters,
  listHosts,
  listIpForwardingRules,
  listNetworks,
  listPods,
  listPortForwardingRules,
  listPublicIpAddresses,
  listServiceOfferings,
  listTemplates,
  listVirtualMachines,
  listZones,
  queryAsyncJobResult,
];

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
