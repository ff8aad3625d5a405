import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '../../core/entities';
import { Repository } from './repository';

/**
 * Events (listEvents): written once, listed per account (gsi2) or all (gsi1), newest last by
 * creation time. Writing an event never fails the operation it describes: callers may ignore the
 * promise's rejection only where the operation has already committed.
 */
export type NewEvent = Omit<CloudEvent, 'id' | 'created'> & { id?: string; created?: string };

export class EventsRepository extends Repository {
  get = (id: string) => this.getEntity<CloudEvent>('EVENT', id);
  listAll = () => this.listKind<CloudEvent>('EVENT');
  listByAccount = (accountId: string) => this.listScope<CloudEvent>('EVENT', 'ACCOUNT', accountId);

  /** Record an event; an `id` derived from the job and step makes a retried step write it once. */
  async record(e: NewEvent, now = new Date()): Promise<CloudEvent> {
    const event: CloudEvent = { ...e, id: e.id ?? randomUUID(), created: e.created ?? now.toISOString() };
    await this.putEntity('EVENT', event, { order: event.created, scope: { name: 'ACCOUNT', id: event.accountId } });
    return event;
  }
}
