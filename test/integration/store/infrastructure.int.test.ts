import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Host, Zone } from '../../../core/entities';
import { ConcurrentOperationError } from '../../../core/errors';
import { newHostRecord } from '../../../core/infrastructure';
import type { Store } from '../../../functions/store';
import { NameTakenError } from '../../../functions/store/name-taken';
import { startStore } from '../helpers/dynamodb-local';

/**
 * The administrator's infrastructure writes against DynamoDB Local: names stay unique under
 * concurrency, host updates never lose a capacity change made between their read and their write,
 * and a host is deleted only while nothing holds capacity on it.
 */
describe('InfrastructureRepository', () => {
  const TABLE = 'infrastructure';
  let store: Store;

  let local: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    local = await startStore(TABLE);
    store = local.store;
  });
  afterAll(() => local.stop());

  const now = new Date('2026-01-01T00:00:00Z');
  const where = { zone: { id: 'zone-1' }, pod: { id: 'pod-1' }, cluster: { id: 'cluster-1', hypervisor: 'Simulator' as const } };

  async function anUpHost(resourceState: Host['resourceState'] = 'Enabled'): Promise<Host> {
    const record = { ...newHostRecord(where, { id: randomUUID(), name: `host-${randomUUID().slice(0, 8)}` }, now), state: 'Up' as const, cpuNumber: 8, cpuSpeed: 1000, memoryTotal: 8192, resourceState };
    expect(await store.infrastructure.createHost(record)).toBe('created');
    return record;
  }

  /** What placement.ts does to a host when it reserves capacity: an update expression, no version change. */
  async function reserveOn(host: Host, cpu: number, memory: number): Promise<void> {
    const { documentClient } = await import('../../../functions/store/client');
    const { entityKey } = await import('../../../functions/store/keys');
    await documentClient().send(
      new UpdateCommand({
        TableName: TABLE,
        Key: entityKey('HOST', host.id),
        UpdateExpression: 'SET cpuUsed = cpuUsed + :cpu, memoryUsed = memoryUsed + :mem',
        ExpressionAttributeValues: { ':cpu': cpu, ':mem': memory },
      }),
    );
  }

  it('keeps a reservation made between the read and the write of an update', async () => {
    // Prepare: the administrator reads the host, then a deploy reserves capacity on it.
    const read = await anUpHost();
    await reserveOn(read, 2000, 2048);

    // Act: the update is computed from the stale read.
    const updated = await store.infrastructure.updateHost(read, { resourceState: 'Disabled', hostTags: ['fast'] });

    // Assess: the admin's fields changed, the reservation is intact, the version moved on.
    expect(updated).toMatchObject({ resourceState: 'Disabled', hostTags: ['fast'], cpuUsed: 2000, memoryUsed: 2048, version: read.version + 1 });
    expect(await store.hosts.get(read.id, true)).toMatchObject({ cpuUsed: 2000, memoryUsed: 2048, resourceState: 'Disabled' });
  });

  it('refuses an update from a read older than another update, and removes a cleared preference', async () => {
    const read = await anUpHost();
    const first = await store.infrastructure.updateHost(read, { osCategoryPreference: 'cat-1', annotation: 'rack 4' });

    await expect(store.infrastructure.updateHost(read, { hostTags: ['late'] })).rejects.toBeInstanceOf(ConcurrentOperationError);
    const cleared = await store.infrastructure.updateHost(first, { osCategoryPreference: null });

    expect(cleared.osCategoryPreference).toBeUndefined();
    expect(cleared).toMatchObject({ annotation: 'rack 4', hostTags: [], version: read.version + 2 });
  });

  it('deletes a host only while nothing holds capacity on it, and only in Maintenance unless forced', async () => {
    const enabled = await anUpHost();
    const inMaintenance = await anUpHost('Maintenance');
    const busy = await anUpHost('Maintenance');
    await reserveOn(busy, 1000, 1024);

    expect(await store.infrastructure.deleteHost(enabled, { forced: false })).toBe('notInMaintenance');
    expect(await store.infrastructure.deleteHost(busy, { forced: true })).toBe('inUse');
    expect(await store.infrastructure.deleteHost(inMaintenance, { forced: false })).toBe('deleted');
    expect(await store.infrastructure.deleteHost(enabled, { forced: true })).toBe('deleted');

    expect(await store.hosts.get(enabled.id, true)).toBeUndefined();
    expect(await store.hosts.get(inMaintenance.id, true)).toBeUndefined();
    expect(await store.hosts.get(busy.id, true)).toMatchObject({ cpuUsed: 1000 });
  });

  it('frees a deleted host name for a new host', async () => {
    const first = await anUpHost();
    expect(await store.infrastructure.deleteHost(first, { forced: true })).toBe('deleted');
    const again = newHostRecord(where, { id: randomUUID(), name: first.name }, now);
    expect(await store.infrastructure.createHost(again)).toBe('created');
  });

  it('lets exactly one of many concurrent creates take a zone name, whatever its case', async () => {
    const zones: Zone[] = ['Edge-1', 'edge-1', 'EDGE-1', 'edge-1', 'Edge-1'].map((name) => ({
      id: randomUUID(),
      name,
      networkType: 'Advanced',
      allocationState: 'Disabled',
      created: now.toISOString(),
    }));

    const outcomes = await Promise.allSettled(zones.map((z) => store.infrastructure.createZone(z)));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const lost of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) expect(lost.reason).toBeInstanceOf(NameTakenError);
  });

  it('moves a name claim on rename, so the old name is free and the new one taken', async () => {
    const zone: Zone = { id: randomUUID(), name: 'north', networkType: 'Advanced', allocationState: 'Disabled', created: now.toISOString() };
    const other: Zone = { ...zone, id: randomUUID(), name: 'south' };
    await store.infrastructure.createZone(zone);
    await store.infrastructure.createZone(other);

    await expect(store.infrastructure.updateZone(zone, { name: 'SOUTH' })).rejects.toBeInstanceOf(NameTakenError);
    const renamed = await store.infrastructure.updateZone(zone, { name: 'north-1', allocationState: 'Enabled' });
    await store.infrastructure.createZone({ ...zone, id: randomUUID(), name: 'north' });

    expect(renamed).toMatchObject({ name: 'north-1', allocationState: 'Enabled' });
    expect(await store.inventory.getZone(zone.id)).toMatchObject({ name: 'north-1', allocationState: 'Enabled' });
    expect((await store.inventory.listZones()).map((z) => z.name)).toEqual(expect.arrayContaining(['north', 'north-1', 'south']));
  });
});
