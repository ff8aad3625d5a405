import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmSpec } from '../../../core/agent-protocol';
import { seededPool } from '../../../functions/bootstrap/seed';
import { expectExactListCounters, expectOneCopyAndExactAccounting, expectPoolLedgers } from '../../support/invariants';
import { CLOUDSTACK_CLI, cloudstack, jsonOf, requireTool, startCompatStack, type CompatStack } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The seeds' bulk import procedure (OP-52) with the `cloudstack` CLI, as an operator scripts it:
 * listUnmanagedInstances into a CSV, the CSV given an offering per row, then a loop sending
 * importUnmanagedInstance for each row (the CLI waits for each job). 50 guests Stratus never made, on
 * two hosts; afterwards every one is a Running VM on its host, none is listed as unmanaged, and the
 * ledgers (host capacity, pool space, list counters) are exact.
 */
jest.setTimeout(600_000);

describe('bulk import from a CSV with the cs CLI (OP-52)', () => {
  let env: CompatStack;
  let dir: string;
  const cs = (...args: string[]) => cloudstack(env.stack.apiUrl, env.stack.credentials, args);
  /** A list's count as the CLI prints it (nothing at all for an empty list). */
  const countOf = async (...args: string[]) => {
    const r = await cs(...args);
    return r.stdout.trim() ? Number(jsonOf<Obj>(r).count ?? 0) : 0;
  };

  beforeAll(async () => {
    requireTool(CLOUDSTACK_CLI, 'cs python3-cs');
    env = await startCompatStack({ simHost: { cpuNumber: 128, cpuSpeed: 2000, memoryTotal: 524288 } });
    dir = mkdtempSync(join(tmpdir(), 'stratus-bulk-'));
  }, 120_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await env?.stop();
  }, 60_000);

  it('imports 50 guests listed into a CSV, one importUnmanagedInstance per row, and leaves the ledgers exact', async () => {
    // Prepare: 50 running guests, on two hosts, their disks on the cluster's pool
    const clusterid = env.stack.seed.cluster.id;
    const pool = { ...seededPool(clusterid, 'Simulator'), type: 'SharedMountPoint' as const, host: 'localhost' };
    for (const [h, host] of env.stack.hosts.entries()) {
      host.driver.seed(
        Array.from({ length: 25 }, (_, i): { spec: VmSpec; state: 'PowerOn'; unmanaged: true } => {
          const name = `bulk-${h}-${String(i).padStart(2, '0')}`;
          return {
            spec: { vmId: '', instanceName: name, displayName: name, cpuNumber: 1, cpuSpeed: 500, memory: 512, template: { id: '', url: '', format: 'QCOW2' }, nics: [{ macAddress: `52:54:00:cc:0${h}:${i.toString(16).padStart(2, '0')}`, networkName: 'br0', ipAddress: '' }], disks: [{ volumeId: `${name}-0`, type: 'ROOT', deviceId: 0, path: `${name}.qcow2`, size: 4 * 2 ** 30, pool }] },
            state: 'PowerOn',
            unmanaged: true,
          };
        }),
      );
    }
    for (let i = 0; i < 150 && (await countOf('listUnmanagedInstances', `clusterid=${clusterid}`, 'pagesize=1', 'page=1')) < 50; i++) await new Promise((r) => setTimeout(r, 100));
    const offering = (jsonOf<Obj>(await cs('listServiceOfferings', 'name=Custom Instance')).serviceoffering as Obj[])[0].id as string;
    const template = (jsonOf<Obj>(await cs('listTemplates', 'templatefilter=executable')).template as Obj[])[0].id as string;

    // Act: steps 3 and 4, the CSV with its metadata; step 5, the loop
    const listed = jsonOf<Obj>(await cs('listUnmanagedInstances', `clusterid=${clusterid}`, 'pagesize=500', 'page=1')).unmanagedinstance as Obj[];
    const csv = join(dir, 'instances.csv');
    writeFileSync(csv, ['name,host,cpunumber,memory,serviceofferingid,templateid', ...listed.map((u) => [u.name, u.hostname, u.cpunumber, u.memory, offering, template].join(','))].join('\n') + '\n');
    const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    const outcomes: Array<{ name: string; code: number; vm?: Obj }> = [];
    for (const [name, , , , serviceofferingid, templateid] of rows) {
      const r = await cs('importUnmanagedInstance', `clusterid=${clusterid}`, `name=${name}`, `serviceofferingid=${serviceofferingid}`, `templateid=${templateid}`, 'details[0].cpuSpeed=500');
      outcomes.push({ name, code: r.code ?? -1, vm: r.code === 0 ? (jsonOf<Obj>(r).virtualmachine as Obj) : undefined });
    }

    // Assess
    expect(rows).toHaveLength(50);
    expect(outcomes.filter((o) => o.code !== 0)).toEqual([]);
    expect(outcomes.every((o) => o.vm?.state === 'Running' && o.vm?.instancename === o.name)).toBe(true);
    expect(await countOf('listUnmanagedInstances', `clusterid=${clusterid}`)).toBe(0);
    expect(await countOf('listVirtualMachines', 'listall=true', 'pagesize=1', 'page=1')).toBe(50);
    await expectOneCopyAndExactAccounting(env);
    await expectPoolLedgers(env, 'after the bulk import');
    await expectExactListCounters();
  });

  it('makes VMs of QCOW2 files copied onto the shared pool, with importVm importsource=shared', async () => {
    // Prepare: three images an operator copied into the pool's directory
    const clusterid = env.stack.seed.cluster.id;
    const pool = seededPool(clusterid, 'Simulator');
    const files = ['web-a.qcow2', 'web-b.qcow2', 'db-a.qcow2'];
    for (const [i, f] of files.entries()) env.stack.hosts[0].driver.placeDiskImage({ id: pool.id, type: 'SharedMountPoint' }, f, (i + 4) * 2 ** 30);
    const zoneid = (jsonOf<Obj>(await cs('listZones')).zone as Obj[])[0].id as string;
    const networkid = (jsonOf<Obj>(await cs('listNetworks', 'listall=true')).network as Obj[])[0].id as string;
    const offering = (jsonOf<Obj>(await cs('listServiceOfferings', 'name=Small Instance')).serviceoffering as Obj[])[0].id as string;

    // Act
    const made: Obj[] = [];
    for (const f of files) {
      const r = await cs('importVm', `zoneid=${zoneid}`, `clusterid=${clusterid}`, 'hypervisor=Simulator', 'importsource=shared', `name=${f.replace('.qcow2', '')}`, `serviceofferingid=${offering}`, `networkid=${networkid}`, `storageid=${pool.id}`, `diskpath=${f}`);
      expect({ f, code: r.code }).toEqual({ f, code: 0 });
      made.push(jsonOf<Obj>(r).virtualmachine as Obj);
    }
    const again = await cs('importVm', `zoneid=${zoneid}`, `clusterid=${clusterid}`, 'hypervisor=Simulator', 'importsource=shared', 'name=twice', `serviceofferingid=${offering}`, `networkid=${networkid}`, `storageid=${pool.id}`, `diskpath=${files[0]}`);

    // Assess
    expect(made.map((vm) => ({ name: vm.name, state: vm.state }))).toEqual(files.map((f) => ({ name: f.replace('.qcow2', ''), state: 'Stopped' })));
    for (const [i, vm] of made.entries()) {
      const volumes = jsonOf<Obj>(await cs('listVolumes', `virtualmachineid=${vm.id}`)).volume as Obj[];
      expect(volumes).toEqual([expect.objectContaining({ type: 'ROOT', path: files[i], size: (i + 4) * 2 ** 30, state: 'Ready' })]);
    }
    expect(again.code).not.toBe(0);
    expect(`${again.stdout}${again.stderr}`).toContain('Disk image is already in use');
    await expectPoolLedgers(env, 'after importVm with the CLI');
    await expectExactListCounters();
  });
});
