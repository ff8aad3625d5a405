import type { AffinityGroup, Vm } from '../../core/entities';

/**
 * CloudStack's AffinityGroupResponse: `virtualmachineIds` (camelCase, as CloudStack spells it) only
 * when the group has members, as CloudStack leaves the list out when it is empty.
 */
export function toAffinityGroupResponse(g: AffinityGroup, domainName: string | undefined, vmIds: readonly string[]): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    ...(g.description !== undefined ? { description: g.description } : {}),
    type: g.type,
    account: g.accountName,
    domainid: g.domainId,
    domain: domainName,
    domainpath: g.domainPath,
    ...(vmIds.length > 0 ? { virtualmachineIds: [...vmIds] } : {}),
  };
}

/** Whether a VM counts as a member: CloudStack drops a VM's groups when it goes to Error or is expunged. */
export const isMember = (vm: Pick<Vm, 'state'>) => vm.state !== 'Error' && vm.state !== 'Expunging' && vm.state !== 'Expunged';

/** The member VM ids of every group among `vms` (one account's VMs). */
export function membersByGroup(vms: readonly Vm[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const vm of vms) {
    if (!isMember(vm)) continue;
    for (const g of vm.affinityGroupIds ?? []) {
      const list = out.get(g);
      if (list) list.push(vm.id);
      else out.set(g, [vm.id]);
    }
  }
  return out;
}
