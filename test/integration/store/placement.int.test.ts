import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Host, Vm } from '../../../core/entities';
import { CapacityRaceError } from '../../../core/errors';
import type { Store } from '../../../functions/store';
import { createTable, startDynamoDbLocal } from '../helpers/dynamodb-local';

/**
 * Capacity reservation against DynamoDB Local: the transaction that reserves a host's capacity with
 * the VM's placement must never overcommit, whatever the concurrency, and both directions are
 * idempotent because workflow steps are retried.
 */
describe('PlacementRepository', () => {
  let engine: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  let store: Store;

  beforeAll(async () => {
    engine = await startDynamoDbLocal();
    await createTable(engine.endpoint, 'placement');
    Object.assign(process.env, { TABLE_NAME: 'placement', DYNAMODB_ENDPOINT: engine.endpoint, AWS_REGION: 'us-east-1' });
    const { createStore } = await import('../../../functions/store');
    store = createStore();
  });
  afterAll(async () => {
    const { documentClient } = await import('../../../functions/store/client');
    documentClient().destroy();
    await engine.stop();
  });

  const now = new Date('2026-01-01T00:00:00Z').toISOString();

  async function aHost(room: { cpuNumber: number; cpuSpeed: number; memoryTotal: number }): Promise<Host> {
    const host: Host = {
      id: randomUUID(),
      name: `host-${randomUUID().slice(0, 8)}`,
      zoneId: 'zone-1',
      podId: 'pod-1',
      clusterId: 'cluster-1',
      hypervisor: 'Simulator',
      state: 'Up',
      resourceState: 'Enabled',
      ipAddress: '192.0.2.10',
      ...room,
      cpuUsed: 0,
      memoryUsed: 0,
      cpuOverprovisioning: 1,
      memoryOverprovisioning: 1,
      hostTags: [],
      created: now,
      version: 1,
    };
    await store.hosts.create(host);
    return host;
  }

  async function aVm(size: { cpuNumber: number; cpuSpeed: number; memory: number }): Promise<Vm> {
    const vm: Vm = {
      id: randomUUID(),
      name: 'vm',
      displayName: 'vm',
      instanceName: 'i-2-1-VM',
      accountId: 'account-1',
      userId: 'user-1',
      domainId: 'domain-1',
      zoneId: 'zone-1',
      serviceOfferingId: 'offering-1',
      templateId: 'template-1',
      ...size,
      state: 'Starting',
      nics: [],
      haEnable: false,
      domainPath: 'ROOT',
      osTypeId: 'os-1',
      details: {},
      affinityGroupIds: [],
      created: now,
      lastUpdated: now,
      version: 1,
    };
    const { documentClient } = await import('../../../functions/store/client');
    await documentClient().send(new TransactWriteCommand({ TransactItems: [store.vms.createOperation(vm)] }));
    return vm;
  }

  it('never overcommits a host when many reservations race for its last room', async () => {
    // Prepare: room for exactly 4 VMs of 1 vCPU x 1000 MHz and 1 GiB; 12 VMs want it.
    const host = await aHost({ cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 });
    const vms = await Promise.all(Array.from({ length: 12 }, () => aVm({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 })));

    // Act
    const outcomes = await Promise.allSettled(vms.map((vm) => store.placement.reserve(vm, host, store.vms)));

    // Assess: four won, every loser lost the race cleanly, and the host's accounting is exact.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    for (const lost of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) expect(lost.reason).toBeInstanceOf(CapacityRaceError);
    const after = await store.hosts.get(host.id, true);
    expect(after).toMatchObject({ cpuUsed: 4000, memoryUsed: 4096 });
    const placed = (await Promise.all(vms.map((vm) => store.vms.get(vm.id, true)))).filter((vm) => vm?.hostId === host.id);
    expect(placed).toHaveLength(4);
  });

  it('counts a repeated reservation of the same VM once', async () => {
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 2, cpuSpeed: 1000, memory: 2048 });

    const first = await store.placement.reserve(vm, host, store.vms);
    const again = await store.placement.reserve(vm, host, store.vms); // the step retried with its original input

    expect([first, again]).toEqual(['reserved', 'already']);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 2000, memoryUsed: 2048 });
  });

  it('gives back exactly what was reserved, once', async () => {
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 2, cpuSpeed: 1000, memory: 2048 });
    await store.placement.reserve(vm, host, store.vms);

    const placed = (await store.vms.get(vm.id, true))!;
    const first = await store.placement.release(placed, store.vms);
    const again = await store.placement.release(placed, store.vms); // a retried compensation with a stale read

    expect([first, again]).toEqual(['released', 'nothing']);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 0, memoryUsed: 0 });
    expect(await store.vms.get(vm.id, true)).toMatchObject({ lastHostId: host.id });
    expect((await store.vms.get(vm.id, true))?.hostId).toBeUndefined();
  });

  it('refuses a host that is not Up, as a lost race the workflow recovers from', async () => {
    const host = await aHost({ cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192 });
    const vm = await aVm({ cpuNumber: 1, cpuSpeed: 1000, memory: 1024 });
    const { documentClient } = await import('../../../functions/store/client');
    const { entityKey } = await import('../../../functions/store/keys');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await documentClient().send(
      new UpdateCommand({ TableName: 'placement', Key: entityKey('HOST', host.id), UpdateExpression: 'SET #s = :down', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':down': 'Down' } }),
    );

    await expect(store.placement.reserve(vm, host, store.vms)).rejects.toBeInstanceOf(CapacityRaceError);
    expect(await store.hosts.get(host.id, true)).toMatchObject({ cpuUsed: 0, memoryUsed: 0 });
  });
});
