import type { Caller, Vm } from '../core/entities';
import { newEvent, type EventType } from '../core/events';
import type { Store } from './store';

/**
 * The event of an operation on a VM (listEvents), owned by the VM's account whoever acted (an admin
 * acting on a tenant's VM makes the tenant's event, as CloudStack's ActionEventUtils does). Written
 * after the operation committed: losing it loses a record, never a state change. An `id` derived
 * from a job makes a retried step write it once.
 */
export async function recordVmEvent(
  store: Store,
  e: {
    type: EventType;
    actor: Pick<Caller, 'userId'> & Partial<Caller>;
    vm: Pick<Vm, 'id' | 'name' | 'accountId' | 'domainId' | 'domainPath' | 'zoneId' | 'serviceOfferingId' | 'templateId'>;
    ok: boolean;
    text: string;
    jobId?: string;
    /** the owner's account name when the caller has it (a job acting on its own account's VM) */
    ownerName?: string;
  },
  at = new Date(),
): Promise<void> {
  const ownerName = e.ownerName ?? (await store.inventory.getAccount(e.vm.accountId))?.name ?? '';
  const actor: Caller = { username: '', accountId: '', accountName: '', domainId: '', domainPath: '', role: 'user', ...e.actor };
  await store.events.record(
    newEvent({
      ...(e.jobId ? { id: `${e.jobId}-${e.type}${e.ok ? '' : '-error'}`, jobId: e.jobId } : {}),
      type: e.type,
      caller: actor,
      owner: { accountId: e.vm.accountId, accountName: ownerName, domainId: e.vm.domainId, domainPath: e.vm.domainPath },
      description: e.text,
      level: e.ok ? 'INFO' : 'ERROR',
      resource: { type: 'VirtualMachine', id: e.vm.id, name: e.vm.name },
      // What a usage record needs, from the VM in hand rather than read again.
      usage: { zoneId: e.vm.zoneId, offeringId: e.vm.serviceOfferingId, templateId: e.vm.templateId, resourceName: e.vm.name },
    }),
    at,
  );
}
