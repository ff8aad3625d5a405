import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AsyncJob, CloudEvent, Host, Vm } from '../core/entities';
import { createStore } from '../functions/store';
import { documentClient } from '../functions/store/client';
import { counterBucket, counterDeltas, counterPartition, expiryOf, storedItem, type ListedKind } from '../functions/store/indexing';
import { instanceNameKey, strip } from '../functions/store/keys';
import { CloudStackClient } from '../local/cloudstack-client';
import type { LocalStack } from '../local/stack';

/**
 * A large inventory for the benches, fast: three accounts each deploy one real VM through the API,
 * and the Grower clones those items (VMs with their jobs, hosts, events) in the stored shape that
 * functions/store/indexing.ts builds, with the list counters they move (BatchWriteItem, not API
 * calls). bench/scale.ts and bench/console.ts grow their clouds with it.
 */
export const ACCOUNTS = 3;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the bench works with: three accounts with their users' keys, and one real item of each kind to clone. */
export interface World {
  accounts: Array<{ id: string; name: string; domainId: string; client: CloudStackClient; vm: Vm; job: AsyncJob; event: CloudEvent }>;
  host: Host;
  zoneId: string;
  offeringId: string;
  templateId: string;
}

export async function prepare(stack: LocalStack, admin: CloudStackClient): Promise<World> {
  const store = createStore();
  const offering = ((await admin.ok('listServiceOfferings', { name: 'Small Instance' })).serviceoffering as Obj[])[0];
  const template = ((await admin.ok('listTemplates', { templatefilter: 'featured' })).template as Obj[])[0];
  const zoneId = stack.seed.zone.id;
  const domainId = stack.seed.admin.caller.domainId;
  const accounts: World['accounts'] = [];
  for (let i = 1; i <= ACCOUNTS; i++) {
    const name = `scale-${i}`;
    const created = await admin.ok('createAccount', { accounttype: 0, username: name, password: 'Scale-bench-1', email: `${name}@example.com`, firstname: 'Scale', lastname: `${i}`, account: name, domainid: domainId });
    const account = created.account as Obj;
    const userId = (account.user as Obj[])[0].id;
    const keys = (await admin.ok('registerUserKeys', { id: userId })).userkeys as { apikey: string; secretkey: string };
    const client = new CloudStackClient(stack.apiUrl, keys.apikey, keys.secretkey);
    const deployed = await client.ok('deployVirtualMachine', { serviceofferingid: offering.id, templateid: template.id, zoneid: zoneId, name: `${name}-seed` });
    await waitForJob(client, deployed.jobid as string);
    const vm = (await store.vms.get(deployed.id as string, true))!;
    const job = (await store.jobs.get(deployed.jobid as string, true))!;
    const event = (((await client.ok('listEvents', { page: 1, pagesize: 1 })).event as Obj[]) ?? [])[0];
    const stored = strip<CloudEvent>((await documentClient().send(new GetCommand({ TableName: 'stratus', Key: { pk: `EVENT#${event.id}`, sk: 'EVENT' } }))).Item ?? {});
    accounts.push({ id: account.id, name, domainId: account.domainid, client, vm, job, event: stored });
  }
  const host = (await store.hosts.get(stack.hosts[0].hostId, true))!;
  return { accounts, host, zoneId, offeringId: offering.id, templateId: template.id };
}

