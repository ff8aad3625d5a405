import { isAdmin, list, type Obj } from '../api';
import { href, navigate, type Route } from '../router';
import { Loading, Pager, SearchForm, StateBadge, Table, useLoad, type Column } from '../ui';

export const PAGE_SIZE = 20;
const STATES = ['Running', 'Stopped', 'Starting', 'Stopping', 'Migrating', 'Error', 'Destroyed'];

export const ipsOf = (vm: Obj): string => ((vm.nic ?? []) as Obj[]).map((n) => n.ipaddress).filter(Boolean).join(', ') || '—';
export const tagsOf = (o: Obj) => ((o.tags ?? []) as Obj[]).map((t) => (
  <span key={t.key} class="tag">
    {t.key}={t.value}
  </span>
));

/** The instances list: state filter, search, and the API's own paging (`page`, `pagesize`, `count`). */
export function Instances({ route }: { route: Route }) {
  const page = Number(route.query.get('page') ?? 1) || 1;
  const state = route.query.get('state') ?? '';
  const keyword = route.query.get('keyword') ?? '';
  const vms = useLoad(() => list('listVirtualMachines', { page, pagesize: PAGE_SIZE, state: state || undefined, keyword: keyword || undefined, listall: true }), [page, state, keyword]);
  const go = (q: Record<string, string | number | undefined>) => navigate('/instances', { state, keyword, page, ...q });

  const columns: Column<Obj>[] = [
    { title: 'Name', cell: (vm) => <a href={href(`/instances/${vm.id}`)}>{vm.displayname || vm.name}</a> },
    { title: 'State', cell: (vm) => <StateBadge state={vm.state} /> },
    { title: 'IP addresses', cell: ipsOf },
    ...(isAdmin() ? [{ title: 'Host', cell: (vm: Obj) => vm.hostname ?? '—', wide: true }, { title: 'Account', cell: (vm: Obj) => vm.account, wide: true }] : []),
    { title: 'Offering', cell: (vm) => vm.serviceofferingname, wide: true },
    { title: 'Zone', cell: (vm) => vm.zonename, wide: true },
    { title: 'Tags', cell: tagsOf, wide: true },
  ];
  return (
    <section>
      <header class="page-head">
        <h1>Instances</h1>
        <a class="button primary" href={href('/deploy')}>
          Deploy instance
        </a>
      </header>
      <SearchForm keyword={keyword} label="Search instances" placeholder="Search by name" onSearch={(k) => go({ keyword: k, page: 1 })}>
        <select name="state" aria-label="State" value={state} onChange={(e) => go({ state: (e.target as HTMLSelectElement).value, page: 1 })}>
          <option value="">All states</option>
          {STATES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </SearchForm>
      <Loading loaded={vms} />
      {vms.data && (
        <>
          <Table label="Instances" columns={columns} rows={vms.data.items} empty={keyword || state ? 'No instance matches.' : 'No instances yet. Deploy one.'} />
          <Pager page={page} pagesize={PAGE_SIZE} count={vms.data.count} onPage={(p) => go({ page: p })} />
        </>
      )}
    </section>
  );
}
