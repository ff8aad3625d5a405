import type { CommandName } from '../../../functions/api/registry';
import { call, list, type Obj, type Params } from '../api';
import { navigate, type Route } from '../router';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { CapacityBar, ErrorNote, Loading, Pager, SearchForm, StateBadge, Table, bytes, useAction, useLoad, when, type Column } from '../ui';
import { PAGE_SIZE } from './Instances';
import { AllocationToggle, CreateAffinityGroup, CreateVolume, DeleteImage, RegisterImage, VolumeActions } from './Manage';

/**
 * The console's plain lists: one command each, paged by the API, searched with its `keyword`
 * where it takes one. Pages with their own actions (instances, hosts, key pairs) are elsewhere.
 */
export interface ListSpec {
  title: string;
  command: CommandName;
  params?: Record<string, string | boolean>;
  columns: Column<Obj>[];
  /** The command takes `keyword` (and so the page has a search box). */
  search?: boolean;
  /** Lists the whole answer without paging (the command does not page). */
  unpaged?: boolean;
  /** What can be made here (a create dialog), beside the title. */
  toolbar?: (act: Act) => ComponentChildren;
  /** What can be done to a row, in a last column. */
  actions?: (row: Obj, act: Act) => ComponentChildren;
  /** A row still changing by itself (a download): the list is read again every few seconds while one is. */
  pending?: (row: Obj) => boolean;
}

type Act = ReturnType<typeof useAction>;
const POLL_PENDING_MS = 3000;

const state = (field: string) => (o: Obj) => <StateBadge state={o[field]} />;
const gib = (n: unknown) => (n === undefined ? '—' : `${Math.round(Number(n) / 2 ** 30)} GiB`);

/** An image not ready and not failed: on its way (Processing, "45% Downloaded", Installing). */
const downloading = (t: Obj) => !t.isready && (t.downloaddetails?.[0]?.downloadState ?? '') !== 'DOWNLOAD_ERROR';

