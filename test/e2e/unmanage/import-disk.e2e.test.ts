import type { VmSpec } from '../../../core/agent-protocol';
import { seededPool } from '../../../functions/bootstrap/seed';
import { expectExactListCounters, expectOneCopyAndExactAccounting, expectPoolLedgers } from '../../support/invariants';
import { catalogue, startTestStack, type TestStack } from '../../support/stack';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const GiB = 2 ** 30;

/**
 * importVm through signed HTTP: a QCOW2 file already on a pool (shared, or a host's local storage)
 * becomes the ROOT disk of a new stopped VM, at the image's size as its host reads it; or it is
 * refused in CloudStack's words (what the inventory shows) or by the host that looks at the file
 * (missing, not a standalone QCOW2, in use), with nothing of the import left behind.
 */
jest.setTimeout(240_000);

describe('importVm from shared and local storage', () => {
  let env: TestStack;
  let cat: Awaited<ReturnType<typeof catalogue>>;
  let clusterid: string;
  let networkid: string;
  let seq = 0;
  const pool = () => seededPool(clusterid, 'Simulator');
  const sharedFile = (size = 10 * GiB, o: { format?: 'qcow2' | 'raw'; backingFile?: string; dataFile?: string } = {}) => {
    const path = `legacy-${++seq}.qcow2`;
    env.stack.hosts[0].driver.placeDiskImage({ id: pool().id, type: 'SharedMountPoint' }, path, size, o);
    return path;
  };
  const importing = (diskpath: string, params: Obj = {}) => ({
    zoneid: cat.zoneid,
    clusterid,
    hypervisor: 'Simulator',
    importsource: 'shared',
    name: `legacy-vm-${seq}`,
    serviceofferingid: cat.offerings[0].id,
    networkid,
    storageid: pool().id,
    diskpath,
    ...params,
  });
  const run = async (params: Obj) => env.admin.waitForJob((await env.admin.ok('importVm', params)).jobid as string);
  const refusal = async (params: Obj, status: number, text: string | RegExp) => {
    const reply = await env.admin.call('importVm', params);
    expect({ status: reply.status, text: reply.data.errortext }).toEqual({ status, text: typeof text === 'string' ? text : expect.stringMatching(text) });
  };
  const vmsNamed = async (name: string) => ((await env.admin.ok('listVirtualMachines', { name, listall: true })).virtualmachine as Obj[] | undefined) ?? [];
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never: ${what}`);
  };
  /** A guest Stratus never made, on host `h`, its disk the shared pool's file `diskpath`. */
  const guestOn = (h: number, diskpath: string, state: 'PowerOn' | 'PowerOff') => {
    const name = `holder-${++seq}`;
    const spec: VmSpec = {
      vmId: '',
      instanceName: name,
      displayName: name,
      cpuNumber: 1,
      cpuSpeed: 500,
      memory: 512,
      template: { id: '', url: '', format: 'QCOW2' },
      nics: [{ macAddress: `52:54:00:66:00:${String(seq).padStart(2, '0')}`, networkName: 'br0', ipAddress: '' }],
      disks: [{ volumeId: `${name}-0`, type: 'ROOT', deviceId: 0, path: diskpath, size: 2 * GiB, pool: { ...pool(), type: 'SharedMountPoint', host: 'localhost' } }],
    };
    env.stack.hosts[h].driver.seed([{ spec, state, unmanaged: true }]);
    return name;
  };
  /** A failed import: the job says why, and no VM, volume, address or pool space of it is left. */
  const failsLeavingNothing = async (params: Obj, text: RegExp) => {
    const addressesBefore = (await env.admin.ok('listNetworks', { id: networkid })).network as Obj[];
    const job = await run(params);
    expect(job).toMatchObject({ jobstatus: 2, jobresult: { errortext: expect.stringMatching(text) } });
    expect(await vmsNamed(params.name)).toEqual([]);
    expect(((await env.admin.ok('listVolumes', { listall: true, storageid: pool().id })).volume as Obj[] | undefined)?.filter((v) => v.path === params.diskpath) ?? []).toEqual([]);
    expect((await env.admin.ok('listNetworks', { id: networkid })).network).toEqual(addressesBefore);
    await expectPoolLedgers(env, `after a refused import of ${params.diskpath}`);
  };

  beforeAll(async () => {
    env = await startTestStack();
    cat = await catalogue(env.admin);
    clusterid = env.stack.seed.cluster.id;
    networkid = ((await env.admin.ok('listNetworks', { listall: true })).network as Obj[])[0].id as string;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('makes a stopped VM of a QCOW2 on a shared pool, at the size its host reads, that then starts from it', async () => {
    const diskpath = sharedFile(12 * GiB);
    const plan = (await env.admin.ok('importVm', importing(diskpath, { dryrun: true }))).importplan as Obj;
    expect(plan).toMatchObject({ importable: true, powerstate: 'PowerOff', disk: [{ type: 'ROOT', storageid: pool().id, path: diskpath }], nic: [{ networkid, ipaddress: 'allocated' }] });
    expect(await vmsNamed(`legacy-vm-${seq}`)).toEqual([]);

    const done = await run(importing(diskpath, { displayname: 'Legacy one', 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': '10.1.1.200' }));
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { name: `legacy-vm-${seq}`, displayname: 'Legacy one', state: 'Stopped', templatename: 'kvm-default-vm-import-dummy-template', nic: [{ ipaddress: '10.1.1.200', networkid }] } } });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    expect(vm.instancename).toMatch(/^i-2-\d+-VM$/);
    const [root] = (await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume as Obj[];
    expect(root).toMatchObject({ type: 'ROOT', state: 'Ready', path: diskpath, storageid: pool().id, size: 12 * GiB });
    // The dummy template is never listed and never deployed from.
    expect(((await env.admin.ok('listTemplates', { templatefilter: 'all', listall: true })).template as Obj[]).map((t) => t.name)).not.toContain('kvm-default-vm-import-dummy-template');
    const dummy = await env.admin.call('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: vm.templateid });
    expect(dummy.status).toBe(431);

    expect(await env.admin.waitForJob((await env.admin.ok('startVirtualMachine', { id: vm.id })).jobid as string)).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running' } } });
    const hostid = (await vmsNamed(vm.name))[0].hostid as string;
    const host = env.stack.hosts.find((h) => h.hostId === hostid)!;
    // It boots the file it was made of, not a new overlay.
    expect(host.driver.domain(vm.instancename)).toMatchObject({ state: 'PowerOn', spec: { disks: [{ type: 'ROOT', path: diskpath, size: 12 * GiB }] } });
    expect(host.driver.volumeFile({ pool: { id: pool().id, type: 'SharedMountPoint' }, path: diskpath })).toBe(12 * GiB);
    await eventually(async () => ((await env.admin.ok('listEvents', { listall: true, type: 'VM.IMPORT' })).event as Obj[] | undefined)?.some((e) => e.resourceid === vm.id && /disk image/.test(e.description)) ?? false, 'VM.IMPORT');
    await expectOneCopyAndExactAccounting(env);
    await expectPoolLedgers(env, 'after a disk import');
    await expectExactListCounters();

    // The same file again: in use, whoever asks; also as the disk of a domain found on a host.
    await refusal(importing(diskpath, { name: 'again' }), 431, /^Disk image is already in use: volume .* was imported from it$/);
    const holder = guestOn(1, diskpath, 'PowerOff');
    await eventually(async () => ((await env.admin.ok('listUnmanagedInstances', { clusterid, name: holder })).count ?? 0) === 1, `${holder} listed`);
    const dry = (await env.admin.ok('importUnmanagedInstance', { clusterid, name: holder, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, dryrun: true })).importplan as Obj;
    expect(dry).toMatchObject({ importable: false, refusals: [{ errorcode: 431, errortext: expect.stringMatching(new RegExp(`^Disk image is already in use: ${diskpath} on storage pool .* is volume ${root.id}'s$`)) }] });
  });

  it('refuses what the inventory shows wrong, in CloudStack\'s words, before any job', async () => {
    const diskpath = sharedFile();
    const base = importing(diskpath);
    const without = (key: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
    await refusal(without('diskpath'), 431, 'Disk Path is required for Import from shared/local storage');
    await refusal(without('networkid'), 431, 'Network is required for Import from shared/local storage');
    await refusal(without('storageid'), 431, 'Storage Pool is required for Import from shared/local storage');
    // A path is a file of the pool, never a way out of its directory.
    await refusal({ ...base, diskpath: '../etc/shadow' }, 431, /^Disk Path \.\.\/etc\/shadow must be the file's name in storage pool /);
    await refusal({ ...base, importsource: 'vmware' }, 431, /^importsource=vmware is not supported/);
    await refusal({ ...base, importsource: 'external', host: '10.0.0.5' }, 431, /^importsource=external is not supported/);
    await refusal({ ...base, importsource: 'floppy' }, 431, 'Invalid importsource floppy: one of unmanaged, vmware, external, local, shared');
    await refusal({ ...base, hypervisor: 'VMware' }, 431, /^VM import is currently not supported for hypervisor: VMware/);
    await refusal({ ...base, 'datadiskofferinglist[0].disk': 'x', 'datadiskofferinglist[0].diskOffering': cat.offerings[0].id }, 431, /^Parameter datadiskofferinglist is for importsource=unmanaged/);
    await refusal({ ...base, 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': 'auto' }, 431, /^nicipaddresslist ip4Address=auto needs a running guest/);
    for (const ip of ['192.0.2.7', '10.1.1.1', 'not-an-ip'])
      await refusal({ ...base, 'nicipaddresslist[0].nic': '0', 'nicipaddresslist[0].ip4Address': ip }, 431, `IP address ${ip} for NIC(ID: 0) is not available in network(ID: ${networkid})`);
    // A dry run takes nothing: the dummy template is made by the first real import only.
    expect((await env.admin.ok('importVm', { ...base, dryrun: true })).importplan).toMatchObject({ importable: true, templatename: 'kvm-default-vm-import-dummy-template' });
    // A file Stratus made (a deployed VM's ROOT, named by its volume's id) and a template's image are in use.
    const deployed = await env.admin.waitForJob((await env.admin.ok('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid })).jobid as string);
    const [root] = (await env.admin.ok('listVolumes', { virtualmachineid: ((deployed.jobresult as Obj).virtualmachine as Obj).id, type: 'ROOT' })).volume as Obj[];
    await refusal(importing(root.path as string), 431, /^Disk image is already in use: it is the file of volume ROOT-/);
    await refusal(importing(`template-${cat.templateid}.qcow2`), 431, /^Disk image is already in use: it is a template's image/);
    // A shared pool through importsource=local: the host's own local pool is what local means.
    await refusal({ ...base, importsource: 'local', hostid: env.stack.hosts[0].hostId }, 431, 'Specified Local Storage Pool not found on Host');
    await refusal({ ...base, importsource: 'local' }, 431, 'Host is required for Import from local storage');
    expect(await vmsNamed(base.name)).toEqual([]);
  });

  it('fails the job, leaving nothing behind, when the host finds the file missing, not a standalone QCOW2, or in use', async () => {
    await failsLeavingNothing(importing('nowhere.qcow2', { name: 'missing-one' }), /^Disk image nowhere\.qcow2 is not found in storage pool/);
    await failsLeavingNothing(importing(sharedFile(GiB, { format: 'raw' }), { name: 'raw-one' }), /is raw, not QCOW2/);
    await failsLeavingNothing(importing(sharedFile(GiB, { backingFile: '/srv/base.qcow2' }), { name: 'overlay-one' }), /has a backing file \(\/srv\/base\.qcow2\): flatten it first/);
    await failsLeavingNothing(importing(sharedFile(GiB, { dataFile: '/var/lib/libvirt/images/other.raw' }), { name: 'external-one' }), /keeps its data in an external file/);
    // A guest Stratus never made runs from the file on another host: its QEMU holds the image's lock.
    const diskpath = sharedFile(2 * GiB);
    guestOn(env.stack.hosts.length - 1, diskpath, 'PowerOn');
    await failsLeavingNothing(importing(diskpath, { name: 'locked-one' }), /^Disk image is already in use: /);
    await expectExactListCounters();
  });

  it('imports a host\'s local disk with a local offering, and starts it on that host', async () => {
    const host = env.stack.hosts[1];
    await env.admin.ok('updateZone', { id: cat.zoneid, localstorageenabled: true });
    const localPool = async () => ((await env.admin.ok('listStoragePools', { hostid: host.hostId, scope: 'host' })).storagepool as Obj[] | undefined)?.[0];
    await eventually(async () => ((await localPool())?.disksizetotal ?? 0) > 0, 'the local pool');
    const local = (await localPool())!;
    const offering = ((await env.admin.ok('createServiceOffering', { name: 'Local Small', displaytext: 'Local Small', cpunumber: 1, cpuspeed: 500, memory: 512, storagetype: 'local' })).serviceoffering as Obj).id as string;
    const diskpath = `local-${++seq}.qcow2`;
    host.driver.placeDiskImage({ id: local.id, type: 'Filesystem' }, diskpath, 6 * GiB);
    const params = importing(diskpath, { importsource: 'local', hostid: host.hostId, storageid: local.id, serviceofferingid: offering, name: 'local-one' });
    await refusal({ ...params, hostid: env.stack.hosts[0].hostId }, 431, 'Specified Local Storage Pool not found on Host');
    await refusal({ ...params, serviceofferingid: cat.offerings[0].id }, 431, `Service offering: ${cat.offerings[0].id} storage tags are not compatible with selected storage pool: ${local.id}`);
    const shared = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'hostid'));
    await refusal({ ...shared, importsource: 'shared' }, 431, /is a host's local storage: import from it with importsource=local/);

    const done = await run(params);
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { name: 'local-one', state: 'Stopped' } } });
    const vm = (done.jobresult as Obj).virtualmachine as Obj;
    expect((await env.admin.ok('listVolumes', { virtualmachineid: vm.id })).volume).toEqual([expect.objectContaining({ path: diskpath, storageid: local.id, storagetype: 'local', size: 6 * GiB })]);
    expect(await env.admin.waitForJob((await env.admin.ok('startVirtualMachine', { id: vm.id })).jobid as string)).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { state: 'Running', hostid: host.hostId } } });
    await expectPoolLedgers(env, 'after a local disk import');
    await env.admin.ok('updateZone', { id: cat.zoneid, localstorageenabled: false });
  });

  it('imports an unmanaged domain with importsource=unmanaged, as importUnmanagedInstance does', async () => {
    const deployed = await env.admin.waitForJob((await env.admin.ok('deployVirtualMachine', { zoneid: cat.zoneid, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid })).jobid as string);
    const before = (deployed.jobresult as Obj).virtualmachine as Obj;
    expect(await env.admin.waitForJob((await env.admin.ok('unmanageVirtualMachine', { id: before.id })).jobid as string)).toMatchObject({ jobstatus: 1 });
    await refusal({ zoneid: cat.zoneid, clusterid, hypervisor: 'Simulator', importsource: 'unmanaged', name: before.instancename, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid, diskpath: 'x.qcow2' }, 431, /^Parameter diskpath is for importsource=local or shared/);
    const done = await run({ zoneid: cat.zoneid, clusterid, hypervisor: 'Simulator', importsource: 'unmanaged', name: before.instancename, serviceofferingid: cat.offerings[0].id, templateid: cat.templateid });
    expect(done).toMatchObject({ jobstatus: 1, jobresult: { virtualmachine: { instancename: before.instancename, state: 'Running', hostid: before.hostid } } });
    await expectPoolLedgers(env, 'after an unmanaged round trip through importVm');
  });
});
