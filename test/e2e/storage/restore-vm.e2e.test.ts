import { emptyQcow2, minimalIso, startImageServer, type ImageServer } from '../../../local/image-server';
import { expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * restoreVirtualMachine through signed HTTP: a new ROOT volume from the VM's template or another one,
 * the old one removed with its space given back, a running VM powered off and started again on its
 * host, a stopped one left stopped; and what CloudStack refuses.
 */
jest.setTimeout(180_000);

describe('restoreVirtualMachine', () => {
  let env: TestStack;
  let images: ImageServer;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let otherTemplate: string;
  let iso: string;

  const run = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);
  const vmOf = async (id: string) => ((await env.admin.ok('listVirtualMachines', { id })).virtualmachine as Obj[])[0];
  const rootOf = async (vmId: string) => ((await env.admin.ok('listVolumes', { virtualmachineid: vmId, type: 'ROOT' })).volume as Obj[])[0];
  const ready = async (list: 'listTemplates' | 'listIsos', id: string) => {
    for (let i = 0; i < 100; i++) {
      const reply = await env.admin.ok(list, { [list === 'listIsos' ? 'isofilter' : 'templatefilter']: 'self', id });
      if (((reply.template ?? reply.iso) as Obj[])[0].isready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${id} never became ready`);
  };

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    images = await startImageServer({ images: { 'big.qcow2': emptyQcow2(20 * 2 ** 30), 'x.iso': minimalIso('X') } });
    otherTemplate = ((await env.admin.ok('registerTemplate', { name: 'bigger', displaytext: 'bigger', url: images.url('big.qcow2'), format: 'QCOW2', hypervisor: 'Simulator', zoneid: cat.zoneid, ispublic: 'true' })).template as Obj[])[0].id;
    iso = ((await env.admin.ok('registerIso', { name: 'x', displaytext: 'x', url: images.url('x.iso'), zoneid: cat.zoneid })).iso as Obj[])[0].id;
    await ready('listTemplates', otherTemplate);
    await ready('listIsos', iso);
  });
  afterAll(async () => {
    await images?.close();
    await env?.stop();
  });

  it('gives a running VM a new ROOT volume from its template and starts it again on the same host', async () => {
    const deployed = ((await run('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'restore-me' })).jobresult as Obj).virtualmachine as Obj;
    const before = await rootOf(deployed.id);
    const host = env.stack.hosts.find((h) => h.driver.domain(deployed.instancename)?.state === 'PowerOn')!;
    const boots = host.driver.domain(deployed.instancename)!.boots;

    const submitted = await env.admin.call('restoreVirtualMachine', { virtualmachineid: deployed.id });
    expect(submitted.status).toBe(200);
    expect(Object.keys(submitted.body)).toEqual(['restorevmresponse']);
    const done = await env.admin.waitForJob(submitted.data.jobid as string);
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id: deployed.id, state: 'Running', templateid: cat.templateid, hostid: deployed.hostid } } });

    const after = await rootOf(deployed.id);
    expect(after).toMatchObject({ type: 'ROOT', deviceid: 0, state: 'Ready', templateid: cat.templateid, size: before.size, name: before.name });
    expect(after.id).not.toBe(before.id);
    expect((await env.admin.ok('listVolumes', { id: before.id })).volume).toBeUndefined();
    expect(host.driver.domain(deployed.instancename)).toMatchObject({ state: 'PowerOn', boots: boots + 1 });
    expect(host.driver.domain(deployed.instancename)!.spec.disks[0].volumeId).toBe(after.id);
    await expectPoolLedgers(env, 'after a running restore');
  });

  it('restores a stopped VM from another template, leaving it stopped until it starts on the new disk', async () => {
    const deployed = ((await run('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'restore-stopped' })).jobresult as Obj).virtualmachine as Obj;
    expect(await run('stopVirtualMachine', { id: deployed.id })).toMatchObject({ jobstatus: 1 });
    const done = await run('restoreVirtualMachine', { virtualmachineid: deployed.id, templateid: otherTemplate });
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Stopped', templateid: otherTemplate, templatename: 'bigger' } } });
    // The template is bigger than the old disk: the new ROOT volume has the template's size.
    expect(await rootOf(deployed.id)).toMatchObject({ templateid: otherTemplate, size: 20 * 2 ** 30 });
    expect(await run('startVirtualMachine', { id: deployed.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running', templateid: otherTemplate } } });
    expect(await rootOf(deployed.id)).toMatchObject({ state: 'Ready' });
    await expectPoolLedgers(env, 'after a stopped restore');
  });

  it('refuses what CloudStack refuses, and what Stratus does not do, by name', async () => {
    const deployed = ((await run('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'restore-refused' })).jobresult as Obj).virtualmachine as Obj;
    const refusal = async (params: Obj, text: string | RegExp) => {
      const reply = await env.admin.call('restoreVirtualMachine', { virtualmachineid: deployed.id, ...params });
      expect({ params, status: reply.status, text: reply.data.errortext }).toEqual({ params, status: 431, text: typeof text === 'string' ? text : expect.stringMatching(text) });
    };
    await refusal({ templateid: iso }, 'Cannot restore VM restore-refused from ISO x: it was deployed from a template, and a template cannot change to an ISO');
    await refusal({ rootdisksize: '30' }, /^Parameter rootdisksize is not supported/);
    await refusal({ diskofferingid: cat.offerings[0].id }, /^Parameter diskofferingid is not supported/);
    await refusal({ expunge: 'false' }, /expunge=false is not supported/);
    await refusal({ templateid: '00000000-0000-4000-8000-000000000000' }, /Invalid parameter templateid value=00000000-0000-4000-8000-000000000000/);
    const snapshot = await run('createVMSnapshot', { virtualmachineid: deployed.id, snapshotmemory: 'true' });
    expect(snapshot).toMatchObject({ jobstatus: 1 });
    await refusal({}, 'Unable to restore VM, please remove VM snapshots before restoring VM');
    expect(await run('deleteVMSnapshot', { vmsnapshotid: (snapshot.jobresult as Obj).vmsnapshot.id })).toMatchObject({ jobstatus: 1 });
    expect(await run('destroyVirtualMachine', { id: deployed.id })).toMatchObject({ jobstatus: 1 });
    await refusal({}, `Vm ${deployed.id} currently in Destroyed state, restore vm can only execute when VM in Running or Stopped`);
    expect((await vmOf(deployed.id)).state).toBe('Destroyed');
  });
});
