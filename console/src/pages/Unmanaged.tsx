import { call, list, type Obj } from '../api';
import { navigate, type Route } from '../router';
import { Choose, ErrorNote, FormDialog, Loading, StateBadge, Table, mhz, mib, optionsOf, useAction, useLoad } from '../ui';

/**
 * Unmanaged instances (root admin): the guests a cluster's hosts run that Stratus did not create
 * (listUnmanagedInstances), each imported with an offering (importUnmanagedInstance), optionally
 * letting Stratus move its disks (`migrateallowed`).
 */
export function Unmanaged({ route }: { route: Route }) {
  const clusterid = route.query.get('cluster') ?? '';
  const clusters = useLoad(() => list('listClusters', {}), []);
  const guests = useLoad(() => (clusterid ? list('listUnmanagedInstances', { clusterid }) : Promise.resolve({ count: 0, items: [] })), [clusterid]);
  const offerings = useLoad(() => list('listServiceOfferings', {}), []);
  const templates = useLoad(() => list('listTemplates', { templatefilter: 'executable' }), []);
  const act = useAction();
  return (
    <section>
      <header class="page-head">
        <h1>Unmanaged instances</h1>
      </header>
      <div class="filters">
        <Choose name="cluster" aria-label="Cluster" items={clusters.data?.items ?? []} value={clusterid} onChange={(c) => navigate('/unmanaged', { cluster: c })} none="Choose a cluster" label={(c) => `${c.name} (${c.zonename})`} />
      </div>
      <ErrorNote text={act.error} />
      <Loading loaded={guests} />
      <Table
        label="Unmanaged instances"
        rows={(guests.data?.items ?? []).map((g): Obj => ({ ...g, id: g.name }))}
        empty={clusterid ? 'No unmanaged instances on this cluster.' : 'Choose a cluster.'}
        columns={[
          { title: 'Name', cell: (g) => g.name },
          { title: 'Power', cell: (g) => <StateBadge state={g.powerstate} /> },
          { title: 'Host', cell: (g) => g.hostname },
          { title: 'Size', cell: (g) => `${g.cpunumber} × ${mhz(g.cpuspeed ?? 0)}, ${mib(g.memory ?? 0)}` },
          { title: 'Disks', cell: (g) => (g.disk ?? []).length, wide: true },
          {
            title: 'Actions',
            cell: (g) => (
              <FormDialog
                error={act.error}
                button="Import"
                title={`Import ${g.name}`}
                submit="Import"
                fields={[
                  { name: 'displayname', label: 'Display name', initial: g.name },
                  { name: 'serviceofferingid', label: 'Service offering', type: 'select', required: true, options: optionsOf(offerings.data?.items) },
                  { name: 'templateid', label: 'Template', type: 'select', hint: 'What Stratus records the guest as made from (its OS type); required unless the cluster has a default import template', options: optionsOf(templates.data?.items, (t) => t.displaytext || t.name) },
                  { name: 'migrateallowed', label: 'Allow moving its disks to another pool if needed (migrateallowed)', type: 'checkbox' },
                ]}
                onSubmit={(v) => act.run(`Import ${g.name}`, () => call('importUnmanagedInstance', { clusterid, name: g.name, ...v }))}
              />
            ),
          },
        ]}
      />
    </section>
  );
}
