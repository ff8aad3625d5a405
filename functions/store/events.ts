import { randomUUID } from 'node:crypto';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CloudEvent, UsageEvent, Vm } from '../../core/entities';
import { InternalError } from '../../core/errors';
import { makesUsage, type NewEvent, type UsageDetails } from '../../core/events';
import { stableId, UUID_PATTERN } from '../../core/ids';
import { accountPartition, expiryOf } from './indexing';
import { SettingsRepository } from './settings';
import { ListingRepository } from './listing';
import { Repository } from './repository';

export type { NewEvent } from '../../core/events';

/** One write of a TransactWriteItems call. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Events (listEvents) and usage records (CloudStack's usage_event): written once, listed per account
 * (gsi2) or all (gsi1), oldest first by creation time. An event of a usage type whose operation
 * completed (core/events.ts `makesUsage`) writes its usage record in the same transaction, so a
 * billed operation always has both or neither. Writing an event never fails the operation it
 * describes: callers may ignore the promise's rejection only where the operation has already
 * committed.
 */
export class EventsRepository extends Repository {
  get = (id: string) => this.getEntity<CloudEvent>('EVENT', id);
  /** An account's events, oldest first. */
  listByAccount = (accountId: string) => this.listing.all<CloudEvent>({ index: 'gsi2', partitions: [accountPartition('EVENT', accountId)] });
  listUsageByAccount = (accountId: string) => this.listing.all<UsageEvent>({ index: 'gsi2', partitions: [accountPartition('USAGE', accountId)] });

  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly listing = new ListingRepository(db, table),
    private readonly settings = new SettingsRepository(db, table),
  ) {
    super(db, table);
  }

  /**
   * Record an event (and its usage record). An `id` derived from the job and step makes a retried
   * step write it once; an id that is not a UUID is turned into one, since clients see it.
   */
  async record(e: NewEvent, now = new Date()): Promise<CloudEvent> {
    const { event, writes } = await this.writes(e, now);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: writes }));
    } catch (err) {
      // The event exists already: a retried step recorded it (and its usage record) before.
      const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if (reasons?.[0]?.Code !== 'ConditionalCheckFailed') throw err;
    }
    return event;
  }

  /**
   * The writes that record an event (its item, and its usage record when it makes one), for a
   * caller that commits them in its own transaction with the change the event describes. Each is
   * conditioned on not existing yet.
   */
  async writes(e: NewEvent, now = new Date()): Promise<{ event: CloudEvent; writes: TransactItem[] }> {
    const { usage, ...fields } = e;
    const id = e.id === undefined ? randomUUID() : UUID_PATTERN.test(e.id) ? e.id : stableId('event', e.id);
    const event: CloudEvent = { ...fields, id, created: e.created ?? now.toISOString() };
    // Kept event.purge.delay days (0: for ever), then DynamoDB's TTL deletes the event and its usage record.
    const expires = expiryOf(event.created, (await this.settings.getNumber('event.purge.delay')) * 86_400);
    const put = (item: Record<string, unknown>): TransactItem => ({
      Put: { TableName: this.table, Item: { ...item, ...(expires === undefined ? {} : { expiresAt: expires }) }, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    // The Puts first (a caller may read their cancellation reasons), the counters they move after.
    const writes = [put(this.listedItem('EVENT', event))];
    const counters: TransactItem[] = this.counterOperations('EVENT', undefined, event, { after: expires });
    if (makesUsage(event)) {
      const details = usage ?? (await this.vmUsage(event));
      if (!details) throw new InternalError(`Event ${event.type} of ${event.resourceType ?? 'no resource'} ${event.resourceId ?? ''} makes a usage record: pass its usage details`);
      const record: UsageEvent = {
        id,
        type: event.type,
        accountId: event.accountId,
        domainId: event.domainId,
        resourceType: event.resourceType ?? 'None',
        resourceId: event.resourceId ?? '',
        ...details,
        created: event.created,
      };
      writes.push(put(this.listedItem('USAGE', record)));
      counters.push(...this.counterOperations('USAGE', undefined, record, { after: expires }));
    }
    return { event, writes: [...writes, ...counters] };
  }

  /** A VM event's usage details, read from the VM: its zone, offering, template and name. */
  private async vmUsage(event: CloudEvent): Promise<UsageDetails | undefined> {
    if (event.resourceType !== 'VirtualMachine' || !event.resourceId) return undefined;
    const vm = await this.getEntity<Vm>('VM', event.resourceId, true);
    return vm && { zoneId: vm.zoneId, offeringId: vm.serviceOfferingId, templateId: vm.templateId, resourceName: vm.name };
  }
}
