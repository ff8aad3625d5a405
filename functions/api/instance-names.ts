import { checkHostName, internalName } from '../../core/naming';
import type { Store } from '../store';

/**
 * A new VM's hypervisor name (`i-<user>-<n>-<instance.name>`, or its display name with
 * vm.instancename.flag) and its number (its volumes are ROOT-<n>, DATA-<n>). A number whose name a
 * VM holds already (an imported domain keeps its name, i-2-77-VM from CloudStack say) is passed over.
 */
export async function newInstanceName(store: Store, userNumericId: number, displayName?: string): Promise<{ seq: number; instanceName: string }> {
  const [suffix, displayNameInName] = await Promise.all([store.settings.get('instance.name'), store.settings.getBoolean('vm.instancename.flag')]);
  const nameOf = (seq: number) => internalName(userNumericId, seq, displayNameInName && displayName ? displayName : suffix);
  let seq = await store.inventory.nextSequence('vm');
  for (let tries = 0; tries < 20 && (await store.vms.instanceNamesTaken([nameOf(seq)])).size; tries++) seq = await store.inventory.nextSequence('vm');
  // The display name becomes part of the hypervisor's domain name: it must be a name a host accepts.
  if (displayNameInName && displayName) checkHostName(displayName);
  return { seq, instanceName: nameOf(seq) };
}
