import { useState } from 'preact/hooks';
import { call, list, type Obj } from '../api';
import { navigate, type Route } from '../router';
import { Choose, ErrorNote, Loading, Pager, SearchForm, Table, useAction, useLoad } from '../ui';
import { PAGE_SIZE } from './Instances';

/**
 * Global, zone and cluster settings (listConfigurations / updateConfiguration): the scope's value of
 * each setting, edited in place. A zone's or cluster's value overrides the global one there (the
 * zone settings tab is where CloudStack's admins turn on dynamic scaling for one zone).
 */
export function Settings({ route }: { route: Route }) {
  const scope = (route.query.get('scope') ?? 'global') as 'global' | 'zone' | 'cluster';
  const target = route.query.get('target') ?? '';
  const keyword = route.query.get('keyword') ?? '';
  const page = Number(route.query.get('page') ?? 1) || 1;
  const go = (q: Record<string, string | number | undefined>) => navigate('/settings', { scope, target, keyword, page, ...q });
  const zones = useLoad(() => list('listZones', {}), []);
  const clusters = useLoad(() => list('listClusters', {}), []);
  const where = scope === 'zone' && target ? { zoneid: target } : scope === 'cluster' && target ? { clusterid: target } : {};
  const settings = useLoad(() => (scope !== 'global' && !target ? Promise.resolve({ count: 0, items: [] }) : list('listConfigurations', { ...where, keyword: keyword || undefined, page, pagesize: PAGE_SIZE })), [scope, target, keyword, page]);
  const act = useAction();
  const [editing, setEditing] = useState<{ name: string; value: string }>();
  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    const done = await act.run(`Set ${editing.name}`, () => call('updateConfiguration', { name: editing.name, value: editing.value, ...where }));
    if (done) {
      setEditing(undefined);
    }
  };
  return (
    <section>
      <header class="page-head">
        <h1>Settings</h1>
      </header>
      <div class="filters">
        <select aria-label="Scope" value={scope} onChange={(e) => go({ scope: (e.target as HTMLSelectElement).value, target: '', page: 1 })}>
          <option value="global">Global</option>
          <option value="zone">Zone</option>
          <option value="cluster">Cluster</option>
        </select>
        {scope === 'zone' && <Choose name="zone" aria-label="Zone" items={zones.data?.items ?? []} value={target} onChange={(t) => go({ target: t, page: 1 })} none="Choose a zone" label={(z) => z.name} />}
        {scope === 'cluster' && <Choose name="cluster" aria-label="Cluster" items={clusters.data?.items ?? []} value={target} onChange={(t) => go({ target: t, page: 1 })} none="Choose a cluster" label={(c) => `${c.name} (${c.zonename})`} />}
      </div>
      <SearchForm keyword={keyword} label="Search settings" placeholder="Search settings, e.g. scaling" onSearch={(k) => go({ keyword: k, page: 1 })} />
      <ErrorNote text={act.error} />
      <Loading loaded={settings} />
      {settings.data && (
        <>
          <Table
            label="Settings"
            rows={settings.data.items.map((c): Obj => ({ ...c, id: c.name }))}
            empty={scope !== 'global' && !target ? `Choose a ${scope}.` : 'No setting matches.'}
            columns={[
              { title: 'Name', cell: (c) => <code>{c.name}</code> },
              {
                title: 'Value',
                cell: (c) =>
                  editing?.name === c.name ? (
                    <form class="inline-form" onSubmit={save}>
                      <input aria-label={`Value of ${c.name}`} value={editing?.value ?? ''} autoFocus onInput={(e) => setEditing({ name: c.name, value: (e.target as HTMLInputElement).value })} />
                      <button type="submit" class="primary" disabled={act.busy}>
                        Save
                      </button>
                      <button type="button" onClick={() => setEditing(undefined)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <span>
                      {String(c.value ?? '')}{' '}
                      <button type="button" class="link" aria-label={`Edit ${c.name}`} onClick={() => setEditing({ name: c.name, value: String(c.value ?? '') })}>
                        Edit
                      </button>
                    </span>
                  ),
              },
              { title: 'Scope', cell: (c) => c.scope ?? 'global', wide: true },
              { title: 'Description', cell: (c) => c.description, wide: true },
            ]}
          />
          <Pager page={page} pagesize={PAGE_SIZE} count={settings.data.count} onPage={(p) => go({ page: p })} />
        </>
      )}
    </section>
  );
}
