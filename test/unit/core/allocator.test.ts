import { capacityOf, explainNoHost, firstFit } from '../../../core/allocator';
import type { Host } from '../../../core/entities';

const host = (name: string, over: Partial<Host> = {}): Host => ({
  id: `id-${name}`,
  name,
  zoneId: 'z',
  podId: 'p',
  clusterId: 'c',
  hypervisor: 'Simulator',
  state: 'Up',
  resourceState: 'Enabled',
  ipAddress: '192.0.2.1',
  cpuNumber: 4,
  cpuSpeed: 1000,
  memoryTotal: 4096,
  cpuUsed: 0,
  memoryUsed: 0,
  cpuOverprovisioning: 1,
  memoryOverprovisioning: 1,
  hostTags: [],
  created: '2026-01-01T00:00:00Z',
  version: 1,
  ...over,
});

describe('first-fit allocation', () => {
  it('takes the first host by name that has room', () => {
    const result = firstFit([host('b'), host('a', { cpuUsed: 4000 }), host('c')], { cpu: 1000, memory: 1024 });
    expect(result).toMatchObject({ ok: true, host: { name: 'b' } });
  });

  it('applies the overprovisioning factors to the ceilings', () => {
    expect(capacityOf(host('a', { cpuOverprovisioning: 2, memoryOverprovisioning: 1.5 }))).toEqual({ cpu: 8000, memory: 6144 });
    expect(firstFit([host('a', { cpuUsed: 4000, cpuOverprovisioning: 2 })], { cpu: 4000, memory: 1024 }).ok).toBe(true);
  });

  it('explains every host it rules out, grouped by constraint', () => {
    const result = firstFit(
      [host('down', { state: 'Down' }), host('off', { resourceState: 'Disabled' }), host('full', { memoryUsed: 4000 }), host('busy', { cpuUsed: 3900 }), host('untagged')],
      { cpu: 500, memory: 512, hostTags: ['ssd'] },
    );
    expect(result.ok).toBe(false);
    const text = explainNoHost('VM[User|i-2-7-VM]', 'zone1', result.ok ? [] : result.ruledOut);
    expect(text).toBe(
      'Unable to create a deployment for VM[User|i-2-7-VM]: no host in zone zone1 can take it; 5 host(s) ruled out by ' +
        'host tags (3): host busy lacks host tag(s) ssd; host full lacks host tag(s) ssd; host untagged lacks host tag(s) ssd | ' +
        'not Up (1): host down is Down | not enabled for allocation (1): host off is Disabled',
    );
  });

  it('says so when a zone has no hosts at all', () => {
    expect(explainNoHost('VM[User|i-2-7-VM]', 'zone1', [])).toBe('Unable to create a deployment for VM[User|i-2-7-VM]: zone zone1 has no hosts');
  });
});
