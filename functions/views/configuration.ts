import { settingDisplayText, settingWireType, type SettingDef } from '../../core/settings';

/**
 * listConfigurations / updateConfiguration: ConfigurationResponse's fields in its order. `scope`
 * appears only when the request named a zone or a cluster, as ListCfgsByCmd and UpdateCfgCmd set
 * it. Every Stratus setting is read when used, so each is dynamic.
 */
export function toConfigurationResponse(def: SettingDef, value: string, scope?: 'zone' | 'cluster'): Record<string, unknown> {
  return {
    category: def.category,
    name: def.name,
    value,
    defaultvalue: def.defaultValue,
    ...(scope ? { scope } : {}),
    description: def.description,
    isdynamic: true,
    ...(def.parent ? { parent: def.parent } : {}),
    displaytext: settingDisplayText(def),
    type: settingWireType(def),
    ...(def.options ? { options: def.options } : {}),
  };
}
