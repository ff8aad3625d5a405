import { setTimeout as sleep } from 'node:timers/promises';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createStore } from '../../../functions/store';
import { documentClient } from '../../../functions/store/client';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, deployStoppedVm, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What runs without a caller and what users may and may not see: the scheduled expunge (driven by
 * its settings, through the local scheduler's own timer), the addresses it gives back, the events a
 * lifecycle writes, and details hidden by user.vm.blacklisted.details.
 */
describe('scheduled expunge, events and hidden details', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1, scheduler: { tickMs: 250 } });
    cat = await catalogue(env.admin);
    tenant = await createTenant(env, 'lifecycle');
  });
  afterAll(() => env.stop());

  const run = async (client: typeof env.admin, command: string, params: Obj) => client.waitForJob(((await client.ok(command, params)) as { jobid: string }).jobid);

  it('expunges a destroyed VM after expunge.delay, as the system user, and gives its address back', async () => {
    // Prepare: a running VM of the tenant, destroyed; expunge due one second after.
    const { jobid, id } = (await tenant.user.client.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid })) as { jobid: string; id: string };
    await tenant.user.client.waitForJob(jobid);
    const vm = (await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine as Obj[];
    const ip = vm[0].nic[0].ipaddress as string;
    await env.admin.ok('updateConfiguration', { name: 'expunge.delay', value: 1 });
    await env.admin.ok('updateConfiguration', { name: 'expunge.interval', value: 1 });
    expect(await run(tenant.user.client, 'destroyVirtualMachine', { id })).toMatchObject({ jobstatus: 1 });

    // Act: wait for the scheduler's own ticks.
    const store = createStore();
    let state: string | undefined;
    for (let i = 0; i < 60 && state !== 'Expunged'; i++) {
      await sleep(250);
      state = (await store.vms.get(id, true))?.state;
    }

    // Assess: expunged by a system job, gone from every listing, the host has no domain, the address is free.
    expect(state).toBe('Expunged');
    const jobs = (await env.admin.ok('listAsyncJobs', { resourceid: id, listall: true })).asyncjobs as Obj[];
    expect(jobs.find((j) => /ExpungeVMCmd$/.test(j.cmd))).toMatchObject({ jobstatus: 1, account: 'system' });
    expect((await env.admin.ok('listVirtualMachines', { id, listall: true })).virtualmachine).toBeUndefined();
    expect(await env.stack.hosts[0].driver.domains()).not.toContainEqual(expect.objectContaining({ name: vm[0].instancename }));
    const network = (await store.inventory.getNetwork(vm[0].nic[0].networkid))!;
    expect(await store.addresses.take(network, 'probe', async () => Number(ip.split('.')[3]) - 1)).toBe(ip);
    await documentClient().send(new TransactWriteCommand({ TransactItems: store.addresses.releaseOperations('probe', [{ ...vm[0].nic[0], networkId: network.id, ipAddress: ip, macAddress: vm[0].nic[0].macaddress }]) }));
    await env.admin.ok('updateConfiguration', { name: 'expunge.delay', value: 86400 });
  });

  it('gives back the capacity a failed deploy left held in Error once the host shows the domain gone', async () => {
    // Prepare: a host whose start fails and whose clean-up fails too, so the VM ends in Error holding its capacity.
    const faulty = await env.stack.addSimHost('faulty-1', {
      faults: { start: { failTimes: 1, retryable: false }, undefine: { failTimes: 1, retryable: false } },
    });
    const hostUse = async () => ((await env.admin.ok('listHosts', { id: faulty.hostId })).host as Obj[])[0].cpuallocatedvalue as number;
    const { jobid, id } = (await env.admin.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, hostid: faulty.hostId })) as { jobid: string; id: string };
    const job = await env.admin.waitForJob(jobid);
    expect(job).toMatchObject({ jobstatus: 2, failedstep: 'StartOnHost' });
    const store = createStore();
    expect(await store.vms.get(id, true)).toMatchObject({ state: 'Error', hostId: faulty.hostId });
    expect(await hostUse()).toBe(cat.offerings[0].cpunumber * cat.offerings[0].cpuspeed);

    // Act: the reconciler, after the host has heartbeated.
    await sleep(1500);
    const { reconcile } = await env.stack.runScheduled();

    // Assess: capacity back, the VM still in Error (a state the operator can name and destroy).
    expect(reconcile.released).toEqual([id]);
    expect(await hostUse()).toBe(0);
    expect(await store.vms.get(id, true)).toMatchObject({ state: 'Error' });
    expect((await store.vms.get(id, true))?.hostId).toBeUndefined();
  });

  it('refuses expunge=true from a user unless allow.user.expunge.recover.vm says so', async () => {
    const { vmId } = await deployStoppedVm(tenant.user.client, cat, 'kept');
    const refused = await tenant.user.client.call('destroyVirtualMachine', { id: vmId, expunge: true });
    expect(refused.status).toBe(531);
    expect(refused.data.errortext).toBe('Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.');
    expect((await tenant.user.client.ok('listVirtualMachines', { id: vmId })).virtualmachine).toEqual([expect.objectContaining({ id: vmId, state: 'Stopped' })]);

    await env.admin.ok('updateConfiguration', { name: 'allow.user.expunge.recover.vm', value: true });
    expect(await run(tenant.user.client, 'destroyVirtualMachine', { id: vmId, expunge: true })).toMatchObject({ jobstatus: 1 });
    await env.admin.ok('updateConfiguration', { name: 'allow.user.expunge.recover.vm', value: false });
  });

  it('writes the events of a lifecycle, visible to the owner', async () => {
    const { vmId } = await deployStoppedVm(tenant.user.client, cat, 'evented');
    await run(tenant.user.client, 'startVirtualMachine', { id: vmId });
    await run(tenant.user.client, 'stopVirtualMachine', { id: vmId });
    const events = (await tenant.user.client.ok('listEvents', { resourceid: vmId, resourcetype: 'VirtualMachine' })).event as Obj[];
    expect(events.map((e) => e.type).sort()).toEqual(['VM.CREATE', 'VM.START', 'VM.STOP']);
    for (const e of events) expect(e).toMatchObject({ account: tenant.user.accountName, level: 'INFO', state: 'Completed' });
  });

  it('hides the blacklisted details from users, refuses to let them set one, and keeps them when users replace details', async () => {
    const { vmId } = await deployStoppedVm(tenant.user.client, cat, 'detailed');
    await env.admin.ok('updateVirtualMachine', { id: vmId, 'details[0].cpuOvercommitRatio': '2', 'details[0].keyboard': 'us' });

    const seen = (await tenant.user.client.ok('listVirtualMachines', { id: vmId })).virtualmachine as Obj[];
    expect(seen[0].details).toEqual({ keyboard: 'us' });
    const refused = await tenant.user.client.call('updateVirtualMachine', { id: vmId, 'details[0].cpuOvercommitRatio': '4' });
    expect(refused.status).toBe(431);
    expect(refused.data.errortext).toBe("You're not allowed to add or edit the restricted setting: cpuOvercommitRatio");

    // A job's result is the VM too: the user's view of it hides the same details.
    const started = await run(tenant.user.client, 'startVirtualMachine', { id: vmId });
    expect((started.jobresult as Obj).virtualmachine.details).toEqual({ keyboard: 'us' });
    await run(tenant.user.client, 'stopVirtualMachine', { id: vmId, forced: true });

    await tenant.user.client.ok('updateVirtualMachine', { id: vmId, 'details[0].keyboard': 'de' });
    const asRoot = (await env.admin.ok('listVirtualMachines', { id: vmId, listall: true })).virtualmachine as Obj[];
    expect(asRoot[0].details).toEqual({ cpuOvercommitRatio: '2', keyboard: 'de' });
  });
});
