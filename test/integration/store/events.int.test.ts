import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller, CloudEvent, Vm } from '../../../core/entities';
import { kindPartitions } from '../../../functions/store/indexing';
import { newEvent } from '../../../core/events';
import { UUID_PATTERN } from '../../../core/ids';
import type { Store } from '../../../functions/store';
import { startStore } from '../helpers/dynamodb-local';

/**
 * EventsRepository against DynamoDB Local: an event is written once however often a step retries,
 * and an event of a usage type whose operation completed writes its usage record with it, with the
 * details a VM event leaves out read from the VM.
 */
describe('EventsRepository', () => {
  let store: Store;

  let local: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    local = await startStore('events');
    store = local.store;
  });
  afterAll(() => local.stop());

  const at = new Date('2026-02-01T10:00:00Z');

  function aCaller(): Caller {
    const id = randomUUID();
    return { userId: `user-${id}`, username: `user-${id}`, accountId: `account-${id}`, accountName: `acct-${id}`, domainId: 'domain-1', domainPath: 'ROOT', role: 'user' };
  }

  async function aVm(caller: Caller): Promise<Vm> {
    const now = at.toISOString();
    const vm: Vm = {
      id: randomUUID(),
      name: 'web-1',
      displayName: 'web-1',
      instanceName: 'i-3-7-VM',
      accountId: caller.accountId,
      userId: caller.userId,
      domainId: caller.domainId,
      domainPath: caller.domainPath,
      zoneId: 'zone-1',
      serviceOfferingId: 'offering-1',
      templateId: 'template-1',
      osTypeId: 'os-1',
      cpuNumber: 1,
      cpuSpeed: 500,
      memory: 512,
      state: 'Running',
      nics: [],
      haEnable: false,
      details: {},
      affinityGroupIds: [],
      created: now,
      lastUpdated: now,
      version: 1,
    };
    const { documentClient } = await import('../../../functions/store/client');
    await documentClient().send(new TransactWriteCommand({ TransactItems: store.vms.createOperations(vm) as never }));
    return vm;
  }

  const vmEvent = (caller: Caller, vm: Vm, type: 'VM.START' | 'VM.EXPUNGE' | 'VM.REBOOT', level: 'INFO' | 'ERROR' = 'INFO', id?: string) =>
    newEvent({ type, caller, description: `${type} of ${vm.name}`, resource: { type: 'VirtualMachine', id: vm.id, name: vm.name }, level, id });

  it('records an event once under a UUID derived from a retried step\'s id', async () => {
    // Prepare
    const caller = aCaller();
    const e = newEvent({ type: 'CONFIGURATION.VALUE.EDIT', caller, description: 'changed', id: 'job-42-completed' });

    // Act: the step runs twice
    const first = await store.events.record(e, at);
    const second = await store.events.record(e, new Date(at.getTime() + 1000));

    // Assess
    expect(first.id).toMatch(UUID_PATTERN);
    expect(second.id).toBe(first.id);
    expect(await store.events.listByAccount(caller.accountId)).toEqual([first]);
  });

  it('writes a VM.START usage record with the VM\'s zone, offering and template', async () => {
    const caller = aCaller();
    const vm = await aVm(caller);

    const event = await store.events.record(vmEvent(caller, vm, 'VM.START'), at);

    expect(await store.events.listUsageByAccount(caller.accountId)).toEqual([
      {
        id: event.id,
        type: 'VM.START',
        accountId: caller.accountId,
        domainId: 'domain-1',
        zoneId: 'zone-1',
        resourceType: 'VirtualMachine',
        resourceId: vm.id,
        resourceName: 'web-1',
        offeringId: 'offering-1',
        templateId: 'template-1',
        created: at.toISOString(),
      },
    ]);
  });

  it('writes a usage record once when a usage event is recorded twice', async () => {
    const caller = aCaller();
    const vm = await aVm(caller);
    const e = vmEvent(caller, vm, 'VM.START', 'INFO', 'job-7-completed');

    await store.events.record(e, at);
    await store.events.record(e, at);

    expect(await store.events.listByAccount(caller.accountId)).toHaveLength(1);
    expect(await store.events.listUsageByAccount(caller.accountId)).toHaveLength(1);
  });

  it.each([
    ['a failed start', 'VM.START', 'ERROR'],
    ['an expunge', 'VM.EXPUNGE', 'INFO'],
    ['a reboot', 'VM.REBOOT', 'INFO'],
  ] as const)('writes no usage record for %s', async (_, type, level) => {
    const caller = aCaller();
    const vm = await aVm(caller);

    await store.events.record(vmEvent(caller, vm, type, level), at);

    expect(await store.events.listByAccount(caller.accountId)).toHaveLength(1);
    expect(await store.events.listUsageByAccount(caller.accountId)).toEqual([]);
  });

  it('takes usage details given with the event over the VM\'s', async () => {
    const caller = aCaller();
    const vm = await aVm(caller);

    await store.events.record({ ...vmEvent(caller, vm, 'VM.START'), type: 'VM.UPGRADE', usage: { zoneId: 'zone-1', offeringId: 'offering-big', templateId: 'template-1' } }, at);

    expect(await store.events.listUsageByAccount(caller.accountId)).toEqual([expect.objectContaining({ type: 'VM.UPGRADE', offeringId: 'offering-big' })]);
  });

  it('refuses a usage event it cannot bill, and writes nothing', async () => {
    const caller = aCaller();
    const e = newEvent({ type: 'VMSNAPSHOT.CREATE', caller, description: 'snapshot', resource: { type: 'None', id: randomUUID() } });

    await expect(store.events.record(e, at)).rejects.toThrow('VMSNAPSHOT.CREATE of None');

    expect(await store.events.listByAccount(caller.accountId)).toEqual([]);
  });

  it('lists events of every account, oldest first', async () => {
    const [a, b] = [aCaller(), aCaller()];
    const later = await store.events.record(newEvent({ type: 'USER.UPDATE', caller: b, description: 'b' }), new Date('2026-03-02T00:00:00Z'));
    const earlier = await store.events.record(newEvent({ type: 'USER.UPDATE', caller: a, description: 'a' }), new Date('2026-03-01T00:00:00Z'));

    const all = (await store.listing.all<CloudEvent>({ index: 'gsi1', partitions: kindPartitions('EVENT') })).filter((e) => e.id === earlier.id || e.id === later.id);

    expect(all.map((e) => e.description)).toEqual(['a', 'b']);
  });
});
