import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { SETTINGS, type SettingDef } from '../../../core/settings';
import type { SettingScopeIds } from '../../store/settings';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { listParams } from '../paging';
import { listOf } from '../listing';
import { toConfigurationResponse } from '../../views/configuration';

/** One setting as listed: its definition and its value where the request asks. */
interface Listed {
  id: string;
  def: SettingDef;
  value: string;
}

export default defineCommand({
  name: 'listConfigurations',
  description: 'Lists all configurations.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'configuration',
  params: z.object({
    name: cs.string().optional().meta({ description: 'lists configuration by name' }),
    category: cs.string().optional().meta({ description: 'lists configurations by category' }),
    zoneid: cs.uuid().optional().meta({ description: 'the ID of the Zone to update the parameter value for corresponding zone' }),
    clusterid: cs.uuid().optional().meta({ description: 'the ID of the Cluster to update the parameter value for corresponding cluster' }),
    parent: cs.string().optional().meta({ description: 'lists configuration by parent name (primarily used for UI)', since: '4.18.0' }),
    ...listParams,
  }),
  async handle({ params, store, command }) {
    // ConfigurationListingServiceImpl.searchForConfigurations, in its order.
    const [zone, cluster] = await Promise.all([
      params.zoneid ? store.inventory.getZone(params.zoneid) : undefined,
      params.clusterid ? store.inventory.getCluster(params.clusterid) : undefined,
    ]);
    if (params.zoneid && !zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (params.clusterid && !cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    if (zone && cluster) throw new InvalidParameterError('cannot handle multiple IDs, provide only one ID corresponding to the scope');
    const scope = zone ? 'zone' : cluster ? 'cluster' : undefined;
    // A cluster's value falls back to its zone's override, then to the global value.
    const at: SettingScopeIds = zone ? { zoneId: zone.id } : cluster ? { clusterId: cluster.id, zoneId: cluster.zoneId } : {};

    const name = params.name?.toLowerCase();
    const defs = SETTINGS.filter(
      (def) =>
        def.category !== 'Hidden' && // hidden configurations are not displayed, as in CloudStack
        (name === undefined || def.name.toLowerCase().includes(name)) && // SQL LIKE %name%
        (params.category === undefined || def.category.toLowerCase() === params.category.toLowerCase()) &&
        (params.parent === undefined || def.parent === params.parent) &&
        (scope === undefined || def.scopes.includes(scope)),
    ).sort((a, b) => a.name.localeCompare(b.name));
    const listed: Listed[] = await Promise.all(defs.map(async (def) => ({ id: def.name, def, value: await store.settings.get(def.name, at) })));
    return listOf(
      'configuration',
      listed,
      { keyword: params.keyword, page: params.page, pagesize: params.pagesize },
      (s) => [s.def.name, s.def.description, s.def.category, s.value],
      (s) => toConfigurationResponse(s.def, s.value, scope),
    );
  },
});
