import type { DiskOffering, Network, ServiceOffering, StoragePool, UnmanagedInstance } from '../../../core/entities';
import { planImport, type ImportRequest } from '../../../core/import-plan';

const offering = (o: Partial<ServiceOffering> = {}): ServiceOffering => ({ id: 'so', name: 'Small', displayText: 'Small', cpuNumber: 2, cpuSpeed: 1000, memory: 2048, offerHa: false, storageType: 'shared', dynamicScalingEnabled: true, isCustomized: false, created: '', ...o }) as ServiceOffering;
const network = (id: string, vlan?: number): Network => ({ id, name: id, displayText: id, zoneId: 'z', type: 'Shared', cidr: '10.1.1.0/24', gateway: '10.1.1.1', netmask: '255.255.255.0', domainId: 'd', created: '', ...(vlan !== undefined ? { vlan } : {}) });
const pool = (id: string, path: string, tags: string[] = []): StoragePool => ({ id, name: id, zoneId: 'z', scope: 'ZONE', type: 'NetworkFilesystem', host: 'nfs', path, url: '', state: 'Up', tags, capacityBytes: 2 ** 50, allocatedBytes: 0, usedBytes: 0, created: '', version: 1 }) as StoragePool;
const diskOffering = (id: string, gb: number, tags?: string): DiskOffering => ({ id, name: id, displayText: id, diskSize: gb, isCustomized: gb === 0, storageType: 'shared', provisioningType: 'thin', displayOffering: true, created: '', version: 1, ...(tags ? { tags } : {}) });

const instance = (o: Partial<UnmanagedInstance> = {}): UnmanagedInstance => ({
  id: 'h1/web',
  name: 'web',
  hostId: 'h1',
  hostName: 'host1',
  clusterId: 'c',
  zoneId: 'z',
  powerState: 'PowerOn',
  cpuNumber: 2,
  cpuCoresPerSocket: 1,
  cpuSpeed: 1000,
  memory: 2048,
  persistent: true,
  disks: [{ label: 'vda', capacity: 10 * 2 ** 30, imagePath: '/mnt/p1/web.qcow2', controller: 'virtio', controllerUnit: 0, position: 0, datastorePath: '/mnt/p1', datastoreType: 'file' }],
  nics: [{ networkName: 'br0', macAddress: '52:54:00:00:00:01', adapterType: 'virtio', ipAddresses: ['10.1.1.50'] }],
  reported: '',
  created: '',
  ...o,
});

const request = (o: Partial<ImportRequest> = {}): ImportRequest => ({
  instance: instance(),
  host: { id: 'h1', name: 'host1', zoneId: 'z', clusterId: 'c', hostTags: [] },
  offering: offering(),
  details: {},
  nicNetworks: {},
  nicIps: {},
  diskOfferings: {},
  networks: [network('untagged'), network('v120', 120)],
  pools: [pool('p1', '/srv/p1')],
  poolFactor: () => 1,
  macHolders: {},
  takenAddresses: {},
  migrateAllowed: false,
  forced: false,
  ...o,
});

