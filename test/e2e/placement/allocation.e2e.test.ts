import { randomUUID } from 'node:crypto';
import type { CloudStackClient } from '../../../local/cloudstack-client';
import { createStore } from '../../../functions/store';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The allocator through the whole stack: three small simulated hosts (4 x 1 GHz, 4 GiB: eight Small
 * Instances each), deploys through signed HTTP, and the settings and host attributes an
 * administrator changes through the API. The tests run in order and share the hosts' load; each
 * states the load it starts from.
 */
describe('host allocation end to end', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;
  let hostId: Record<string, string>; // name -> id
  let offering: Record<'small' | 'large', string>;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 3, simHost: { cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 } });
    cat = await catalogue(env.admin);
    tenant = await createTenant(env, 'alloc');
    hostId = Object.fromEntries(((await env.admin.ok('listHosts')).host as Obj[]).map((h) => [h.name, h.id]));
    offering = { small: cat.offerings.find((o) => o.name === 'Small Instance')!.id, large: cat.offerings.find((o) => o.name === 'Large Instance')!.id };
  });
  afterAll(() => env.stop());

  const setting = (name: string, value: string, at: Record<string, string> = {}) => env.admin.ok('updateConfiguration', { name, value, ...at });

  /** Deploy and wait; the job as the root admin sees it (full error texts) and where the VM runs. */
  async function deploy(params: Record<string, string> = {}, as: CloudStackClient = env.admin): Promise<{ job: Obj; host?: string }> {
    const submit = await as.ok('deployVirtualMachine', { serviceofferingid: offering.small, templateid: cat.templateid, zoneid: cat.zoneid, ...params });
    const job = await env.admin.waitForJob(submit.jobid as string);
    const vm = (job.jobresult as Obj).virtualmachine as Obj | undefined;
    return { job, host: vm?.hostname };
  }
  const deployMany = async (n: number, params: Record<string, string> = {}) => {
    const hosts: Array<string | undefined> = [];
    for (let i = 0; i < n; i++) hosts.push((await deploy(params)).host);
    return hosts;
  };

  it('fills one host before the next when vm.allocation.algorithm is firstfit (vertical)', async () => {
    // All hosts empty.
    await setting('vm.allocation.algorithm', 'firstfit');
    expect(await deployMany(3)).toEqual(['simhost-1', 'simhost-1', 'simhost-1']);
  });

  it('takes the least used host in turn when it is firstfitleastconsumed (horizontal)', async () => {
    // simhost-1 holds 3 Small, the others none.
    await setting('vm.allocation.algorithm', 'firstfitleastconsumed');
    expect(await deployMany(4)).toEqual(['simhost-2', 'simhost-3', 'simhost-2', 'simhost-3']);
    await setting('vm.allocation.algorithm', 'firstfit');
  });

  it('skips a disabled host', async () => {
    // Load: simhost-1 3 Small, simhost-2 2, simhost-3 2; firstfit would take simhost-1.
    await env.admin.ok('updateHost', { id: hostId['simhost-1'], allocationstate: 'Disable' });
    try {
      expect((await deploy()).host).toBe('simhost-2');
    } finally {
      await env.admin.ok('updateHost', { id: hostId['simhost-1'], allocationstate: 'Enable' });
    }
  });

  it("places a tagged offering only on hosts with the tag, and says which lacked it", async () => {
    const store = createStore();
    const tagged = async (name: string, hostTags: string) => {
      const id = randomUUID();
      await store.inventory.putServiceOffering({ id, name, displayText: name, cpuNumber: 1, cpuSpeed: 500, memory: 512, offerHa: false, hostTags, storageType: 'shared', dynamicScalingEnabled: true, created: new Date().toISOString() });
      return id;
    };
    const [ssd, gpu] = await Promise.all([tagged('Small SSD', 'ssd'), tagged('Small GPU', 'gpu')]);
    await env.admin.ok('updateHost', { id: hostId['simhost-3'], hosttags: 'ssd' });

    expect((await deploy({ serviceofferingid: ssd })).host).toBe('simhost-3');
    const { job } = await deploy({ serviceofferingid: gpu });
    expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533, failedstep: 'ChooseHost' });
    expect((job.jobresult as Obj).errortext).toMatch(
      /no host in zone zone1 can take it; 3 host\(s\) ruled out by host tags \(3\): host simhost-1 lacks host tag\(s\) gpu; host simhost-2 lacks host tag\(s\) gpu; host simhost-3 lacks host tag\(s\) gpu$/,
    );
  });

  it("puts a guest on a host preferring its OS category first, as a preference only", async () => {
    // The template is Debian; simhost-2 prefers Debian, simhost-1 would come first otherwise.
    const categories = (await env.admin.ok('listOsCategories')).oscategory as Obj[];
    const id = (name: string) => categories.find((c) => c.name === name)!.id as string;
    await env.admin.ok('updateHost', { id: hostId['simhost-2'], oscategoryid: id('Debian') });
    expect((await deploy()).host).toBe('simhost-2');

    await env.admin.ok('updateHost', { id: hostId['simhost-1'], oscategoryid: id('Windows') });
    await env.admin.ok('updateHost', { id: hostId['simhost-2'], oscategoryid: id('Windows') });
    expect((await deploy()).host).toBe('simhost-3'); // no preference beats another OS's preference
    await Promise.all(['simhost-1', 'simhost-2'].map((h) => env.admin.ok('updateHost', { id: hostId[h], oscategoryid: id('None') })));
  });

  describe('a root admin choosing where', () => {
    it('deploys on the named host, pod and cluster', async () => {
      expect((await deploy({ hostid: hostId['simhost-3'] })).host).toBe('simhost-3');
      const { job } = await deploy({ podid: env.stack.seed.pod.id, clusterid: env.stack.seed.cluster.id });
      expect(job).toMatchObject({ jobstatus: 1 });
    });

    it('fails on a named host that cannot take the VM, with no fallback elsewhere', async () => {
      const { job } = await deploy({ serviceofferingid: offering.large, hostid: hostId['simhost-2'] });
      expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533 });
      expect((job.jobresult as Obj).errortext).toMatch(/: host simhost-2 cannot take it, ruled out by insufficient CPU \(1\): host simhost-2 has \d+ MHz CPU free, needs 8000/);
    });

    it('is refused a host that is disabled or does not exist, at once', async () => {
      await env.admin.ok('updateHost', { id: hostId['simhost-1'], allocationstate: 'Disable' });
      try {
        const disabled = await env.admin.call('deployVirtualMachine', { serviceofferingid: offering.small, templateid: cat.templateid, zoneid: cat.zoneid, hostid: hostId['simhost-1'] });
        expect(disabled.status).toBe(431);
        expect(disabled.data.errortext).toBe('Unable to deploy the VM as the host: simhost-1 is not in the right state');
      } finally {
        await env.admin.ok('updateHost', { id: hostId['simhost-1'], allocationstate: 'Enable' });
      }
      const missing = randomUUID();
      const unknown = await env.admin.call('deployVirtualMachine', { serviceofferingid: offering.small, templateid: cat.templateid, zoneid: cat.zoneid, hostid: missing });
      expect(unknown.status).toBe(431);
      expect(unknown.data.errortext).toContain(`Invalid parameter hostid value=${missing} due to incorrect long value format, or entity does not exist`);
    });

    it.each(['hostid', 'clusterid', 'podid'])('refuses %s from a user or a domain admin, as CloudStack does', async (param) => {
      const value = param === 'hostid' ? hostId['simhost-1'] : param === 'clusterid' ? env.stack.seed.cluster.id : env.stack.seed.pod.id;
      for (const client of [tenant.user.client, tenant.domainAdmin.client]) {
        const reply = await client.call('deployVirtualMachine', { serviceofferingid: offering.small, templateid: cat.templateid, zoneid: cat.zoneid, [param]: value });
        expect(reply.status).toBe(531);
        expect(reply.data).toMatchObject({ errorcode: 531, cserrorcode: 4365, errortext: `Parameter ${param} can only be specified by a Root Admin, permission denied` });
      }
    });
  });

  it("keeps users' VMs out of a disabled cluster, not the root admin's", async () => {
    await env.admin.ok('updateCluster', { id: env.stack.seed.cluster.id, allocationstate: 'Disabled' });
    try {
      const { job } = await deploy({}, tenant.user.client);
      expect(job).toMatchObject({ jobstatus: 2, jobresultcode: 533 });
      expect((job.jobresult as Obj).errortext).toMatch(/3 host\(s\) ruled out by pod or cluster disabled for allocation \(3\): host simhost-1 is in cluster cluster1, disabled/);
      const seenByUser = await tenant.user.client.ok('queryAsyncJobResult', { jobid: job.jobid as string });
      expect((seenByUser.jobresult as Obj).errortext).toMatch(/^Unable to create a deployment for VM\[User\|i-\d+-\d+-VM\]$/); // no host names for users
      expect((await deploy()).job).toMatchObject({ jobstatus: 1 });
    } finally {
      await env.admin.ok('updateCluster', { id: env.stack.seed.cluster.id, allocationstate: 'Enabled' });
    }
  });

  it("applies the cluster's overprovisioning factors", async () => {
    // Large (4 x 2 GHz, 8 GiB) fits no 4 GHz / 4 GiB host at factor 1.
    const before = await deploy({ serviceofferingid: offering.large });
    expect((before.job.jobresult as Obj).errortext).toMatch(/insufficient CPU \(3\): host simhost-1 has \d+ MHz CPU free, needs 8000 \(4000 MHz x overprovisioning 1, \d+ MHz used\)/);

    // At factors 2 only an empty host has room for it: 8 GHz and 8 GiB exactly.
    const empty = await env.stack.addSimHost('simhost-4', { cpuNumber: 4, cpuSpeed: 1000, memoryTotal: 4096 });
    await waitUntilUp(empty.hostId);
    const at = { clusterid: env.stack.seed.cluster.id };
    await Promise.all([setting('cpu.overprovisioning.factor', '2', at), setting('mem.overprovisioning.factor', '2', at)]);
    try {
      const after = await deploy({ serviceofferingid: offering.large });
      expect(after).toMatchObject({ job: { jobstatus: 1 }, host: 'simhost-4' });
    } finally {
      await Promise.all([setting('cpu.overprovisioning.factor', '1', at), setting('mem.overprovisioning.factor', '1', at)]);
    }
  });

  async function waitUntilUp(id: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const h = ((await env.admin.ok('listHosts', { id })).host as Obj[])[0];
      if (h?.state === 'Up') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`host ${id} never came Up`);
  }
});
