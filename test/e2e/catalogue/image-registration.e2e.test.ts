import { createHash } from 'node:crypto';
import { emptyQcow2, minimalIso, startImageServer, type ImageServer } from '../../../local/image-server';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';
import { createTenant, type Tenant } from '../../support/tenants';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * registerTemplate / registerIso through signed HTTP: a host of the zone downloads the image from a
 * real HTTP server (the agent's fetch), its progress shows as CloudStack's status, the checksum and
 * the QCOW2 header are checked, a failure shows its reason; then update, tags, delete, and deploying
 * from what was registered.
 */
jest.setTimeout(180_000);

describe('templates and ISOs registered from a URL', () => {
  let env: TestStack;
  let images: ImageServer;
  let paced: ImageServer;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let tenant: Tenant;
  const disk = emptyQcow2(2 ** 30);
  const iso = minimalIso('TEST ISO');
  const big = Buffer.concat([emptyQcow2(3 * 2 ** 30), Buffer.alloc(3 * 2 ** 20)]); // 3 MiB of data after the header

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    images = await startImageServer({ images: { 'disk.qcow2': disk, 'test.iso': iso } });
    paced = await startImageServer({ bytesPerSecond: 1024 * 1024, images: { 'big.qcow2': big } });
    tenant = await createTenant(env, 'images');
  });
  afterAll(async () => {
    await images?.close();
    await paced?.close();
    await env?.stop();
  });

  // A parameter given as undefined is left out.
  const register = (params: Obj, client = env.admin) =>
    client.call('registerTemplate', Object.fromEntries(Object.entries({ hypervisor: 'Simulator', format: 'QCOW2', zoneid: cat.zoneid, displaytext: params.name, ...params }).filter(([, v]) => v !== undefined)));
  const template = async (id: string, client = env.admin) => ((await client.ok('listTemplates', { templatefilter: 'self', id })).template as Obj[] | undefined)?.[0];
  /** Polls until the image is ready or shows an error; answers every status it showed on the way. */
  async function settle(id: string, list: 'listTemplates' | 'listIsos' = 'listTemplates'): Promise<{ last: Obj; statuses: string[] }> {
    const statuses: string[] = [];
    for (let i = 0; i < 300; i++) {
      const reply = await env.admin.ok(list, { [list === 'listIsos' ? 'isofilter' : 'templatefilter']: 'all', id });
      const last = ((reply.template ?? reply.iso) as Obj[])[0];
      if (statuses.at(-1) !== last.status) statuses.push(last.status);
      if (last.isready || !/Processing|Downloaded|Installing/.test(last.status)) return { last, statuses };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`image ${id} never settled: ${statuses.join(' > ')}`);
  }

  it('downloads a template on a host of its zone, showing its progress, then it is ready with its virtual size', async () => {
    const reply = await register({ name: 'big', url: paced.url('big.qcow2'), ostypeid: undefined });
    expect(reply.status).toBe(200);
    expect(reply.data).toMatchObject({ count: 1, template: [{ name: 'big', isready: false, status: 'Processing', format: 'QCOW2', hypervisor: 'Simulator', zoneid: cat.zoneid, url: paced.url('big.qcow2') }] });
    const id = (reply.data.template as Obj[])[0].id as string;

    const { last, statuses } = await settle(id);
    expect(statuses.some((s) => /^\d{1,2}% Downloaded$/.test(s))).toBe(true);
    expect(last).toMatchObject({ isready: true, status: 'Download Complete', size: 3 * 2 ** 30, physicalsize: big.length, downloaddetails: [{ downloadPercent: '100', downloadState: 'DOWNLOADED' }] });
    // No checksum was given: the digest of what was downloaded is kept, for every later fetch to match.
    expect(last.checksum).toBe(createHash('sha256').update(big).digest('hex'));
    expect(env.stack.hosts.filter((h) => h.driver.hasImage(id))).toHaveLength(1);
    // The download's end is an event of the template.
    const events = (await env.admin.ok('listEvents', { type: 'TEMPLATE.DOWNLOAD.SUCCESS' })).event as Obj[];
    expect(events.some((e) => e.resourceid === id || String(e.description).includes('big.qcow2'))).toBe(true);
  });

  it('verifies a checksum when one is given, and shows why a download failed as its status', async () => {
    const sha = createHash('sha256').update(disk).digest('hex');
    const good = await register({ name: 'checked', url: images.url('disk.qcow2'), checksum: `{SHA-256}${sha}` });
    expect((await settle((good.data.template as Obj[])[0].id)).last).toMatchObject({ isready: true, checksum: sha, size: 2 ** 30 });
    const md5 = createHash('md5').update(disk).digest('hex');
    const bare = await register({ name: 'checked-md5', url: images.url('disk.qcow2'), checksum: md5 });
    expect((await settle((bare.data.template as Obj[])[0].id)).last).toMatchObject({ isready: true, checksum: md5 });

    const wrong = await register({ name: 'wrong-sum', url: images.url('disk.qcow2'), checksum: `{SHA-256}${'0'.repeat(64)}` });
    const failed = (await settle((wrong.data.template as Obj[])[0].id)).last;
    expect(failed.isready).toBe(false);
    expect(failed.status).toContain('does not match');
    expect(failed.downloaddetails).toEqual([expect.objectContaining({ downloadState: 'DOWNLOAD_ERROR' })]);

    const missing = await register({ name: 'missing', url: images.url('nothing-here.qcow2') });
    expect((await settle((missing.data.template as Obj[])[0].id)).last.status).toContain('HTTP 404');
    const notQcow2 = await register({ name: 'not-qcow2', url: images.url('test.iso') });
    expect((await settle((notQcow2.data.template as Obj[])[0].id)).last.status).toContain('is not a QCOW2 image');
  });

  it('refuses what it cannot register, naming the parameter', async () => {
    const refusal = async (params: Obj, code: number, text: string | RegExp) => {
      const reply = await register(params);
      expect({ params, status: reply.status, code: reply.data.errorcode, text: reply.data.errortext }).toEqual({ params, status: code, code, text: expect.stringMatching(text) });
    };
    const url = images.url('disk.qcow2');
    await refusal({ name: 'x', url, format: 'VHD' }, 431, /Image format VHD is not supported/);
    await refusal({ name: 'x', url, hypervisor: 'XenServer' }, 431, /Hypervisor XenServer is not supported/);
    await refusal({ name: 'x', url: 'ftp://example.test/x.qcow2' }, 431, /^Unsupported scheme for url: ftp:\/\/example.test\/x.qcow2$/);
    await refusal({ name: 'x', url: 'http://169.254.169.254/latest/meta-data' }, 431, /^Illegal host specified in url$/);
    await refusal({ name: 'x', url, zoneid: undefined }, 431, /missing parameter zoneid/);
    await refusal({ name: 'x', url, checksum: '{SHA-256}abc' }, 431, /a SHA-256 digest has 64 hex digits/);
    await refusal({ name: 'x', url, checksum: '{CRC32}abcd' }, 431, /Checksum \{CRC32\}abcd is not valid/);
    await refusal({ name: 'x', url, account: 'admin', domainid: tenant.domain.id }, 431, /Parameter account is not supported/);
    await refusal({ name: 'x', url, sshkeyenabled: 'true' }, 431, /Parameter sshkeyenabled is not supported/);
    await refusal({ name: 'x', url, zoneid: undefined, zoneids: `${cat.zoneid},${cat.zoneid}` }, 431, /several zones/);
    await refusal({ name: 'x', url, hypervisor: 'KVM' }, 431, /no Up KVM host in zone/);
    const featured = await register({ name: 'x', url, isfeatured: 'true' }, tenant.user.client);
    expect({ status: featured.status, text: featured.data.errortext }).toEqual({ status: 531, text: 'Only the root admin can register a featured image' });
  });

  it('deploys only from a ready template; a user registers its own, which others do not see', async () => {
    const user = tenant.user.client;
    const reply = await register({ name: 'mine', url: paced.url('big.qcow2') }, user);
    expect(reply.status).toBe(200);
    const id = (reply.data.template as Obj[])[0].id as string;
    const early = await user.call('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: id, zoneid: cat.zoneid, startvm: false });
    expect({ status: early.status, text: early.data.errortext }).toEqual({ status: 431, text: expect.stringMatching(/^Template mine is not ready to deploy from: (Processing|\d+% Downloaded|Installing Template)$/) });
    await settle(id);
    const deploy = await user.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: id, zoneid: cat.zoneid });
    const done = await user.waitForJob(deploy.jobid as string);
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running', templateid: id } } });
    // Another tenant's user does not see it (not public); the root admin does.
    const other = await createTenant(env, 'images-other');
    expect((await other.user.client.ok('listTemplates', { templatefilter: 'executable', id })).template).toBeUndefined();
    expect(await template(id, env.admin)).toBeUndefined(); // `self` is the admin's own
    expect(((await env.admin.ok('listTemplates', { templatefilter: 'all', id })).template as Obj[])[0]).toMatchObject({ id, account: tenant.user.accountName, status: 'Download Complete' });
  });

  it('registers an ISO, updates, tags and deletes it; deleteTemplate keeps the VMs made from a template', async () => {
    const reply = await env.admin.call('registerIso', { name: 'tools', displaytext: 'Guest tools', url: images.url('test.iso'), zoneid: cat.zoneid, ispublic: 'true' });
    expect(reply.status).toBe(200);
    expect(reply.data).toMatchObject({ count: 1, iso: [{ name: 'tools', isready: false, bootable: true, format: 'ISO' }] });
    const id = (reply.data.iso as Obj[])[0].id as string;
    expect((await settle(id, 'listIsos')).last).toMatchObject({ isready: true, size: iso.length, status: 'Download Complete' });
    expect((await env.admin.call('registerIso', { name: 'no-zone', url: images.url('test.iso') })).status).toBe(431);

    const updated = await env.admin.ok('updateIso', { id, name: 'tools-2', bootable: 'false' });
    expect(updated.iso).toMatchObject({ id, name: 'tools-2', bootable: false });
    expect((await env.admin.call('updateTemplate', { id, name: 'x' })).status).toBe(431); // an ISO is not a template
    expect((await env.admin.ok('listIsos', { isofilter: 'self', bootable: false })).iso).toEqual([expect.objectContaining({ id })]);
    expect((await env.admin.ok('listIsos', { isofilter: 'self', bootable: true, id })).iso).toBeUndefined();
    expect((await env.admin.ok('listIsos', { isofilter: 'self', isready: true, id })).iso).toEqual([expect.objectContaining({ id })]);

    const tagged = await env.admin.ok('createTags', { resourcetype: 'ISO', 'resourceids': id, 'tags[0].key': 'purpose', 'tags[0].value': 'drivers' });
    expect(await env.admin.waitForJob(tagged.jobid as string)).toMatchObject({ jobstatus: 1 });
    expect(((await env.admin.ok('listIsos', { isofilter: 'self', 'tags[0].key': 'purpose', 'tags[0].value': 'drivers' })).iso as Obj[]).map((i) => i.id)).toEqual([id]);
    expect(((await env.admin.ok('listIsos', { isofilter: 'self', id })).iso as Obj[])[0].tags).toEqual([expect.objectContaining({ key: 'purpose', value: 'drivers', resourcetype: 'ISO' })]);

    const deleted = await env.admin.ok('deleteIso', { id });
    expect(await env.admin.waitForJob(deleted.jobid as string)).toMatchObject({ jobstatus: 1, jobresult: { success: true } });
    expect((await env.admin.ok('listIsos', { isofilter: 'all', id })).iso).toBeUndefined();
    expect((await env.admin.call('deleteIso', { id })).status).toBe(431);

    // A template with a VM: deleted, it is no longer listed or deployable; the VM still stops and starts.
    const t = await register({ name: 'to-delete', url: images.url('disk.qcow2') });
    const templateId = (t.data.template as Obj[])[0].id as string;
    await settle(templateId);
    const deploy = await env.admin.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: templateId, zoneid: cat.zoneid });
    const vmId = ((await env.admin.waitForJob(deploy.jobid as string)).jobresult as Obj).virtualmachine.id as string;
    const gone = await env.admin.ok('deleteTemplate', { id: templateId });
    expect(await env.admin.waitForJob(gone.jobid as string)).toMatchObject({ jobstatus: 1 });
    expect(await template(templateId)).toBeUndefined();
    expect((await env.admin.call('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: templateId, zoneid: cat.zoneid })).status).toBe(431);
    expect(await env.admin.waitForJob((await env.admin.ok('stopVirtualMachine', { id: vmId })).jobid as string)).toMatchObject({ jobstatus: 1 });
    expect(await env.admin.waitForJob((await env.admin.ok('startVirtualMachine', { id: vmId })).jobid as string)).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running' } } });
  });

  it('attaches an ISO to a running VM hot and to a stopped one at its next start; detaches; deleteIso waits for no VM', async () => {
    // Prepare: a ready ISO, a second one, and a running VM
    const registerIso = async (name: string, url = images.url('test.iso')) => {
      const reply = await env.admin.ok('registerIso', { name, displaytext: name, url, zoneid: cat.zoneid, ispublic: 'true' });
      return ((reply.iso as Obj[])[0]).id as string;
    };
    const isoA = await registerIso('drivers-a');
    const isoB = await registerIso('drivers-b');
    await settle(isoA, 'listIsos');
    await settle(isoB, 'listIsos');
    const deploy = await env.admin.ok('deployVirtualMachine', { serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, zoneid: cat.zoneid, name: 'with-cd' });
    const vm = ((await env.admin.waitForJob(deploy.jobid as string)).jobresult as Obj).virtualmachine as Obj;
    const domainOf = () => env.stack.hosts.map((h) => h.driver.domain(vm.instancename as string)).find((d) => d?.state === 'PowerOn');
    const run = async (command: string, params: Obj) => env.admin.waitForJob((await env.admin.ok(command, params)).jobid as string);

    // Running: hot, through the VM's host
    const attached = await run('attachIso', { id: isoA, virtualmachineid: vm.id });
    expect(attached).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { id: vm.id, isoid: isoA, isoname: 'drivers-a', isodisplaytext: 'drivers-a', state: 'Running' } } });
    expect(domainOf()?.spec.iso?.id).toBe(isoA);
    const again = await env.admin.call('attachIso', { id: isoB, virtualmachineid: vm.id });
    expect({ status: again.status, text: again.data.errortext }).toEqual({ status: 431, text: 'VM with-cd already has an ISO attached: detach it first, or attach with forced=true to replace it' });
    expect(await run('attachIso', { id: isoB, virtualmachineid: vm.id, forced: 'true' })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { isoid: isoB } } });
    expect(domainOf()?.spec.iso?.id).toBe(isoB);
    const inUse = await env.admin.call('deleteIso', { id: isoB });
    expect({ status: inUse.status, text: inUse.data.errortext }).toEqual({ status: 431, text: "Unable to delete iso, as it's used by other vms" });
    expect(await run('detachIso', { virtualmachineid: vm.id })).toMatchObject({ jobstatus: 1 });
    expect(domainOf()?.spec.iso).toBeUndefined();
    expect(((await env.admin.ok('listVirtualMachines', { id: vm.id })).virtualmachine as Obj[])[0].isoid).toBeUndefined();
    const none = await env.admin.call('detachIso', { virtualmachineid: vm.id });
    expect({ status: none.status, text: none.data.errortext }).toEqual({ status: 431, text: 'The specified VM has no ISO attached to it.' });

    // Stopped: recorded at once; the next start boots with it
    expect(await run('stopVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1 });
    expect(await run('attachIso', { id: isoA, virtualmachineid: vm.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { isoid: isoA, state: 'Stopped' } } });
    expect(await run('startVirtualMachine', { id: vm.id })).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { isoid: isoA } } });
    expect(domainOf()?.spec.iso?.id).toBe(isoA);
    expect(await run('attachIso', { id: isoB, virtualmachineid: vm.id, forced: 'true' })).toMatchObject({ jobstatus: 1 });

    // What cannot be attached
    const refusal = async (params: Obj, text: string | RegExp) => {
      const reply = await env.admin.call('attachIso', { virtualmachineid: vm.id, forced: 'true', ...params });
      expect({ params, status: reply.status, text: reply.data.errortext }).toEqual({ params, status: 431, text: typeof text === 'string' ? text : expect.stringMatching(text) });
    };
    await refusal({ id: cat.templateid }, 'Please specify a valid ISO.');
    await refusal({ id: '00000000-0000-4000-8000-000000000000' }, 'Unable to find an ISO with id 00000000-0000-4000-8000-000000000000');
    await refusal({ id: isoB }, 'ISO drivers-b is already attached to VM with-cd');
    const coming = await registerIso('coming', paced.url('big.qcow2'));
    await refusal({ id: coming }, 'ISO coming is not ready: it cannot be attached until it is downloaded');
    await settle(coming, 'listIsos');

    // Expunged, the VM no longer holds its ISO
    expect(await run('destroyVirtualMachine', { id: vm.id, expunge: 'true' })).toMatchObject({ jobstatus: 1 });
    expect(await run('deleteIso', { id: isoB })).toMatchObject({ jobstatus: 1 });
    const events = ((await env.admin.ok('listEvents', { type: 'ISO.ATTACH' })).event as Obj[]).filter((e) => String(e.description).includes(vm.id as string));
    expect(events.length).toBeGreaterThanOrEqual(3);
  });
});