export const LISTS: Record<string, ListSpec> = {
  volumes: {
    title: 'Volumes',
    command: 'listVolumes',
    params: { listall: true },
    search: true,
    toolbar: (act) => <CreateVolume act={act} />,
    actions: (v, act) => <VolumeActions volume={v} act={act} />,
    columns: [
      { title: 'Name', cell: (v) => v.name },
      { title: 'Type', cell: (v) => v.type },
      { title: 'State', cell: state('state') },
      { title: 'Size', cell: (v) => gib(v.size) },
      { title: 'Instance', cell: (v) => v.vmdisplayname ?? v.vmname ?? '—' },
      { title: 'Storage', cell: (v) => v.storage ?? '—', wide: true },
    ],
  },
  snapshots: {
    title: 'VM snapshots',
    command: 'listVMSnapshot',
    params: { listall: true },
    search: true,
    columns: [
      { title: 'Name', cell: (s) => s.displayname || s.name },
      { title: 'Instance', cell: (s) => s.virtualmachinename ?? s.virtualmachineid },
      { title: 'State', cell: state('state') },
      { title: 'Type', cell: (s) => s.type },
      { title: 'Created', cell: (s) => when(s.created), wide: true },
    ],
  },
  affinitygroups: {
    title: 'Affinity groups',
    command: 'listAffinityGroups',
    params: { listall: true },
    search: true,
    toolbar: (act) => <CreateAffinityGroup act={act} />,
    actions: (g, act) => (
      <button type="button" class="danger" disabled={act.busy} onClick={() => act.run(`Delete affinity group ${g.name}`, () => call('deleteAffinityGroup', { id: g.id }))}>
        Delete
      </button>
    ),
    columns: [
      { title: 'Name', cell: (g) => g.name },
      { title: 'Type', cell: (g) => g.type },
      { title: 'Instances', cell: (g) => ((g.virtualmachineIds ?? []) as string[]).length },
      { title: 'Account', cell: (g) => g.account, wide: true },
    ],
  },
  events: {
    title: 'Events',
    command: 'listEvents',
    params: { listall: true },
    search: true,
    columns: [
      { title: 'When', cell: (e) => when(e.created) },
      { title: 'Type', cell: (e) => e.type },
      { title: 'Level', cell: state('level') },
      { title: 'State', cell: (e) => e.state, wide: true },
      { title: 'Description', cell: (e) => e.description },
      { title: 'Account', cell: (e) => e.account, wide: true },
    ],
  },
  zones: {
    title: 'Zones',
    command: 'listZones',
    actions: (z, act) => <AllocationToggle row={z} kind="zone" act={act} />,
    columns: [
      { title: 'Name', cell: (z) => z.name },
      { title: 'Allocation', cell: state('allocationstate') },
      { title: 'Network', cell: (z) => z.networktype },
      { title: 'DNS', cell: (z) => [z.dns1, z.dns2].filter(Boolean).join(', '), wide: true },
    ],
  },
  pods: {
    title: 'Pods',
    command: 'listPods',
    actions: (p, act) => <AllocationToggle row={p} kind="pod" act={act} />,
    columns: [
      { title: 'Name', cell: (p) => p.name },
      { title: 'Zone', cell: (p) => p.zonename },
      { title: 'Allocation', cell: state('allocationstate') },
      { title: 'Gateway', cell: (p) => p.gateway, wide: true },
    ],
  },
  clusters: {
    title: 'Clusters',
    command: 'listClusters',
    actions: (c, act) => <AllocationToggle row={c} kind="cluster" act={act} />,
    columns: [
      { title: 'Name', cell: (c) => c.name },
      { title: 'Pod', cell: (c) => c.podname },
      { title: 'Zone', cell: (c) => c.zonename },
      { title: 'Hypervisor', cell: (c) => c.hypervisortype },
      { title: 'Allocation', cell: state('allocationstate') },
    ],
  },
  storagepools: {
    title: 'Primary storage',
    command: 'listStoragePools',
    actions: (p, act) =>
      p.state === 'Up' || p.state === 'Disabled' ? (
        <button
          type="button"
          disabled={act.busy}
          onClick={() => confirm(`Put ${p.name} in maintenance? The VMs with volumes on it are stopped.`) && act.run(`Maintenance on ${p.name}`, () => call('enableStorageMaintenance', { id: p.id }))}
        >
          Maintenance
        </button>
      ) : p.state === 'Maintenance' || p.state === 'ErrorInMaintenance' || p.state === 'PrepareForMaintenance' ? (
        <button type="button" disabled={act.busy} onClick={() => act.run(`Cancel maintenance on ${p.name}`, () => call('cancelStorageMaintenance', { id: p.id }))}>
          Cancel maintenance
        </button>
      ) : null,
    columns: [
      { title: 'Name', cell: (p) => p.name },
      { title: 'State', cell: state('state') },
      { title: 'Type', cell: (p) => p.type },
      { title: 'Scope', cell: (p) => `${p.scope ?? ''} ${p.clustername ?? p.zonename ?? ''}`, wide: true },
      { title: 'Allocated', cell: (p) => <CapacityBar label="Disk" used={Number(p.disksizeallocated ?? 0)} total={Number(p.disksizetotal ?? 0)} unit={bytes} /> },
    ],
  },
  offerings: {
    title: 'Service offerings',
    command: 'listServiceOfferings',
    search: true,
    columns: [
      { title: 'Name', cell: (o) => o.name },
      { title: 'CPU', cell: (o) => (o.iscustomized ? 'custom' : `${o.cpunumber} × ${o.cpuspeed} MHz`) },
      { title: 'Memory', cell: (o) => (o.iscustomized ? 'custom' : `${o.memory} MiB`) },
      { title: 'Dynamic scaling', cell: (o) => (o.dynamicscalingenabled ? 'yes' : 'no'), wide: true },
      { title: 'Description', cell: (o) => o.displaytext, wide: true },
    ],
  },
  diskofferings: {
    title: 'Disk offerings',
    command: 'listDiskOfferings',
    search: true,
    columns: [
      { title: 'Name', cell: (o) => o.name },
      { title: 'Size', cell: (o) => (o.iscustomized ? 'custom' : `${o.disksize} GiB`) },
      { title: 'Provisioning', cell: (o) => o.provisioningtype, wide: true },
      { title: 'Description', cell: (o) => o.displaytext, wide: true },
    ],
  },
  templates: {
    title: 'Templates',
    command: 'listTemplates',
    params: { templatefilter: 'all' },
    search: true,
    toolbar: (act) => <RegisterImage act={act} kind="template" />,
    actions: (t, act) => <DeleteImage image={t} kind="template" act={act} />,
    pending: downloading,
    columns: [
      { title: 'Name', cell: (t) => t.displaytext || t.name },
      { title: 'Ready', cell: (t) => (t.isready ? 'yes' : <Download o={t} />) },
      { title: 'OS', cell: (t) => t.ostypename, wide: true },
      { title: 'Format', cell: (t) => t.format, wide: true },
      { title: 'Zone', cell: (t) => t.zonename, wide: true },
    ],
  },
  isos: {
    title: 'ISOs',
    command: 'listIsos',
    params: { isofilter: 'all' },
    search: true,
    toolbar: (act) => <RegisterImage act={act} kind="iso" />,
    actions: (t, act) => <DeleteImage image={t} kind="iso" act={act} />,
    pending: downloading,
    columns: [
      { title: 'Name', cell: (t) => t.displaytext || t.name },
      { title: 'Ready', cell: (t) => (t.isready ? 'yes' : <Download o={t} />) },
      { title: 'Bootable', cell: (t) => (t.bootable ? 'yes' : 'no'), wide: true },
      { title: 'Zone', cell: (t) => t.zonename, wide: true },
    ],
  },
  alerts: {
    title: 'Alerts',
    command: 'listAlerts',
    search: true,
    columns: [
      { title: 'When', cell: (a) => when(a.sent) },
      { title: 'Type', cell: (a) => a.name ?? a.type },
      { title: 'Description', cell: (a) => a.description },
    ],
  },
  capacity: {
    title: 'Capacity by zone',
    command: 'listCapacity',
    unpaged: true,
    columns: [
      { title: 'Zone', cell: (c) => c.zonename },
      { title: 'Type', cell: (c) => c.name ?? c.type },
      { title: 'Used', cell: (c) => <CapacityBar label={String(c.name ?? c.type)} used={Number(c.capacityused)} total={Number(c.capacitytotal)} unit={(n) => String(n)} /> },
    ],
  },
};

