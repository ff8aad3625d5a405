import { z } from 'zod';
import type { Cluster, Zone } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { actionEventText, newEvent } from '../../../core/events';
import { checkSettingValue, normalizeSettingValue, settingDef, type SettingDef } from '../../../core/settings';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toConfigurationResponse } from '../../views/configuration';

interface Update {
  def: SettingDef;
  value: string;
  at: { zoneId: string } | { clusterId: string } | Record<string, never>;
  scope?: 'zone' | 'cluster';
}

/**
 * ConfigurationManagerImpl.updateConfiguration's checks, in its order, with its texts: the name,
 * a value, one scope at most, a scope the setting has, then the value's type and range.
 */
function checkUpdate(p: { name: string; value?: string }, zone: Zone | undefined, cluster: Cluster | undefined): Update {
  const def = settingDef(p.name);
  if (!def) throw new InvalidParameterError(`Config parameter with name ${p.name} doesn't exist`);
  if (p.value === undefined) throw new InvalidParameterError(`The new value for the [${p.name}] configuration must be given.`);
  if (zone && cluster) throw new InvalidParameterError('cannot handle multiple IDs, provide only one ID corresponding to the scope');
  const scope = zone ? 'zone' : cluster ? 'cluster' : undefined;
  const value = normalizeSettingValue(def, p.value, scope !== undefined);
  if (scope && !def.scopes.includes(scope)) throw new InvalidParameterError(`Invalid scope id provided for the parameter ${def.name}`);
  const error = checkSettingValue(def, value); // no value is valid only for a String, which never has none
  if (error !== undefined) throw new InvalidParameterError(error);
  const at: Update['at'] = zone ? { zoneId: zone.id } : cluster ? { clusterId: cluster.id } : {};
  return { def, value: value ?? '', at, scope };
}

export default defineCommand({
  name: 'updateConfiguration',
  description: 'Updates a configuration.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'configuration',
  params: z.object({
    name: cs.string().meta({ description: 'the name of the configuration' }),
    value: cs.string(4096).optional().meta({ description: 'the value of the configuration' }),
    zoneid: cs.uuid().optional().meta({ description: 'the ID of the Zone to update the parameter value for corresponding zone' }),
    clusterid: cs.uuid().optional().meta({ description: 'the ID of the Cluster to update the parameter value for corresponding cluster' }),
  }),
  async handle({ params, store, caller, command, now }) {
    // Ids are resolved before the command runs (ParamProcessWorker): an unknown one is a 431 of its own.
    const [zone, cluster] = await Promise.all([
      params.zoneid ? store.inventory.getZone(params.zoneid) : undefined,
      params.clusterid ? store.inventory.getCluster(params.clusterid) : undefined,
    ]);
    if (params.zoneid && !zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (params.clusterid && !cluster) throw new EntityNotFoundError(command, 'clusterid', params.clusterid);
    if (params.name === '') throw new InvalidParameterError('Empty configuration name provided');

    // The event names the setting and the value asked for; secrets are masked, as CloudStack does.
    const secret = ['Hidden', 'Secure'].includes(settingDef(params.name)?.category ?? '');
    const details = ` Name: ${params.name} New Value: ${secret ? '*****' : (params.value ?? '')}`;
    const event = (outcome: 'completed' | 'error') =>
      newEvent({ type: 'CONFIGURATION.VALUE.EDIT', caller, level: outcome === 'completed' ? 'INFO' : 'ERROR', description: actionEventText(outcome, 'updating configuration', details) });

    let update: Update;
    try {
      update = checkUpdate(params, zone, cluster);
    } catch (err) {
      await store.events.record(event('error'), now); // @ActionEvent records refusals too
      throw err;
    }
    // The value and its event in one transaction: a change is never left unrecorded.
    const { writes } = await store.events.writes(event('completed'), now);
    await store.settings.put(update.def.name, update.value, update.at, writes);
    // UpdateCfgCmd answers with the value as it was sent.
    return { kind: 'object', key: 'configuration', value: toConfigurationResponse(update.def, params.value ?? update.value, update.scope) };
  },
});
