import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudEvent, Vm } from '../../../core/entities';
import { newEvent } from '../../../core/events';
import type { Store } from '../../../functions/store';
import { documentClient } from '../../../functions/store/client';
import { accountPartition, domainPartition, kindPartitions, vmHostPartition } from '../../../functions/store/indexing';
import { Conditions } from '../../../functions/store/listing';
import { startStore } from '../helpers/dynamodb-local';

/**
 * The listing mechanism against DynamoDB Local: pages of merged shards in creation order, offsets
 * walked by keys, totals from counters that follow creates, destroys, recovers and expunges, and
 * filters counted server-side.
 */
describe('ListingRepository', () => {
  let store: Store;
  let local: Awaited<ReturnType<typeof startStore>>;
  const account = `account-${randomUUID()}`;
  const other = `account-${randomUUID()}`;
  const domain = `domain-${randomUUID()}`;
  const vms: Vm[] = [];

  const aVm = (i: number, accountId: string): Vm => {
    const created = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    return {
      id: randomUUID(),
      name: `web-${i}`,
      displayName: i % 2 ? `Odd ${i}` : `Even ${i}`,
      instanceName: `i-2-${i}-VM-${randomUUID().slice(0, 4)}`,
      accountId,
      userId: 'user-1',
      domainId: domain,
      domainPath: 'ROOT/listing',
      zoneId: 'zone-1',
      serviceOfferingId: 'offering-1',
      templateId: 'template-1',
      osTypeId: 'os-1',
      cpuNumber: 1,
      cpuSpeed: 500,
      memory: 512,
      state: i % 3 === 0 ? 'Running' : 'Stopped',
      hostId: i % 3 === 0 ? 'host-a' : undefined,
      nics: [],
      haEnable: false,
      details: {},
      affinityGroupIds: [],
      created,
      lastUpdated: created,
      version: 1,
    };
  };

  beforeAll(async () => {
    local = await startStore('listing');
    store = local.store;
    for (let i = 0; i < 45; i++) {
      const vm = aVm(i, i < 40 ? account : other);
      vms.push(vm);
      await documentClient().send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(vm) as never }));
    }
  });
  afterAll(() => local.stop());

  const mine = () => vms.filter((v) => v.accountId === account);
  const names = (items: Vm[]) => items.map((v) => v.name);

  it('pages an account in creation order, counting from the counters', async () => {
    // Act
    const first = await store.listing.page<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account)], offset: 0, limit: 7, countFrom: (c) => c.n });
    const third = await store.listing.page<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account)], offset: 14, limit: 7, countFrom: (c) => c.n });
    const last = await store.listing.page<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account)], offset: 35, limit: 7, countFrom: (c) => c.n });

    // Assess
    expect(names(first.items)).toEqual(names(mine().slice(0, 7)));
    expect(names(third.items)).toEqual(names(mine().slice(14, 21)));
    expect(names(last.items)).toEqual(names(mine().slice(35)));
    expect([first.count, third.count, last.count]).toEqual([40, 40, 40]);
  });

  it('merges the kind shards and a domain in one order, and pages past the first by keys', async () => {
    // Act
    const everything = await store.listing.all<Vm>({ index: 'gsi1', partitions: kindPartitions('VM') });
    const page = await store.listing.page<Vm>({ index: 'gsi3', partitions: [domainPartition('VM', domain)], offset: 40, limit: 10, countFrom: (c) => c.n });

    // Assess
    const ours = everything.filter((v) => v.domainId === domain);
    expect(names(ours)).toEqual(names(vms));
    expect(names(page.items)).toEqual(names(vms.slice(40)));
    expect(page.count).toBe(45);
  });

  it('filters server-side and counts the filtered total, newest first when asked', async () => {
    // Prepare
    const where = new Conditions().eq('state', 'Running').contains('text', 'odd');

    // Act
    const page = await store.listing.page<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account)], descending: true, filter: where.build(), offset: 1, limit: 3 });

    // Assess
    const expected = mine()
      .filter((v) => v.state === 'Running' && v.displayName.startsWith('Odd'))
      .reverse();
    expect(names(page.items)).toEqual(names(expected.slice(1, 4)));
    expect(page.count).toBe(expected.length);
  });

  it('keeps the by-host index and the counters through destroy, recover and expunge', async () => {
    // Prepare
    const vm = mine()[3]; // Running on host-a
    const onHost = async () => names(await store.vms.listOnHost('host-a'));
    const counter = () => store.listing.counter(accountPartition('VM', account));
    expect(await onHost()).toContain(vm.name);

    // Act: released from its host, destroyed, recovered, destroyed again, expunged
    await store.vms.update(vm, { state: 'Stopped' }, ['hostId']);
    const stopped = (await store.vms.get(vm.id, true))!;
    await store.vms.update(stopped, { state: 'Destroyed' });
    const destroyed = (await store.vms.get(vm.id, true))!;
    const whileDestroyed = await counter();
    await store.vms.update(destroyed, { state: 'Stopped' });
    const recovered = (await store.vms.get(vm.id, true))!;
    const afterRecover = await counter();
    await store.vms.update(recovered, { state: 'Destroyed' });
    await store.vms.update((await store.vms.get(vm.id, true))!, { state: 'Expunging' });
    await store.vms.update((await store.vms.get(vm.id, true))!, { state: 'Expunged' });

    // Assess
    expect(await onHost()).not.toContain(vm.name);
    expect(whileDestroyed).toEqual({ n: 40, gone: 1 });
    expect(afterRecover).toEqual({ n: 40, gone: 0 });
    expect(await counter()).toEqual({ n: 39, gone: 0 });
    const listed = await store.listing.all<Vm>({ index: 'gsi2', partitions: [accountPartition('VM', account)] });
    expect(listed.map((v) => v.id)).not.toContain(vm.id);
    expect(listed).toHaveLength(39);
  });

  it('finds one item by id with the scope as a condition, and nothing outside it', async () => {
    // Prepare
    const theirs = vms.find((v) => v.accountId === other)!;

    // Act
    const seen = await store.listing.page<Vm>({ kind: 'VM', partitions: [theirs.id], filter: new Conditions().in('accountId', [other]).build(), offset: 0, limit: 20 });
    const hidden = await store.listing.page<Vm>({ kind: 'VM', partitions: [theirs.id], filter: new Conditions().in('accountId', [account]).build(), offset: 0, limit: 20 });

    // Assess
    expect(seen).toEqual({ items: [expect.objectContaining({ id: theirs.id })], count: 1 });
    expect(hidden).toEqual({ items: [], count: 0 });
  });

  it('ranges events by their creation time and counts them', async () => {
    // Prepare
    const caller = { userId: 'u', username: 'u', accountId: `account-${randomUUID()}`, accountName: 'events', domainId: domain, domainPath: 'ROOT/listing', role: 'user' as const };
    for (let day = 1; day <= 5; day++) {
      await store.events.record(newEvent({ type: 'USER.UPDATE', caller, description: `day ${day}` }), new Date(Date.UTC(2026, 2, day, 12)));
    }

    // Act
    const page = await store.listing.page<CloudEvent>({
      index: 'gsi2',
      partitions: [accountPartition('EVENT', caller.accountId)],
      descending: true,
      from: new Date(Date.UTC(2026, 2, 2)).toISOString(),
      to: new Date(Date.UTC(2026, 2, 4, 23, 59, 59, 999)).toISOString(),
      offset: 0,
      limit: 20,
    });
    const all = await store.listing.count({ index: 'gsi2', partitions: [accountPartition('EVENT', caller.accountId)], offset: 0, countFrom: (c) => c.n });

    // Assess
    expect(page.items.map((e) => e.description)).toEqual(['day 4', 'day 3', 'day 2']);
    expect(page.count).toBe(3);
    expect(all).toBe(5);
  });

  it('lists nothing for a host that holds nothing', async () => {
    expect(await store.listing.all<Vm>({ index: 'gsi4', partitions: [vmHostPartition('host-none')] })).toEqual([]);
  });

  it('keeps events event.purge.delay days: older ones are neither listed nor counted (TTL deletes them later)', async () => {
    // Prepare: three events of one account, one of them 20 days old (the default delay is 15 days)
    const caller = { userId: 'u', username: 'u', accountId: `account-${randomUUID()}`, accountName: 'old', domainId: domain, domainPath: 'ROOT/listing', role: 'user' as const };
    const now = new Date();
    for (const daysAgo of [20, 2, 1]) await store.events.record(newEvent({ type: 'USER.UPDATE', caller, description: `${daysAgo} days ago` }), new Date(now.getTime() - daysAgo * 86_400_000));
    const spec = { index: 'gsi2' as const, partitions: [accountPartition('EVENT', caller.accountId)], descending: true, liveAt: now, offset: 0, limit: 20 };

    // Act
    const page = await store.listing.page<CloudEvent>({ ...spec, countFrom: (c) => c.n });
    const counted = await store.listing.page<CloudEvent>({ ...spec, filter: new Conditions().eq('type', 'USER.UPDATE').build() });
    const everything = await store.listing.all<CloudEvent>({ index: 'gsi2', partitions: [accountPartition('EVENT', caller.accountId)] });

    // Assess
    expect(page.items.map((e) => e.description)).toEqual(['1 days ago', '2 days ago']);
    expect(page.count).toBe(2);
    expect(counted.count).toBe(2);
    expect(everything).toHaveLength(3); // still stored until TTL's sweep
  });

  it('keeps a finished job job.expire.minutes after it completed, then it is gone', async () => {
    // Prepare: a pending job of a new account, completed a day and a half ago (the default is 1,440 minutes)
    const accountId = `account-${randomUUID()}`;
    const created = new Date(Date.now() - 36 * 3_600_000);
    const job = { id: randomUUID(), cmd: 'test', workflow: 'none', accountId, accountName: 'a', userId: 'u', domainId: domain, domainPath: 'ROOT/listing', status: 0 as const, resultCode: 0, steps: [], created: created.toISOString(), version: 1 };
    await store.jobs.createWith(job, []);
    const counter = () => store.listing.counter(accountPartition('JOB', accountId), new Date());
    const pending = await counter();

    // Act
    await store.jobs.complete(job.id, { status: 1, result: {}, created: job.created }, undefined, store.vms, created);

    // Assess
    expect(pending).toEqual({ n: 1, gone: 0 });
    expect(await counter()).toEqual({ n: 0, gone: 0 });
    expect(await store.jobs.get(job.id, true)).toBeUndefined();
  });
});
