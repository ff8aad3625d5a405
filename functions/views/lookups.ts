import type { Account, AffinityGroup, Cluster, DiskOffering, Domain, Host, Pod, ServiceOffering, StoragePool, Template, User, Vm, VmSnapshot, Zone, BackupOffering } from '../../core/entities';
import type { Store } from '../store';
import { fromStoredHost } from '../store/hosts';
import type { Kind } from '../store/keys';

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
  pool(id: string): Promise<StoragePool | undefined>;
  diskOffering(id: string): Promise<DiskOffering | undefined>;
  vm(id: string): Promise<Vm | undefined>;
  vmSnapshot(id: string): Promise<VmSnapshot | undefined>;
  backupOffering(id: string): Promise<BackupOffering | undefined>;
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
  // Every name a page's items show, of whatever kind, is read in one BatchGetItem per turn.
  const entity = batchedMemo(async (pks) => {
    const found = await store.listing.entities(pks.map((pk) => ({ pk, sk: pk.slice(0, pk.indexOf('#')) })));
    return pks.filter((pk) => found.has(pk)).map((pk) => ({ ...found.get(pk)!, id: pk }));
  });
  const of =
    <T>(kind: Kind) =>
    async (id: string) => {
      const item = await entity(`${kind}#${id}`);
      return item && ({ ...item, id } as unknown as T);
    };
  const host = of<Host>('HOST');
  return {
    zone: memo(of<Zone>('ZONE')),
    pod: memo(of<Pod>('POD')),
    cluster: memo(of<Cluster>('CLUSTER')),
    offering: memo(of<ServiceOffering>('OFFERING')),
    template: memo(of<Template>('TEMPLATE')),
    host: memo(async (id) => fromStoredHost(await host(id))),
    account: memo(of<Account>('ACCOUNT')),
    domain: memo(of<Domain>('DOMAIN')),
    user: memo(of<User>('USER')),
    affinityGroup: memo(of<AffinityGroup>('AFFINITYGROUP')),
    pool: memo(of<StoragePool>('STORAGEPOOL')),
    diskOffering: memo(of<DiskOffering>('DISKOFFERING')),
    vm: memo(of<Vm>('VM')),
    vmSnapshot: memo(of<VmSnapshot>('VMSNAPSHOT')),
    backupOffering: memo(of<BackupOffering>('BACKUPOFFERING')),
    hiddenDetails: once(async () => detailNames(await store.settings.get('user.vm.blacklisted.details'))),
  };
}
