import type { Host, Vm } from '../../../core/entities';
import {
  decideForDownHost,
  fenceAfterMsOf,
  haDomainsOf,
  haTimings,
  heartbeatVerdict,
  placedOn,
  poweredOffByGuest,
  reportedOff,
  selfFenced,
  stopOrdersFor,
} from '../../../core/ha';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

const host = (over: Partial<Host> = {}): Host => ({
  id: 'h1',
  name: 'kvm-1',
  zoneId: 'z',
  podId: 'p',
  clusterId: 'c',
  hypervisor: 'KVM',
  state: 'Up',
  resourceState: 'Enabled',
  ipAddress: '10.0.0.1',
  cpuNumber: 8,
  cpuSpeed: 2000,
  memoryTotal: 16384,
  cpuUsed: 0,
  memoryUsed: 0,
  cpuOverprovisioning: 1,
  memoryOverprovisioning: 1,
  hostTags: [],
  created: ago(3600),
  version: 1,
  ...over,
});

const vm = (over: Partial<Vm> = {}): Vm => ({
  id: 'v1',
  name: 'web',
  displayName: 'web',
  instanceName: 'i-2-1-VM',
  accountId: 'a',
  userId: 'u',
  domainId: 'd',
  domainPath: 'ROOT',
  zoneId: 'z',
  serviceOfferingId: 'o',
  templateId: 't',
  osTypeId: 'os',
  cpuNumber: 1,
  cpuSpeed: 500,
  memory: 512,
  state: 'Running',
  hostId: 'h1',
  nics: [],
  haEnable: true,
  details: {},
  affinityGroupIds: [],
  created: ago(3600),
  lastUpdated: ago(600),
  version: 3,
  ...over,
});

describe('HA timings', () => {
  it.each([
    // agent.fence.interval, host.down.timeout, fence after (ms): the smaller of the interval and 2/3 of the Down limit
    [120, 180, 120_000],
    [170, 180, 120_000],
    [2, 4, 2_000],
    [10, 4, 2_666],
  ])('fences after min(%i s, %i s x 2/3)', (fence, down, expected) => {
    expect(fenceAfterMsOf(fence, down)).toBe(expected);
  });

  it('judges a host Alert after ping.interval x ping.timeout and Down after host.down.timeout', () => {
    // Prepare
    const t = haTimings({ pingInterval: 60, pingTimeout: 2.5, hostDownTimeout: 180, agentFenceInterval: 120 });
    // Act / Assess
    expect(t).toEqual({ alertAfterMs: 150_000, downAfterMs: 180_000, fenceAfterMs: 120_000 });
    expect(heartbeatVerdict(host({ lastHeartbeat: ago(149) }), NOW, t)).toBe('Up');
    expect(heartbeatVerdict(host({ lastHeartbeat: ago(151) }), NOW, t)).toBe('Alert');
    expect(heartbeatVerdict(host({ lastHeartbeat: ago(181) }), NOW, t)).toBe('Down');
    expect(heartbeatVerdict(host({ lastHeartbeat: undefined }), NOW, t)).toBeUndefined();
  });
});

describe('what a host runs and must stop', () => {
  it.each([
    ['Running', 'h1', true],
    ['Starting', 'h1', true],
    ['Stopping', 'h1', true],
    ['Migrating', 'h1', true],
    ['Error', 'h1', true],
    ['Stopped', undefined, false],
    ['Running', 'h2', false],
    ['Destroyed', undefined, false],
  ] as const)('places a VM %s with host %s on h1: %s', (state, hostId, placed) => {
    expect(placedOn(vm({ state, hostId }), 'h1')).toBe(placed);
  });

  it('places a live migration on its destination too', () => {
    const moving = vm({ state: 'Migrating', hostId: 'h2', migration: { hostId: 'h1', cpu: 500, memory: 512, affinityHeld: { antiAffinity: [], affinity: [] }, since: ago(5) } });
    expect(placedOn(moving, 'h1')).toBe(true);
    expect(placedOn(moving, 'h2')).toBe(true);
  });

  it('lists the HA-enabled VMs placed on the host, sorted', () => {
    // Prepare
    const vms = [
      vm({ id: 'b', instanceName: 'i-2-9-VM' }),
      vm({ id: 'a', instanceName: 'i-2-3-VM', state: 'Starting' }),
      vm({ id: 'c', instanceName: 'i-2-4-VM', haEnable: false }),
      vm({ id: 'd', instanceName: 'i-2-5-VM', hostId: 'h2' }),
      vm({ id: 'e', instanceName: 'i-2-6-VM', state: 'Stopped', hostId: undefined }),
    ];
    // Act / Assess
    expect(haDomainsOf('h1', vms)).toEqual(['i-2-3-VM', 'i-2-9-VM']);
  });

  it('orders a returning host to stop what runs there but is placed elsewhere or stopped, and leaves unknown domains alone', () => {
    // Prepare
    const byInstance = new Map(
      [
        vm({ instanceName: 'moved', hostId: 'h2' }),
        vm({ instanceName: 'stopped', state: 'Stopped', hostId: undefined }),
        vm({ instanceName: 'still-here' }),
        vm({ instanceName: 'off-already', state: 'Stopped', hostId: undefined }),
      ].map((v) => [v.instanceName, v]),
    );
    // Act
    const stop = stopOrdersFor('h1', { moved: 'PowerOn', stopped: 'PowerOn', 'still-here': 'PowerOn', 'off-already': 'PowerOff', stranger: 'PowerOn' }, byInstance);
    // Assess
    expect(stop).toEqual(['moved', 'stopped']);
  });
});

