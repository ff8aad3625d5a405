import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudStackClient } from '../../../local/cloudstack-client';
import { createStore } from '../../../functions/store';
import { documentClient } from '../../../functions/store/client';
import { catalogue, startTestStack } from '../../support/stack';
import { createTenant, deployStoppedVm, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * CloudStack's list scoping for VMs and jobs (listall, domainid, isrecursive, account), and who sees
 * Destroyed VMs. Tenants: ROOT/a with ROOT/a/a1 below it, and ROOT/b beside it; every user owns one
 * VM, and the root admin one of its own.
 */
describe('VM and job visibility across tenants', () => {
  let env: Awaited<ReturnType<typeof startTestStack>>;
  let a: Tenant;
  let a1: Tenant;
  let b: Tenant;
  const vm = {} as Record<'a' | 'a1' | 'b' | 'root', { vmId: string; jobId: string }>;

  const notFound = (cmd: string, param: string, value: string) =>
    `Unable to execute API command ${cmd} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;
  const vmIds = async (c: CloudStackClient, p: Record<string, string | boolean> = {}) => (((await c.ok('listVirtualMachines', p)).virtualmachine as Obj[]) ?? []).map((v) => v.id as string).sort();
  const jobIds = async (c: CloudStackClient, p: Record<string, string | boolean> = {}) => (((await c.ok('listAsyncJobs', p)).asyncjobs as Obj[]) ?? []).map((j) => j.jobid as string).sort();
  const ids = (...keys: Array<keyof typeof vm>) => keys.map((k) => vm[k].vmId).sort();

  beforeAll(async () => {
    env = await startTestStack({ simHosts: 1 });
    const cat = await catalogue(env.admin);
    a = await createTenant(env, 'a');
    [a1, b] = await Promise.all([createTenant(env, 'a1', { parentId: a.domain.id }), createTenant(env, 'b')]);
    [vm.a, vm.a1, vm.b, vm.root] = await Promise.all([
      deployStoppedVm(a.user.client, cat, 'vm-a'),
      deployStoppedVm(a1.user.client, cat, 'vm-a1'),
      deployStoppedVm(b.user.client, cat, 'vm-b'),
      deployStoppedVm(env.admin, cat, 'vm-root'),
    ]);
  });
  afterAll(() => env.stop());

  describe('a user', () => {
    it("sees its own VMs and jobs only, listall or not", async () => {
      expect(await vmIds(a.user.client)).toEqual(ids('a'));
      expect(await vmIds(a.user.client, { listall: true })).toEqual(ids('a'));
      expect(await jobIds(a.user.client, { listall: true })).toEqual([vm.a.jobId]);
      expect(await vmIds(a.user.client, { id: vm.b.vmId })).toEqual([]);
      expect(await jobIds(a.user.client, { resourceid: vm.b.vmId })).toEqual([]);
    });

    it("is told another account's job does not exist", async () => {
      const reply = await a.user.client.call('queryAsyncJobResult', { jobid: vm.b.jobId });
      const missing = await a.user.client.call('queryAsyncJobResult', { jobid: '9e8d7c6b-5a49-4382-9170-a1b2c3d4e5f6' });

      expect(reply.status).toBe(431);
      expect(reply.data.errortext).toBe(notFound('queryasyncjobresult', 'jobid', vm.b.jobId));
      expect({ ...missing.data, errortext: undefined }).toEqual({ ...reply.data, errortext: undefined });
    });

    it('cannot widen its view with domainid or account', async () => {
      const otherDomain = await a.user.client.call('listVirtualMachines', { domainid: b.domain.id });
      const otherAccount = await a.user.client.call('listVirtualMachines', { account: 'a-admin' });

      expect(otherDomain.data.errortext).toBe(notFound('listvirtualmachines', 'domainid', b.domain.id));
      expect(otherAccount.status).toBe(431);
      expect(otherAccount.data.errortext).toBe(`could not find account a-admin in domain ${a.domain.id}`);
      expect(await vmIds(a.user.client, { domainid: a.domain.id, isrecursive: true })).toEqual(ids('a'));
    });
  });

  describe('a domain admin', () => {
    it('lists its own account by default and its whole subtree with listall, never a sibling domain', async () => {
      expect(await vmIds(a.domainAdmin.client)).toEqual([]);
      expect(await vmIds(a.domainAdmin.client, { listall: true })).toEqual(ids('a', 'a1'));
      expect(await jobIds(a.domainAdmin.client, { listall: true })).toEqual([vm.a.jobId, vm.a1.jobId].sort());
    });

    it('narrows with domainid, isrecursive and account', async () => {
      expect(await vmIds(a.domainAdmin.client, { domainid: a.domain.id })).toEqual(ids('a'));
      expect(await vmIds(a.domainAdmin.client, { domainid: a.domain.id, isrecursive: true })).toEqual(ids('a', 'a1'));
      expect(await vmIds(a.domainAdmin.client, { domainid: a1.domain.id })).toEqual(ids('a1'));
      expect(await vmIds(a.domainAdmin.client, { account: 'a1-user', domainid: a1.domain.id })).toEqual(ids('a1'));
      expect(await jobIds(a.domainAdmin.client, { account: 'a-user' })).toEqual([vm.a.jobId]);
    });

    it('reaches a job in its subtree by id, and is told one beside it does not exist', async () => {
      expect((await a.domainAdmin.client.ok('queryAsyncJobResult', { jobid: vm.a1.jobId })).jobstatus).toBe(1);
      const beside = await a.domainAdmin.client.call('queryAsyncJobResult', { jobid: vm.b.jobId });
      expect(beside.data.errortext).toBe(notFound('queryasyncjobresult', 'jobid', vm.b.jobId));
      expect((await a.domainAdmin.client.call('listVirtualMachines', { domainid: b.domain.id })).data.errortext).toBe(notFound('listvirtualmachines', 'domainid', b.domain.id));
      expect((await a.domainAdmin.client.call('listVirtualMachines', { account: 'b-user', domainid: a.domain.id })).data.errortext).toBe(`could not find account b-user in domain ${a.domain.id}`);
    });
  });

  describe('the root admin', () => {
    it('lists its own account by default and every tenant with listall', async () => {
      expect(await vmIds(env.admin)).toEqual(ids('root'));
      expect(await vmIds(env.admin, { listall: true })).toEqual(ids('a', 'a1', 'b', 'root'));
      expect(await vmIds(env.admin, { domainid: a.domain.id, isrecursive: true })).toEqual(ids('a', 'a1'));
      expect(await vmIds(env.admin, { id: vm.b.vmId })).toEqual([vm.b.vmId]);
      expect(await jobIds(env.admin, { listall: true })).toEqual(expect.arrayContaining([vm.a.jobId, vm.a1.jobId, vm.b.jobId, vm.root.jobId]));
    });
  });

  describe('destroyed VMs', () => {
    beforeAll(async () => {
      // No destroy command is part of this change: put a1's VM in Destroyed the way a destroy settles it.
      const store = createStore();
      const item = (await store.vms.get(vm.a1.vmId, true))!;
      const op = store.vms.updateOperation(item, { state: 'Destroyed', destroyed: new Date().toISOString() });
      await documentClient().send(new TransactWriteCommand({ TransactItems: [op as never] }));
    });
    afterAll(() => createStore().settings.put('allow.user.view.destroyed.vm', 'false'));

    it('are hidden from their user while allow.user.view.destroyed.vm is false, and shown to admins', async () => {
      expect(await vmIds(a1.user.client)).toEqual([]);
      expect(await vmIds(a1.user.client, { id: vm.a1.vmId })).toEqual([]);
      expect(await vmIds(a.domainAdmin.client, { listall: true })).toEqual(ids('a', 'a1'));
      expect(await vmIds(env.admin, { listall: true, state: 'Destroyed' })).toEqual(ids('a1'));
      expect(await vmIds(env.admin, { listall: true, state: 'present' })).toEqual(ids('a', 'b', 'root'));
    });

    it('are shown to their user once the setting is true', async () => {
      await createStore().settings.put('allow.user.view.destroyed.vm', 'true');
      const listed = (await a1.user.client.ok('listVirtualMachines')).virtualmachine as Obj[];
      expect(listed.map((v) => [v.id, v.state])).toEqual([[vm.a1.vmId, 'Destroyed']]);
      expect(await vmIds(b.user.client)).toEqual(ids('b'));
    });
  });
});
