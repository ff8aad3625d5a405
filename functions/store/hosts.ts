import type { Host } from '../../core/entities';
import { Repository } from './repository';

/**
 * A stored host as the domain sees it: its anti-affinity groups are a DynamoDB string set (so that
 * placement can ADD and DELETE them and test `contains` in a condition), read back as a JS Set.
 */
function fromItem(h: Host | undefined): Host | undefined {
  if (!h) return h;
  const anti = h.antiAffinityGroupIds as unknown;
  if (anti instanceof Set) return { ...h, antiAffinityGroupIds: [...(anti as Set<string>)].sort() };
  return h;
}

/** Host items as the API and the allocator read them (the agent's writes are in host-agent.ts). */
export class HostsRepository extends Repository {
  get = async (id: string, consistent = false) => fromItem(await this.getEntity<Host>('HOST', id, consistent));
  listAll = async () => (await this.listKind<Host>('HOST')).map((h) => fromItem(h)!);
  /** The allocator's capacity index: every host of a zone with its capacity, one Query. */
  listInZone = async (zoneId: string) => (await this.listScope<Host>('HOST', 'ZONE', zoneId)).map((h) => fromItem(h)!);
  create = (h: Host) => {
    const { antiAffinityGroupIds: anti, ...rest } = h;
    // An empty set cannot be stored; a list would refuse placement's ADD.
    const item = anti?.length ? { ...rest, antiAffinityGroupIds: new Set(anti) as unknown as string[] } : rest;
    return this.putEntity('HOST', item, { order: h.name, scope: { name: 'ZONE', id: h.zoneId } });
  };
}
