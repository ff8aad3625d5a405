import type { Host } from '../../core/entities';
import { Repository } from './repository';

/** Host items as the API and the allocator read them (the agent's writes are in host-agent.ts). */
export class HostsRepository extends Repository {
  get = (id: string, consistent = false) => this.getEntity<Host>('HOST', id, consistent);
  listAll = () => this.listKind<Host>('HOST');
  /** The allocator's capacity index: every host of a zone with its capacity, one Query. */
  listInZone = (zoneId: string) => this.listScope<Host>('HOST', 'ZONE', zoneId);
  create = (h: Host) => this.putEntity('HOST', h, { order: h.name, scope: { name: 'ZONE', id: h.zoneId } });
}