describe('proof that a VM is off', () => {
  it('takes a heartbeat read after the VM last changed that shows it off or gone, with no task on it', () => {
    const v = vm({ lastUpdated: ago(30) });
    expect(reportedOff(v, host({ previousHeartbeat: ago(20), powerStates: { [v.instanceName]: 'PowerOff' } }))).toBe(true);
    expect(reportedOff(v, host({ previousHeartbeat: ago(20), powerStates: {} }))).toBe(true);
    // Read before the VM's last change: the list may predate its start.
    expect(reportedOff(v, host({ previousHeartbeat: ago(40), powerStates: {} }))).toBe(false);
    expect(reportedOff(v, host({ previousHeartbeat: ago(20), powerStates: { [v.instanceName]: 'PowerOn' } }))).toBe(false);
    expect(reportedOff(v, host({ previousHeartbeat: ago(20), powerStates: { [v.instanceName]: 'Unknown' } }))).toBe(false);
    expect(reportedOff(v, host({ previousHeartbeat: ago(20), powerStates: {}, busyDomains: [v.instanceName] }))).toBe(false);
  });

  it('takes a self-fence only for a VM named in the last two fence orders, once the fence delay has passed', () => {
    const v = vm();
    const told = { fenceDomains: [v.instanceName], priorFenceDomains: [v.instanceName], fenceAfterMs: 2000 };
    expect(selfFenced(v, host({ ...told, lastHeartbeat: ago(3) }), NOW)).toBe(true);
    expect(selfFenced(v, host({ ...told, lastHeartbeat: ago(1) }), NOW)).toBe(false);
    // Only the last answer named it: that answer may never have reached the agent.
    expect(selfFenced(v, host({ ...told, priorFenceDomains: [], lastHeartbeat: ago(3) }), NOW)).toBe(false);
    expect(selfFenced(v, host({ ...told, fenceAfterMs: undefined, lastHeartbeat: ago(3) }), NOW)).toBe(false);
  });
});

describe('decideForDownHost', () => {
  const down = (over: Partial<Host> = {}) => host({ state: 'Down', lastHeartbeat: ago(10), previousHeartbeat: ago(11), powerStates: { 'i-2-1-VM': 'PowerOn' }, ...over });
  const fenced = { fenceDomains: ['i-2-1-VM'], priorFenceDomains: ['i-2-1-VM'], fenceAfterMs: 2000 };

  it.each([
    ['a job holds it', vm({ activeJobId: 'j1' }), down(fenced), { action: 'wait' }],
    ['it is Stopping with no job (the reconciler settles it)', vm({ state: 'Stopping' }), down(fenced), { action: 'wait' }],
    ['HA and self-fenced', vm(), down(fenced), { action: 'stop', restart: true }],
    ['HA and reported off', vm({ lastUpdated: ago(60) }), down({ powerStates: {} }), { action: 'stop', restart: true }],
    ['HA and not proven off', vm(), down(), { action: 'leave' }],
    ['not HA, not proven off', vm({ haEnable: false }), down(), { action: 'stop', restart: false }],
    ['HA in Error holding capacity, self-fenced', vm({ state: 'Error' }), down(fenced), { action: 'stop', restart: true }],
  ] as const)('%s', (_label, v, h, expected) => {
    expect(decideForDownHost(v, h, { storageType: 'shared' }, NOW)).toMatchObject(expected);
  });

  it('stops an HA VM on local storage without restarting it', () => {
    const decision = decideForDownHost(vm(), down(fenced), { storageType: 'local' }, NOW);
    expect(decision).toMatchObject({ action: 'stop', restart: false });
    expect(decision.action === 'stop' && decision.evidence).toMatch(/HA with local storage is not supported/);
  });

  it('names the evidence it used', () => {
    const decision = decideForDownHost(vm(), down(fenced), { storageType: 'shared' }, NOW);
    expect(decision.action === 'stop' && decision.evidence).toMatch(/told to power it off after 2000 ms without contact/);
  });
});

describe('poweredOffByGuest', () => {
  const seen = { previousHeartbeat: ago(5), lastHeartbeat: ago(4) };
  it.each([
    ['off on an Up host, after its last change', vm(), host({ ...seen, powerStates: { 'i-2-1-VM': 'PowerOff' } }), true],
    ['gone from an Up host', vm(), host({ ...seen, powerStates: {} }), true],
    ['still on', vm(), host({ ...seen, powerStates: { 'i-2-1-VM': 'PowerOn' } }), false],
    ['a job holds it (a stop in progress)', vm({ activeJobId: 'j' }), host({ ...seen, powerStates: {} }), false],
    ['its host is in Alert', vm(), host({ ...seen, state: 'Alert', powerStates: {} }), false],
    ['it changed after the list was read', vm({ lastUpdated: ago(1) }), host({ ...seen, powerStates: {} }), false],
  ] as const)('%s', (_label, v, h, expected) => {
    expect(poweredOffByGuest(v, h)).toBe(expected);
  });
});
