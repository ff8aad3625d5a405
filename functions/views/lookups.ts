import type { Account, AffinityGroup, Cluster, Domain, Host, Pod, ServiceOffering, Template, User, Zone } from '../../core/entities';
import type { Store } from '../store';

/**
 * Names that responses show beside ids (zonename, templatename, ...), read once per request: a list
 * of 500 VMs in one zone reads the zone once.
 */
export interface Lookups {
  zone(id: string): Promise<Zone | undefined>;
  pod(id: string): Promise<Pod | undefined>;
  cluster(id: string): Promise<Cluster | undefined>;
  offering(id: string): Promise<ServiceOffering | undefined>;
  template(id: string): Promise<Template | undefined>;
  host(id: string): Promise<Host | undefined>;
  account(id: string): Promise<Account | undefined>;
  domain(id: string): Promise<Domain | undefined>;
  user(id: string): Promise<User | undefined>;
  affinityGroup(id: string): Promise<AffinityGroup | undefined>;
  /** VM detail names callers other than the root admin neither see nor set (user.vm.blacklisted.details). */
  hiddenDetails(): Promise<ReadonlySet<string>>;
}

/** `load` once per key for the life of the returned function (a request, a scheduled run). */
export function memo<T>(load: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (id: string) => {
    let p = seen.get(id);
    if (!p) seen.set(id, (p = load(id)));
    return p;
  };
}

/**
 * Like memo, but the keys asked for in one turn of the event loop (a page's items rendered at once)
 * are read together, by one `loadMany` (a BatchGetItem): a page of 20 VMs on 20 hosts reads its hosts
 * in one round trip, not twenty.
 */
export function batchedMemo<T extends { id: string }>(loadMany: (ids: string[]) => Promise<T[]>): (id: string) => Promise<T | undefined> {
  const seen = new Map<string, Promise<T | undefined>>();
  let waiting: Map<string, { resolve: (v: T | undefined) => void; reject: (e: unknown) => void }> | undefined;
  const flush = () => {
    const batch = waiting!;
    waiting = undefined;
    loadMany([...batch.keys()]).then(
      (items) => {
        const byId = new Map(items.map((i) => [i.id, i]));
        for (const [id, w] of batch) w.resolve(byId.get(id));
      },
      (err) => {
        for (const w of batch.values()) w.reject(err);
      },
    );
  };
  return (id: string) => {
    let p = seen.get(id);
    if (!p) {
      p = new Promise<T | undefined>((resolve, reject) => {
        if (!waiting) {
          waiting = new Map();
          queueMicrotask(flush);
        }
        waiting.set(id, { resolve, reject });
      });
      seen.set(id, p);
    }
    return p;
  };
}

function once<T>(load: () => Promise<T>) {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
}

/** `user.vm.blacklisted.details` as a set of names (comma-separated, blanks ignored). */
export const detailNames = (text: string): ReadonlySet<string> => new Set(text.split(',').map((d) => d.trim()).filter(Boolean));

export function createLookups(store: Store): Lookups {
  return {
    zone: memo((id) => store.inventory.getZone(id)),
    pod: memo((id) => store.inventory.getPod(id)),
    cluster: memo((id) => store.inventory.getCluster(id)),
    offering: memo((id) => store.inventory.getServiceOffering(id)),
    template: memo((id) => store.inventory.getTemplate(id)),
    host: batchedMemo((ids) => store.hosts.getMany(ids)),
    account: memo((id) => store.inventory.getAccount(id)),
    domain: memo((id) => store.inventory.getDomain(id)),
    user: memo((id) => store.inventory.getUser(id)),
    affinityGroup: memo((id) => store.affinity.get(id)),
    hiddenDetails: once(async () => detailNames(await store.settings.get('user.vm.blacklisted.details'))),
  };
}