/** Grows the inventory by cloning the world's items, in the stored shape, with the counters they move. */
export class Grower {
  private have = { vms: 0, hosts: 0, events: 0 };
  private hostIds: string[] = [];
  // Two days back: the grown events (100 ms apart) and VMs (1 s apart) are all in the past and within
  // event.purge.delay; jobs completed now are kept job.expire.minutes from now, as real writes keep them.
  private readonly base = Date.now() - 2 * 86_400_000;
  readonly sampleVmIds: string[][] = [[], [], []];

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly world: World,
  ) {}

  async growTo(step: { vms: number; hosts: number; events: number }, log: (m: string) => void): Promise<void> {
    const counters = new Map<string, { partition: string; expires?: number; n: number; gone: number }>();
    const tally = (kind: ListedKind, entity: never, expires?: number) => {
      for (const d of counterDeltas(kind, undefined, entity, { after: expires })) {
        const key = `${d.partition}\u0000${counterBucket(d.expires)}`;
        const c = counters.get(key) ?? { partition: d.partition, expires: d.expires, n: 0, gone: 0 };
        c.n += d.n;
        c.gone += d.gone;
        counters.set(key, c);
      }
    };
    const jobExpires = expiryOf(new Date().toISOString(), 1440 * 60);
    const items: Array<Record<string, unknown>> = [];
    const flush = async (force = false) => {
      if (items.length >= 2500 || (force && items.length)) await this.write(items.splice(0));
    };
    const h = this.world.host;
    for (; this.have.hosts < step.hosts; this.have.hosts++) {
      const i = this.have.hosts;
      // Up, full and heartbeat-fresh: placement rules them out, the HA monitor has nothing to judge.
      const host: Host = {
        ...h,
        id: randomUUID(),
        name: `scale-host-${i}`,
        created: new Date(this.base + i).toISOString(),
        lastHeartbeat: new Date(Date.now() + 86_400_000).toISOString(),
        cpuUsed: h.cpuNumber * h.cpuSpeed * 4,
        memoryUsed: h.memoryTotal * 4,
        vmCount: 10,
        haDomains: [],
        powerStates: {},
          version: 1,
      };
      delete (host as Partial<Host>).previousHeartbeat;
      delete (host as Partial<Host>).antiAffinityGroupIds; // as a host without any is stored (no empty sets in DynamoDB)
      this.hostIds.push(host.id);
      items.push(storedItem('HOST', host));
      tally('HOST', host as never);
      await flush();
    }
    for (; this.have.vms < step.vms; this.have.vms++) {
      const i = this.have.vms;
      const a = this.world.accounts[i % ACCOUNTS];
      const created = new Date(this.base + 1000 * i).toISOString();
      const vm: Vm = { ...a.vm, id: randomUUID(), name: `scale-vm-${i}`, displayName: `scale-vm-${i}`, instanceName: `i-9-${i}-SCALE`, created, lastUpdated: created, hostId: this.hostIds[i % this.hostIds.length], state: 'Running', version: 1 };
      delete (vm as Partial<Vm>).activeJobId;
      const job: AsyncJob = { ...a.job, id: randomUUID(), instanceId: vm.id, created, completed: created };
      items.push(storedItem('VM', vm), { ...instanceNameKey(vm.instanceName), vmId: vm.id }, { ...storedItem('JOB', job), expiresAt: jobExpires });
      tally('VM', vm as never);
      tally('JOB', job as never, jobExpires);
      if (this.sampleVmIds[i % ACCOUNTS].length < 200) this.sampleVmIds[i % ACCOUNTS].push(vm.id);
      await flush();
    }
    for (; this.have.events < step.events; this.have.events++) {
      const i = this.have.events;
      const a = this.world.accounts[i % ACCOUNTS];
      const event: CloudEvent = { ...a.event, id: randomUUID(), created: new Date(this.base + 100 * i).toISOString(), description: `scale event ${i}` };
      const expires = expiryOf(event.created, 15 * 86_400); // event.purge.delay's default
      items.push({ ...storedItem('EVENT', event), expiresAt: expires });
      tally('EVENT', event as never, expires);
      if (i % 100_000 === 0 && i > 0) log(`  ${i} events written`);
      await flush();
    }
    await flush(true);
    // The counters the grown items moved, added where the store keeps them.
    await Promise.all(
      [...counters.values()].map((c) =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: counterPartition(c.partition), sk: `${counterBucket(c.expires)}#00` },
            UpdateExpression: `ADD n :n, gone :g${c.expires === undefined ? '' : ' SET expiresAt = :e'}`,
            ExpressionAttributeValues: { ':n': c.n, ':g': c.gone, ...(c.expires === undefined ? {} : { ':e': c.expires }) },
          }),
        ),
      ),
    );
  }

  /** BatchWriteItem, 25 items a call, 8 calls at a time, unprocessed items retried. */
  private async write(items: Array<Record<string, unknown>>): Promise<void> {
    const batches: Array<Array<Record<string, unknown>>> = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(
        batches.slice(i, i + 8).map(async (batch) => {
          let requests = batch.map((Item) => ({ PutRequest: { Item } }));
          for (let attempt = 0; requests.length; attempt++) {
            const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
            requests = (out.UnprocessedItems?.[this.table] ?? []) as typeof requests;
            if (requests.length) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          }
        }),
      );
    }
  }
}

export async function waitForJob(client: CloudStackClient, jobid: string): Promise<Obj> {
  for (;;) {
    const r = await client.ok('queryAsyncJobResult', { jobid });
    if (r.jobstatus !== 0) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

