import { useState } from 'preact/hooks';
import { call, list, type Obj } from '../api';
import { CapacityBar, Choose, Dialog, ErrorNote, Field, Loading, Pager, StateBadge, Table, bytes, mhz, useAction, useLoad } from '../ui';
import { PAGE_SIZE } from './Instances';
import type { Route } from '../router';
import { navigate } from '../router';

/** Hosts (root admin): state, capacity, maintenance, enable/disable, and adding one with its agent's token. */
export function Hosts({ route }: { route: Route }) {
  const page = Number(route.query.get('page') ?? 1) || 1;
  const hosts = useLoad(() => list('listHosts', { type: 'Routing', page, pagesize: PAGE_SIZE }), [page]);
  const act = useAction();
  const [adding, setAdding] = useState(false);
  const cpuTotal = (h: Obj) => Number(h.cpunumber) * Number(h.cpuspeed);
  return (
    <section>
      <header class="page-head">
        <h1>Hosts</h1>
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          Add host
        </button>
      </header>
      <ErrorNote text={act.error} />
      <Loading loaded={hosts} />
      {hosts.data && (
        <>
          <Table
            label="Hosts"
            rows={hosts.data.items}
            empty="No hosts."
            columns={[
              { title: 'Name', cell: (h) => h.name },
              { title: 'State', cell: (h) => <StateBadge state={h.state} /> },
              { title: 'Resource state', cell: (h) => <StateBadge state={h.resourcestate} /> },
              { title: 'CPU', cell: (h) => <CapacityBar label="CPU" used={Number(h.cpuallocatedvalue ?? 0)} total={cpuTotal(h)} unit={mhz} /> },
              { title: 'Memory', cell: (h) => <CapacityBar label="Memory" used={Number(h.memoryallocated ?? 0)} total={Number(h.memorytotal ?? 0)} unit={bytes} /> },
              { title: 'Cluster', cell: (h) => `${h.clustername ?? ''} / ${h.podname ?? ''}`, wide: true },
              { title: 'Hypervisor', cell: (h) => h.hypervisor, wide: true },
              {
                title: 'Actions',
                cell: (h) => (
                  <span class="row-actions">
                    {h.resourcestate === 'Enabled' || h.resourcestate === 'Disabled' ? (
                      <>
                        <button type="button" disabled={act.busy} onClick={() => act.run(`Maintenance on ${h.name}`, () => call('prepareHostForMaintenance', { id: h.id }))}>
                          Maintenance
                        </button>
                        <button type="button" disabled={act.busy} onClick={() => act.run(`${h.resourcestate === 'Enabled' ? 'Disable' : 'Enable'} ${h.name}`, () => call('updateHost', { id: h.id, allocationstate: h.resourcestate === 'Enabled' ? 'Disable' : 'Enable' }))}>
                          {h.resourcestate === 'Enabled' ? 'Disable' : 'Enable'}
                        </button>
                      </>
                    ) : (
                      <button type="button" disabled={act.busy} onClick={() => act.run(`Cancel maintenance on ${h.name}`, () => call('cancelHostMaintenance', { id: h.id }))}>
                        Cancel maintenance
                      </button>
                    )}
                  </span>
                ),
              },
            ]}
          />
          <Pager page={page} pagesize={PAGE_SIZE} count={hosts.data.count} onPage={(p) => navigate('/hosts', { page: p })} />
        </>
      )}
      <Dialog title="Add a host" open={adding} onClose={() => setAdding(false)}>
        <AddHost onDone={() => setAdding(false)} />
      </Dialog>
    </section>
  );
}

/** addHost, then the one-time registration token and the command that runs the agent with it. */
function AddHost({ onDone }: { onDone: () => void }) {
  const zones = useLoad(() => list('listZones', {}), []);
  const [zoneid, setZone] = useState('');
  const pods = useLoad(() => (zoneid ? list('listPods', { zoneid }) : Promise.resolve({ count: 0, items: [] })), [zoneid]);
  const [podid, setPod] = useState('');
  const clusters = useLoad(() => (podid ? list('listClusters', { podid }) : Promise.resolve({ count: 0, items: [] })), [podid]);
  const [clusterid, setCluster] = useState('');
  const [url, setUrl] = useState('http://');
  const [added, setAdded] = useState<Obj>();
  const act = useAction();
  if (added)
    return (
      <div>
        <p>
          Host <strong>{added.name}</strong> is added and waits for its agent. Its one-time registration token:
        </p>
        <pre class="token">{added.registrationtoken}</pre>
        <p>On the host, in a checkout of Stratus:</p>
        <pre class="command">{`npm run agent -- --endpoint ${location.origin}/ --driver libvirt --token ${added.registrationtoken} --state-file /var/lib/stratus/agent.json`}</pre>
        <div class="dialog-buttons">
          <button type="button" class="primary" onClick={onDone}>
            Done
          </button>
        </div>
      </div>
    );
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        const answer = await act.run('Add host', () => call('addHost', { zoneid, podid, clusterid, url, hypervisor: 'KVM' }));
        const host = (answer?.host as Obj[] | undefined)?.[0];
        if (host) setAdded(host);
      }}
    >
      <Field label="Zone">
        <Choose name="zoneid" items={zones.data?.items ?? []} value={zoneid} onChange={setZone} none="Choose a zone" label={(z) => z.name} />
      </Field>
      <Field label="Pod">
        <Choose name="podid" items={pods.data?.items ?? []} value={podid} onChange={setPod} none="Choose a pod" label={(p) => p.name} />
      </Field>
      <Field label="Cluster">
        <Choose name="clusterid" items={clusters.data?.items ?? []} value={clusterid} onChange={setCluster} none="Choose a cluster" label={(c) => c.name} />
      </Field>
      <Field label="Host URL" hint="http://<the KVM host's address>">
        <input name="url" required value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorNote text={act.error} />
      <div class="dialog-buttons">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={act.busy || !zoneid || !podid || !clusterid}>
          Add host
        </button>
      </div>
    </form>
  );
}