/** A template's or ISO's download, as its status reports it ("45% Downloaded"). */
function Download({ o }: { o: Obj }) {
  const pct = Number(/(\d+)%/.exec(String(o.status ?? ''))?.[1] ?? 0);
  return (
    <span class="download" title={o.status}>
      <span class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span class="fill" style={{ width: `${pct}%` }} />
      </span>{' '}
      {o.status ?? 'not ready'}
    </span>
  );
}

export function ListPage({ name, spec, route }: { name: string; spec: ListSpec; route: Route }) {
  const page = Number(route.query.get('page') ?? 1) || 1;
  const keyword = route.query.get('keyword') ?? '';
  const params = { ...(spec.params ?? {}), ...(spec.unpaged ? {} : { page, pagesize: PAGE_SIZE }), ...(keyword ? { keyword } : {}) } as Params<CommandName>;
  const rows = useLoad(() => list(spec.command, params), [name, page, keyword]);
  const act = useAction();
  const go = (q: Record<string, string | number | undefined>) => navigate(`/${name}`, { keyword, page, ...q });
  const pending = !!spec.pending && (rows.data?.items ?? []).some(spec.pending);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(rows.reload, POLL_PENDING_MS);
    return () => clearTimeout(timer);
  }, [pending, rows.data]);
  const columns = spec.actions ? [...spec.columns, { title: 'Actions', cell: (r: Obj) => <span class="row-actions">{spec.actions!(r, act)}</span> }] : spec.columns;
  return (
    <section>
      <header class="page-head">
        <h1>{spec.title}</h1>
        {spec.toolbar && <div class="actions">{spec.toolbar(act)}</div>}
      </header>
      <ErrorNote text={act.error} />
      {spec.search && <SearchForm keyword={keyword} label={`Search ${spec.title.toLowerCase()}`} onSearch={(k) => go({ keyword: k, page: 1 })} />}
      <Loading loaded={rows} />
      {rows.data && (
        <>
          <Table label={spec.title} columns={columns} rows={rows.data.items} empty="Nothing here." />
          {!spec.unpaged && <Pager page={page} pagesize={PAGE_SIZE} count={rows.data.count} onPage={(p) => go({ page: p })} />}
        </>
      )}
    </section>
  );
}