describe('planImport (R-IMP rules)', () => {
  it('plans a running domain whose size matches a fixed offering: its NIC on the untagged network, its disk on the pool mounted at its directory', () => {
    const { plan, refusals } = planImport(request({ nicIps: { '0': 'auto' } }));
    expect(refusals).toEqual([]);
    expect(plan).toMatchObject({ offeringFit: 'matches', move: 'none', size: { cpuNumber: 2, cpuSpeed: 1000, memory: 2048 } });
    expect(plan!.nics).toEqual([{ id: '0', macAddress: '52:54:00:00:00:01', networkId: 'untagged', networkName: 'untagged', ipAddress: '10.1.1.50', matchedBy: 'vlan' }]);
    expect(plan!.disks).toEqual([{ id: '0', label: 'vda', type: 'ROOT', deviceId: 0, poolId: 'p1', poolName: 'p1', path: 'web.qcow2', size: 10 * 2 ** 30 }]);
  });

  it('refuses a fixed offering of another size while the domain runs, and applies it at the next start when it is off', () => {
    const running = planImport(request({ offering: offering({ cpuNumber: 4 }) }));
    expect(running.refusals.map((r) => r.text)).toEqual(['Failed to import Unmanaged VM [web] because the service offering [Small] is not compatible due to [Service offering (Small) 4 CPU cores do not match VM CPU cores 2 and VM is not in powered off state (Power state: PowerOn)].']);
    expect(planImport(request({ offering: offering({ cpuNumber: 4 }), instance: instance({ powerState: 'PowerOff' }) })).plan).toMatchObject({ offeringFit: 'at-next-start', size: { cpuNumber: 4 } });
  });

  it('gives a custom offering the domain\'s size, its speed from details or the shares', () => {
    const custom = offering({ isCustomized: true, cpuSpeed: 0, cpuNumber: 0, memory: 0 });
    expect(planImport(request({ offering: custom, instance: instance({ cpuNumber: 6, memory: 12288, cpuSpeed: 700 }) })).plan?.size).toEqual({ cpuNumber: 6, cpuSpeed: 700, memory: 12288 });
    expect(planImport(request({ offering: custom, details: { cpuSpeed: '2000' } })).plan?.size).toEqual({ cpuNumber: 2, cpuSpeed: 2000, memory: 2048 });
  });

  it('maps a tagged NIC by its VLAN, and refuses a map to a network on another VLAN or no network on it', () => {
    const tagged = instance({ nics: [{ networkName: 'br0', macAddress: '52:54:00:00:00:01', adapterType: 'virtio', vlanId: 120, ipAddresses: [] }] });
    expect(planImport(request({ instance: tagged })).plan?.nics[0]).toMatchObject({ networkId: 'v120', matchedBy: 'vlan', ipAddress: '' });
    expect(planImport(request({ instance: tagged, nicNetworks: { '0': network('untagged') } })).refusals.map((r) => r.text)).toEqual(['VLAN of network(ID: untagged) untagged is found different from the VLAN of nic(ID: 0) vlan://120 during VM import']);
    expect(planImport(request({ instance: tagged, networks: [network('untagged')] })).refusals[0].text).toMatch(/^Suitable network for nic\(ID: 0\) vlan:\/\/120 not found during VM import/);
  });

  it('refuses a MAC another VM holds unless forced, and takes back a MAC and address an unmanaged VM preserved', () => {
    const held = { '52:54:00:00:00:01': { vmId: 'other', networkId: 'untagged', ipAddress: '10.1.1.9', preserved: false } };
    expect(planImport(request({ macHolders: held })).refusals.map((r) => r.text)).toEqual(['Failed to import NICs while importing vm: web. NIC with MAC address 52:54:00:00:00:01 exists on network untagged and forced flag is disabled']);
    expect(planImport(request({ macHolders: held, forced: true })).plan?.nics[0]).toMatchObject({ macAddress: '', newMac: true });
    const preserved = { '52:54:00:00:00:01': { vmId: 'gone', networkId: 'untagged', ipAddress: '10.1.1.9', preserved: true } };
    expect(planImport(request({ macHolders: preserved, takenAddresses: { untagged: { '10.1.1.9': 'gone' } } })).plan?.nics[0]).toMatchObject({ macAddress: '52:54:00:00:00:01', ipAddress: '10.1.1.9', takenFromVmId: 'gone' });
  });

  it('refuses `auto` without exactly one reported address, and an address out of range or taken', () => {
    const none = instance({ nics: [{ networkName: 'br0', macAddress: '52:54:00:00:00:01', adapterType: 'virtio', ipAddresses: [] }] });
    expect(planImport(request({ instance: none, nicIps: { '0': 'auto' } })).refusals[0].text).toMatch(/^No IP address is known for nic\(ID: 0\)/);
    const two = instance({ nics: [{ networkName: 'br0', macAddress: '52:54:00:00:00:01', adapterType: 'virtio', ipAddresses: ['10.1.1.5', '10.1.1.6'] }] });
    expect(planImport(request({ instance: two, nicIps: { '0': 'auto' } })).refusals[0].text).toMatch(/^Unable to auto-assign an IP address to nic\(ID: 0\)/);
    expect(planImport(request({ nicIps: { '0': '10.1.1.1' } })).refusals[0].text).toBe('IP address 10.1.1.1 for NIC(ID: 0) is not available in network(ID: untagged)');
    expect(planImport(request({ nicIps: { '0': '10.1.1.7' }, takenAddresses: { untagged: { '10.1.1.7': 'vm-x' } } })).refusals[0].text).toBe('IP address 10.1.1.7 for NIC(ID: 0) is not available in network(ID: untagged)');
  });

  it('needs a disk offering for every disk but ROOT, at least the disk\'s size, on a pool it suits; a disk on no known pool is refused', () => {
    const twoDisks = instance({ disks: [...instance().disks, { label: 'vdb', capacity: 50 * 2 ** 30, imagePath: 'p1/data.qcow2', controller: 'virtio', controllerUnit: 0, position: 1, datastoreName: 'p1', datastoreType: 'volume' }] });
    expect(planImport(request({ instance: twoDisks })).refusals.map((r) => r.text)).toEqual(['VM has total 2 disks for which 0 disk offering mappings provided. 1 disks need a disk offering for import']);
    expect(planImport(request({ instance: twoDisks, diskOfferings: { '1': diskOffering('small', 20) } })).refusals.map((r) => r.text)).toEqual(['Size of disk offering(ID: small) 20GB is found less than the size of disk(ID: 1) 50GB during VM import']);
    const ok = planImport(request({ instance: twoDisks, diskOfferings: { '1': diskOffering('big', 100) } }));
    expect(ok.plan?.disks.map((d) => [d.type, d.deviceId, d.path, d.size])).toEqual([['ROOT', 0, 'web.qcow2', 10 * 2 ** 30], ['DATADISK', 1, 'data.qcow2', 50 * 2 ** 30]]);
    expect(planImport(request({ instance: twoDisks, diskOfferings: { '1': diskOffering('gold', 100, 'gold') } })).refusals[0].text).toMatch(/^Disk offering: gold is not compatible with storage pool: p1 of unmanaged disk: vdb \(it lacks the storage tag gold\)/);
    expect(planImport(request({ pools: [pool('p2', '/srv/other')] })).refusals.map((r) => r.text)).toEqual(['Storage pool for disk vda(0) with datastore: /mnt/p1 not found in zone ID: z']);
  });

  it('refuses a host its offering\'s tags rule out, unless migrateallowed: then a running VM moves live, a stopped one at its next start', () => {
    const tagged = offering({ hostTags: 'fast' });
    expect(planImport(request({ offering: tagged })).refusals[0].text).toMatch(/^Service offering: Small or template is not compatible with host: host1 of unmanaged VM: web/);
    expect(planImport(request({ offering: tagged, migrateAllowed: true })).plan?.move).toBe('live-migration');
    expect(planImport(request({ offering: tagged, migrateAllowed: true, instance: instance({ powerState: 'PowerOff' }) })).plan?.move).toBe('at-next-start');
  });

  it('refuses disks Stratus would misread at the next start (not QCOW2, not virtio), two NICs on one address, and another address for a NIC it takes back', () => {
    const raw = instance({ disks: [{ ...instance().disks[0], format: 'raw' }] });
    expect(planImport(request({ instance: raw })).refusals[0].text).toMatch(/^Disk vda\(0\) of VM web is raw: Stratus runs QCOW2 disks/);
    const sata = instance({ disks: [{ ...instance().disks[0], controller: 'sata' }] });
    expect(planImport(request({ instance: sata })).refusals[0].text).toMatch(/^Disk vda\(0\) of VM web is on the sata bus/);
    const twoNics = instance({ nics: [instance().nics[0], { ...instance().nics[0], macAddress: '52:54:00:00:00:02' }] });
    expect(planImport(request({ instance: twoNics, nicIps: { '0': '10.1.1.60', '1': '10.1.1.60' } })).refusals.map((r) => r.text)).toEqual(['Two NICs of VM web would have address 10.1.1.60 on one network']);
    const preserved = { '52:54:00:00:00:01': { vmId: 'gone', networkId: 'untagged', ipAddress: '10.1.1.9', preserved: true } };
    expect(planImport(request({ macHolders: preserved, nicIps: { '0': '10.1.1.70' } })).refusals[0].text).toMatch(/^NIC\(ID: 0\) takes back the NIC VM gone kept/);
  });
});
