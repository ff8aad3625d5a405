import type { Vm, VmSnapshot } from '../../core/entities';
import { csDate } from './format';
import type { Lookups } from './lookups';
import { tagsOf } from './tag';

/**
 * A VM snapshot as CloudStack's VMSnapshotResponse shows it (storage-anchors.md section 3):
 * `parentName` in camelCase, `current` from its VM, `state` Ready once made.
 */
export async function toVmSnapshotResponse(s: VmSnapshot, lookups: Lookups, vm?: Vm) {
  const [owner, zone, domain, parent] = await Promise.all([
    vm ?? lookups.vm(s.vmId),
    lookups.zone(s.zoneId),
    lookups.domain(s.domainId),
    s.parentId ? lookups.vmSnapshot(s.parentId) : undefined,
  ]);
  return {
    id: s.id,
    name: s.name,
    displayname: s.displayName,
    ...(s.description ? { description: s.description } : {}),
    state: s.state,
    type: s.type,
    current: owner?.currentVmSnapshotId === s.id,
    ...(s.parentId ? { parent: s.parentId, parentName: parent?.displayName } : {}),
    created: csDate(s.created),
    virtualmachineid: s.vmId,
    virtualmachinename: owner?.displayName ?? owner?.name,
    zoneid: s.zoneId,
    zonename: zone?.name,
    hypervisor: 'KVM',
    account: s.accountName,
    domainid: s.domainId,
    domain: domain?.name,
    domainpath: domain?.path,
    quiescevm: s.quiesce,
    tags: tagsOf(s, 'VMSnapshot', s.accountName, domain?.name),
  };
}
