import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { newHostRecord } from '../../../core/infrastructure';
import type { Vm } from '../../../core/entities';
import type { Store } from '../../../functions/store';
import { documentClient, tableName } from '../../../functions/store/client';
import { accountPartition, kindCounter } from '../../../functions/store/indexing';
import { nameClaimKey } from '../../../functions/store/keys';
import { DATA_VERSION, migrateData } from '../../../ops/migrate-data';
import { createTable, localClient, localDocumentClient, startStore } from '../helpers/dynamodb-local';

/**
 * The data migration against DynamoDB Local: items written in the shape of the release before the
 * listing mechanism (one unsharded kind partition, no counters, no instance-name items, no task
 * markers) come out listed, counted and polled as today's writes make them; a second run changes
 * nothing.
 */
describe('migrateData', () => {
  let store: Store;
  let local: Awaited<ReturnType<typeof startStore>>;
  beforeAll(async () => {
    local = await startStore('migrate');
    store = local.store;
  });
  afterAll(() => local.stop());

  it('re-indexes old items, writes their counters, instance names and task markers, once', async () => {
    // Prepare: a VM and a task as the previous release stored them
    const db = documentClient();
    const table = tableName();
    const accountId = `account-${randomUUID()}`;
    const created = '2026-06-01T00:00:00.000Z';
    const vm: Vm = {
      id: randomUUID(),
      name: 'old-1',
      displayName: 'Old One',
      instanceName: `i-2-1-OLD-${randomUUID().slice(0, 4)}`,
      accountId,
      userId: 'user-1',
      domainId: 'domain-old',
      domainPath: 'ROOT',
      zoneId: 'zone-1',
      serviceOfferingId: 'o',
      templateId: 't',
      osTypeId: 'os',
      cpuNumber: 1,
      cpuSpeed: 500,
      memory: 512,
      state: 'Running',
      hostId: 'host-old',
      nics: [],
      haEnable: true,
      haRestartPending: true,
      details: {},
      affinityGroupIds: [],
      created,
      lastUpdated: created,
      version: 3,
    };
    await db.send(new PutCommand({ TableName: table, Item: { pk: `VM#${vm.id}`, sk: 'VM', gsi1pk: 'VM', gsi1sk: `${created}#${vm.id}`, gsi2pk: `VM#ACCOUNT#${accountId}`, gsi2sk: `${created}#${vm.id}`, ...vm } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'TASK#host-old', sk: 'TASK#t-1', id: 't-1', hostId: 'host-old', status: 'queued', attempts: 0, deadline: Date.now() + 60_000 } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'SCHEMA', sk: 'DATA', version: 1 } }));

    // Act
    const first = await migrateData(db, table);
    const second = await migrateData(db, table);

    // Assess
    expect(first).toMatchObject({ from: 1, to: DATA_VERSION });
    expect(first.updated).toBeGreaterThanOrEqual(1);
    expect(second).toMatchObject({ from: DATA_VERSION, to: DATA_VERSION, items: 0, updated: 0 });
    expect((await store.vms.listOnHost('host-old')).map((v) => v.id)).toEqual([vm.id]);
    expect(await store.listing.counter(accountPartition('VM', accountId))).toEqual({ n: 1, gone: 0 });
    expect((await store.listing.counter(kindCounter('VM'))).n).toBeGreaterThanOrEqual(1);
    expect((await store.vms.byInstanceNames([vm.instanceName])).map((v) => v.id)).toEqual([vm.id]);
    expect((await store.tasks.mark('host-old')).pending).toBe(1);
    expect(await store.ha.listPendingRestarts()).toEqual([expect.objectContaining({ vmId: vm.id })]);
    const item = (await db.send(new GetCommand({ TableName: table, Key: { pk: `VM#${vm.id}`, sk: 'VM' } }))).Item!;
    expect(item.gsi1pk).toMatch(/^VM#\d\d$/);
    expect(item.text).toBe('old-1\nold one');
  });

  it('gives volumes imported in place (version 8) the claim on their file, and none to volumes Stratus named', async () => {
    // Prepare: a table at version 8 with an imported volume (its file was there before it) and a deployed one
    const db = documentClient();
    const table = tableName();
    const created = '2026-11-01T00:00:00.000Z';
    const base = { type: 'ROOT', state: 'Ready', size: 2 ** 30, accountId: 'a', accountName: 'a', domainId: 'd', domainPath: 'ROOT', zoneId: 'z', poolId: `pool-${randomUUID()}`, provisioningType: 'thin', created, version: 1 };
    const imported = { ...base, id: randomUUID(), name: 'ROOT-1', path: 'legacy.qcow2', vmId: 'vm-imported' };
    const made = { ...base, id: randomUUID(), name: 'ROOT-2', vmId: 'vm-made' };
    for (const v of [imported, { ...made, path: made.id }]) await db.send(new PutCommand({ TableName: table, Item: { pk: `VOLUME#${v.id}`, sk: 'VOLUME', ...v } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'SCHEMA', sk: 'DATA', version: 8 } }));

    // Act
    await migrateData(db, table);

    // Assess
    expect(await store.storage.fileHolder(imported.poolId, 'legacy.qcow2')).toEqual({ volumeId: imported.id, vmId: 'vm-imported' });
    expect(await store.storage.fileHolder(made.poolId, made.id)).toBeUndefined();
  });

  it('lists catalogue items written in name order in creation order, with their scopes and search text', async () => {
    // Prepare: two offerings and a pod as version 5 stored them (gsi1sk by name, a pod's zone on gsi2 by name)
    const db = documentClient();
    const table = tableName();
    const zoneId = `zone-${randomUUID()}`;
    const offering = (name: string, created: string) => ({
      id: randomUUID(), name, displayText: `${name} offering`, cpuNumber: 1, cpuSpeed: 500, memory: 512, offerHa: false, storageType: 'shared', dynamicScalingEnabled: true, created,
    });
    const older = offering('zeta-old', '2026-06-01T00:00:00.000Z');
    const newer = offering('alpha-new', '2026-06-02T00:00:00.000Z');
    for (const o of [older, newer]) await db.send(new PutCommand({ TableName: table, Item: { pk: `OFFERING#${o.id}`, sk: 'OFFERING', gsi1pk: 'OFFERING', gsi1sk: `${o.name}#${o.id}`, ...o } }));
    const pod = { id: randomUUID(), name: 'old-pod', zoneId, gateway: '10.0.0.1', netmask: '255.255.255.0', allocationState: 'Enabled', created: '2026-06-01T00:00:00.000Z' };
    await db.send(new PutCommand({ TableName: table, Item: { pk: `POD#${pod.id}`, sk: 'POD', gsi1pk: 'POD', gsi1sk: `${pod.name}#${pod.id}`, gsi2pk: `POD#ZONE#${zoneId}`, gsi2sk: `${pod.name}#${pod.id}`, ...pod } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'SCHEMA', sk: 'DATA', version: 5 } }));

    // Act
    const report = await migrateData(db, table);

    // Assess
    expect(report).toMatchObject({ from: 5, to: DATA_VERSION });
    const offerings = await store.listing.page<{ id: string }>({ index: 'gsi1', partitions: ['OFFERING'], offset: 0 });
    const ours = offerings.items.map((o) => o.id).filter((id) => id === older.id || id === newer.id);
    expect(ours).toEqual([older.id, newer.id]);
    expect((await store.inventory.listPodsInZone(zoneId)).map((p) => p.id)).toEqual([pod.id]);
    const item = (await db.send(new GetCommand({ TableName: table, Key: { pk: `OFFERING#${newer.id}`, sk: 'OFFERING' } }))).Item!;
    expect([item.gsi1sk, item.text]).toEqual([`${newer.created}#${newer.id}`, 'alpha-new\nalpha-new offering']);
  });

  it('gives a table made before the capacity index the index, and its hosts their free memory as its key', async () => {
    // Prepare: a table with gsi1..gsi4 only, holding a host as version 4 stored it (no gsi5 attributes)
    const table = `before-gsi5-${randomUUID().slice(0, 8)}`;
    const client = localClient(local.endpoint);
    const index = (n: number) => ({ IndexName: `gsi${n}`, KeySchema: [{ AttributeName: `gsi${n}pk`, KeyType: 'HASH' as const }, { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' as const }], Projection: { ProjectionType: 'ALL' as const } });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', ...[1, 2, 3, 4].flatMap((n) => [`gsi${n}pk`, `gsi${n}sk`])].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [1, 2, 3, 4].map(index),
      }),
    );
    const db = localDocumentClient(local.endpoint);
    const where = { zone: { id: 'zone-old' }, pod: { id: 'pod-1' }, cluster: { id: 'cluster-1', hypervisor: 'Simulator' as const } };
    const host = { ...newHostRecord(where, { id: randomUUID(), name: 'old-host' }, new Date()), cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 8192, memoryUsed: 1024 };
    await db.send(new PutCommand({ TableName: table, Item: { pk: `HOST#${host.id}`, sk: 'HOST', ...host } }));
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'SCHEMA', sk: 'DATA', version: 4 } }));

    // Act
    await createTable(local.endpoint, table);
    const report = await migrateData(db, table);

    // Assess
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2', 'gsi3', 'gsi4', 'gsi5']);
    expect(described.Table?.AttributeDefinitions).toContainEqual({ AttributeName: 'gsi5sk', AttributeType: 'N' });
    expect(report).toMatchObject({ from: 4, to: DATA_VERSION });
    const item = (await db.send(new GetCommand({ TableName: table, Key: { pk: `HOST#${host.id}`, sk: 'HOST' } }))).Item!;
    expect(item.gsi5pk).toMatch(/^HOST#ROOM#zone-old#\d\d$/);
    expect(item.gsi5sk).toBe(8192 - 1024);
    // Its cluster's partition (findHostsForMigration) and, made before claims, its name's claim (addHost's duplicate check).
    expect(item.gsi4pk).toBe('HOST#CLUSTER#cluster-1');
    const claim = (await db.send(new GetCommand({ TableName: table, Key: nameClaimKey('HOST', 'zone-old', 'OLD-HOST') }))).Item;
    expect(claim).toMatchObject({ kind: 'HOST', id: host.id, name: 'old-host' });
  });
});
