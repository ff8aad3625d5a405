import { useState } from 'preact/hooks';
import { base64, call, indexed, isRootAdmin, list, type Obj } from '../api';
import { href, type Route } from '../router';
import { Choose, Dialog, DialogButtons, ErrorNote, Field, FormDialog, Loading, PickForm, StateBadge, Table, mhz, mib, optionsOf, useAction, useLoad, when } from '../ui';
import { ipsOf, tagsOf } from './Instances';

type Act = ReturnType<typeof useAction>;
const TABS = ['overview', 'volumes', 'snapshots', 'backups', 'settings'] as const;

/** A VM's page: what it is, what can be done to it in its state, its volumes, snapshots, backups and settings. */
export function Instance({ id, route }: { id: string; route: Route }) {
  const tab = (route.query.get('tab') ?? 'overview') as (typeof TABS)[number];
  const loaded = useLoad(async () => (await list('listVirtualMachines', { id, listall: true })).items[0], [id]);
  const act = useAction();
  const vm = loaded.data;
  if (!vm) return loaded.loading || loaded.error ? <Loading loaded={loaded} /> : <p>No such instance, or not yours to see.</p>;
  return (
    <section>
      <header class="page-head">
        <div>
          <p class="crumbs">
            <a href={href('/instances')}>Instances</a> /
          </p>
          <h1>
            {vm.displayname || vm.name} <StateBadge state={vm.state} />
          </h1>
        </div>
        <Actions vm={vm} act={act} />
      </header>
      <ErrorNote text={act.error} />
      <nav class="tabs" aria-label="Instance sections">
        {TABS.map((t) => (
          <a key={t} href={href(`/instances/${id}`, { tab: t })} aria-current={t === tab ? 'page' : undefined}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </a>
        ))}
      </nav>
      {tab === 'overview' && <Overview vm={vm} />}
      {tab === 'volumes' && <Volumes vm={vm} />}
      {tab === 'snapshots' && <Snapshots vm={vm} />}
      {tab === 'backups' && <Backups vm={vm} />}
      {tab === 'settings' && <Settings vm={vm} />}
    </section>
  );
}

function Overview({ vm }: { vm: Obj }) {
  const rows: Array<[string, unknown]> = [
    ['ID', vm.id],
    ['Name', vm.name],
    ['State', vm.state],
    ['IP addresses', ipsOf(vm)],
    ['Zone', vm.zonename],
    ...(isRootAdmin() ? ([['Host', vm.hostname ?? '—'], ['Instance name', vm.instancename]] as Array<[string, unknown]>) : []),
    ['Offering', `${vm.serviceofferingname} (${vm.cpunumber} × ${mhz(vm.cpuspeed)}, ${mib(vm.memory)})`],
    ['Template', vm.templatedisplaytext ?? vm.templatename ?? '—'],
    ['ISO', vm.isoname ?? '—'],
    ['SSH key pairs', vm.keypairs ?? '—'],
    ['Affinity groups', ((vm.affinitygroup ?? []) as Obj[]).map((g) => g.name).join(', ') || '—'],
    ['Account', `${vm.account} (${vm.domainpath ?? vm.domain})`],
    ['Created', when(vm.created)],
  ];
  return (
    <>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{String(v ?? '—')}</dd>
          </div>
        ))}
      </dl>
      <p>Tags: {tagsOf(vm).length ? tagsOf(vm) : <span class="muted">none</span>}</p>
    </>
  );
}

/** The actions the VM's state allows, each through its CloudStack command. */
function Actions({ vm, act }: { vm: Obj; act: Act }) {
  const [dialog, setDialog] = useState<'' | 'stop' | 'destroy' | 'scale' | 'sshkey' | 'iso'>('');
  const close = () => setDialog('');
  const s = vm.state as string;
  const name = vm.displayname || vm.name;
  const run = (label: string, fn: () => Promise<Obj>) => {
    close();
    return act.run(label, fn);
  };
  return (
    <div class="actions" role="group" aria-label="Actions">
      {s === 'Stopped' && (
        <button type="button" class="primary" disabled={act.busy} onClick={() => run(`Start ${name}`, () => call('startVirtualMachine', { id: vm.id }))}>
          Start
        </button>
      )}
      {s === 'Running' && (
        <>
          <button type="button" disabled={act.busy} onClick={() => setDialog('stop')}>
            Stop
          </button>
          <button type="button" disabled={act.busy} onClick={() => run(`Reboot ${name}`, () => call('rebootVirtualMachine', { id: vm.id }))}>
            Reboot
          </button>
        </>
      )}
      {(s === 'Running' || s === 'Stopped') && (
        <button type="button" disabled={act.busy} onClick={() => setDialog('scale')}>
          {s === 'Running' ? 'Scale' : 'Change offering'}
        </button>
      )}
      {s === 'Stopped' && (
        <button type="button" disabled={act.busy} onClick={() => setDialog('sshkey')}>
          Reset SSH key
        </button>
      )}
      {(s === 'Running' || s === 'Stopped') &&
        (vm.isoid ? (
          <button type="button" disabled={act.busy} onClick={() => run(`Detach ISO from ${name}`, () => call('detachIso', { virtualmachineid: vm.id }))}>
            Detach ISO
          </button>
        ) : (
          <button type="button" disabled={act.busy} onClick={() => setDialog('iso')}>
            Attach ISO
          </button>
        ))}
      {s === 'Destroyed' && isRootAdmin() && (
        <button type="button" class="primary" disabled={act.busy} onClick={() => run(`Recover ${name}`, () => call('recoverVirtualMachine', { id: vm.id }))}>
          Recover
        </button>
      )}
      {s !== 'Destroyed' && s !== 'Expunging' && (
        <button type="button" class="danger" disabled={act.busy} onClick={() => setDialog('destroy')}>
          Destroy
        </button>
      )}

      <Dialog title={`Stop ${name}`} open={dialog === 'stop'} onClose={close}>
        <OptionForm
          option="Force stop (power off without asking the guest)"
          submit="Stop"
          onCancel={close}
          onSubmit={(forced) => run(`Stop ${name}`, () => call('stopVirtualMachine', { id: vm.id, forced }))}
        />
      </Dialog>
      <Dialog title={`Destroy ${name}`} open={dialog === 'destroy'} onClose={close}>
        <OptionForm
          option="Expunge now (cannot be recovered)"
          submit="Destroy"
          danger
          onCancel={close}
          onSubmit={(expunge) => run(`Destroy ${name}`, () => call('destroyVirtualMachine', { id: vm.id, expunge }))}
        />
      </Dialog>
      <Dialog title={s === 'Running' ? `Scale ${name}` : `Change the offering of ${name}`} open={dialog === 'scale'} onClose={close}>
        <OfferingForm vm={vm} onCancel={close} onSubmit={(params) => run(s === 'Running' ? `Scale ${name}` : `Change offering of ${name}`, () => call(s === 'Running' ? 'scaleVirtualMachine' : 'changeServiceForVirtualMachine', { id: vm.id, ...params }))} />
      </Dialog>
      <Dialog title={`Reset the SSH key of ${name}`} open={dialog === 'sshkey'} onClose={close}>
        <PickForm what="SSH key pair" load={() => list('listSSHKeyPairs', { listall: true })} byName onCancel={close} onSubmit={(keypair) => run(`Reset SSH key of ${name}`, () => call('resetSSHKeyForVirtualMachine', { id: vm.id, keypair }))} />
      </Dialog>
      <Dialog title={`Attach an ISO to ${name}`} open={dialog === 'iso'} onClose={close}>
        <PickForm what="ISO" load={() => list('listIsos', { isofilter: 'executable', zoneid: vm.zoneid })} onCancel={close} onSubmit={(id) => run(`Attach ISO to ${name}`, () => call('attachIso', { id, virtualmachineid: vm.id }))} />
      </Dialog>
    </div>
  );
}

function OptionForm({ option, submit, danger, onSubmit, onCancel }: { option: string; submit: string; danger?: boolean; onSubmit: (checked: boolean) => void; onCancel: () => void }) {
  const [checked, setChecked] = useState(false);
  return (
    <form
      method="dialog"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(checked);
      }}
    >
      <label class="check">
        <input type="checkbox" checked={checked} onChange={(e) => setChecked((e.target as HTMLInputElement).checked)} /> {option}
      </label>
      <DialogButtons submit={submit} onCancel={onCancel} danger={danger} />
    </form>
  );
}

/** A new offering; a custom one asks for its size (see CustomSize). */
export function OfferingForm({ vm, onSubmit, onCancel }: { vm?: Obj; onSubmit: (params: Record<string, string | number>) => void; onCancel: () => void }) {
  const offerings = useLoad(() => list('listServiceOfferings', {}), []);
  const [id, setId] = useState('');
  const [size, setSize] = useState<Size>({ cpu: String(vm?.cpunumber ?? 1), speed: String(vm?.cpuspeed ?? 1000), memory: String(vm?.memory ?? 1024) });
  const chosen = offerings.data?.items.find((o) => o.id === id);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!chosen) return;
        onSubmit({ serviceofferingid: id, ...customDetails(chosen, size) });
      }}
    >
      <Loading loaded={offerings} />
      <Field label="Service offering">
        <Choose name="serviceofferingid" items={(offerings.data?.items ?? []).filter((o) => o.id !== vm?.serviceofferingid)} value={id} onChange={setId} none="Choose an offering" label={offeringLabel} />
      </Field>
      {chosen?.iscustomized && <CustomSize offering={chosen} size={size} setSize={setSize} />}
      <DialogButtons submit="Apply" onCancel={onCancel} disabled={!chosen} />
    </form>
  );
}

export const offeringLabel = (o: Obj): string => (o.iscustomized ? `${o.name} (custom CPU and memory)` : `${o.name} (${o.cpunumber} × ${mhz(o.cpuspeed)}, ${mib(o.memory)})`);

/** A custom offering's size as typed: CPUs, MHz (asked only when the offering fixes none) and MiB. */
export interface Size {
  cpu: string;
  speed: string;
  memory: string;
}

/** The `details[0]` a custom offering's deploy or scale takes (CloudStack's cpuNumber, cpuSpeed, memory). */
export function customDetails(offering: Obj | undefined, size: Size): Record<string, string> {
  if (!offering?.iscustomized) return {};
  return { 'details[0].cpuNumber': size.cpu, 'details[0].memory': size.memory, ...(offering.cpuspeed ? {} : { 'details[0].cpuSpeed': size.speed }) };
}

export function CustomSize({ offering, size, setSize }: { offering: Obj; size: Size; setSize: (s: Size) => void }) {
  const input = (key: keyof Size) => (e: Event) => setSize({ ...size, [key]: (e.target as HTMLInputElement).value });
  return (
    <div class="row">
      <Field label="CPUs">
        <input name="cpunumber" type="number" min={offering.mincpunumber ?? 1} max={offering.maxcpunumber} value={size.cpu} onInput={input('cpu')} />
      </Field>
      {!offering.cpuspeed && (
        <Field label="CPU speed (MHz)">
          <input name="cpuspeed" type="number" min={1} value={size.speed} onInput={input('speed')} />
        </Field>
      )}
      <Field label="Memory (MiB)">
        <input name="memory" type="number" min={offering.minmemory ?? 32} max={offering.maxmemory} value={size.memory} onInput={input('memory')} />
      </Field>
    </div>
  );
}

function Volumes({ vm }: { vm: Obj }) {
  const volumes = useLoad(() => list('listVolumes', { virtualmachineid: vm.id, listall: true }), [vm.id]);
  const free = useLoad(() => list('listVolumes', { zoneid: vm.zoneid, listall: true, state: 'Ready' }), [vm.id]);
  const act = useAction();
  const [attach, setAttach] = useState('');
  const detached = (free.data?.items ?? []).filter((v) => !v.virtualmachineid && v.type === 'DATADISK');
  return (
    <>
      <Loading loaded={volumes} />
      <Table
        label="Volumes"
        rows={volumes.data?.items ?? []}
        empty="No volumes."
        columns={[
          { title: 'Name', cell: (v) => v.name },
          { title: 'Type', cell: (v) => v.type },
          { title: 'Size', cell: (v) => `${Math.round(Number(v.size) / 2 ** 30)} GiB` },
          { title: 'State', cell: (v) => <StateBadge state={v.state} /> },
          { title: 'Storage', cell: (v) => v.storage ?? '—', wide: true },
          {
            title: '',
            cell: (v) =>
              v.type === 'DATADISK' && (
                <button type="button" disabled={act.busy} onClick={() => act.run(`Detach ${v.name}`, () => call('detachVolume', { id: v.id }))}>
                  Detach
                </button>
              ),
          },
        ]}
      />
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (attach) void act.run('Attach volume', () => call('attachVolume', { id: attach, virtualmachineid: vm.id })).then(() => setAttach(''));
        }}
      >
        <Choose name="volume" aria-label="Data volume" items={detached} value={attach} onChange={setAttach} none="Attach a data volume…" label={(v) => `${v.name} (${Math.round(Number(v.size) / 2 ** 30)} GiB)`} />
        <button type="submit" disabled={!attach || act.busy}>
          Attach
        </button>
        <a href={href('/volumes')}>Create volumes</a>
      </form>
      <ErrorNote text={act.error} />
    </>
  );
}

function Snapshots({ vm }: { vm: Obj }) {
  const snapshots = useLoad(() => list('listVMSnapshot', { virtualmachineid: vm.id, listall: true }), [vm.id]);
  const act = useAction();
  const [name, setName] = useState('');
  // A running VM's snapshot includes its memory, a stopped one's is of its disks (Stratus refuses
  // the other pairings, as CloudStack's KVM strategies do): the state decides, the form says which.
  const memory = vm.state === 'Running';
  return (
    <>
      <form
        class="inline-form"
        aria-label="Take VM snapshot"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(`Take snapshot of ${vm.name}`, () => call('createVMSnapshot', { virtualmachineid: vm.id, name: name || undefined, snapshotmemory: memory })).then(() => setName(''));
        }}
      >
        <input name="snapshotname" placeholder="Snapshot name (optional)" aria-label="Snapshot name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <span class="muted">{memory ? 'Disks and memory (the VM runs)' : 'Disks only (the VM is stopped)'}</span>
        <button type="submit" class="primary" disabled={act.busy}>
          Take VM Snapshot
        </button>
      </form>
      <ErrorNote text={act.error} />
      <Loading loaded={snapshots} />
      <Table
        label="VM snapshots"
        rows={snapshots.data?.items ?? []}
        empty="No snapshots."
        columns={[
          { title: 'Name', cell: (s) => s.displayname || s.name },
          { title: 'State', cell: (s) => <StateBadge state={s.state} /> },
          { title: 'Type', cell: (s) => s.type },
          { title: 'Current', cell: (s) => (s.current ? 'yes' : '') },
          { title: 'Created', cell: (s) => when(s.created), wide: true },
          {
            title: '',
            cell: (s) => (
              <span class="row-actions">
                <button type="button" disabled={act.busy || s.state !== 'Ready'} onClick={() => act.run(`Revert ${vm.name} to ${s.displayname || s.name}`, () => call('revertToVMSnapshot', { vmsnapshotid: s.id }))}>
                  Revert
                </button>
                <button type="button" class="danger" disabled={act.busy} onClick={() => act.run(`Delete snapshot ${s.displayname || s.name}`, () => call('deleteVMSnapshot', { vmsnapshotid: s.id }))}>
                  Delete
                </button>
              </span>
            ),
          },
        ]}
      />
    </>
  );
}

function Backups({ vm }: { vm: Obj }) {
  const backups = useLoad(() => list('listBackups', { virtualmachineid: vm.id, listall: true }), [vm.id]);
  const offerings = useLoad(() => (vm.backupofferingid ? Promise.resolve({ count: 0, items: [] }) : list('listBackupOfferings', { zoneid: vm.zoneid })), [vm.id, vm.backupofferingid]);
  const schedules = useLoad(() => (vm.backupofferingid ? list('listBackupSchedule', { virtualmachineid: vm.id }) : Promise.resolve({ count: 0, items: [] })), [vm.id, vm.backupofferingid]);
  const act = useAction();
  return (
    <>
      <div class="inline-form">
        <span>
          Backup offering: <strong>{vm.backupofferingname ?? 'none'}</strong>
        </span>
        {vm.backupofferingid ? (
          <>
            <button type="button" class="primary" disabled={act.busy} onClick={() => act.run(`Back up ${vm.name}`, () => call('createBackup', { virtualmachineid: vm.id }))}>
              Back up now
            </button>
            <FormDialog
              error={act.error}
              button="Add schedule"
              title={`Schedule backups of ${vm.name}`}
              submit="Save schedule"
              fields={[
                { name: 'intervaltype', label: 'Interval', type: 'select', required: true, initial: 'DAILY', options: ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'].map((i) => ({ value: i, label: i[0] + i.slice(1).toLowerCase() })) },
                { name: 'schedule', label: 'Schedule', required: true, initial: '00:02', hint: 'HOURLY: MM; DAILY: MM:HH; WEEKLY: MM:HH:D (1-7); MONTHLY: MM:HH:DD (1-28)' },
                { name: 'timezone', label: 'Time zone', required: true, initial: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' },
                { name: 'maxbackups', label: 'Backups to keep', type: 'number', hint: 'Older ones are deleted; empty keeps all' },
              ]}
              onSubmit={(v) => act.run(`Schedule backups of ${vm.name}`, () => call('createBackupSchedule', { virtualmachineid: vm.id, ...v }))}
            />
            <button type="button" disabled={act.busy} onClick={() => act.run(`Remove ${vm.name} from its backup offering`, () => call('removeVirtualMachineFromBackupOffering', { virtualmachineid: vm.id }))}>
              Remove from offering
            </button>
          </>
        ) : (
          <FormDialog
            error={act.error}
            button="Assign offering"
            title={`Assign ${vm.name} to a backup offering`}
            submit="Assign"
            fields={[{ name: 'backupofferingid', label: 'Backup offering', type: 'select', required: true, options: optionsOf(offerings.data?.items) }]}
            onSubmit={(v) => act.run(`Assign ${vm.name} to a backup offering`, () => call('assignVirtualMachineToBackupOffering', { virtualmachineid: vm.id, backupofferingid: v.backupofferingid }))}
          />
        )}
      </div>
      {vm.backupofferingid && (
        <Table
          label="Backup schedules"
          rows={schedules.data?.items ?? []}
          empty="No schedules: backups are taken when asked."
          columns={[
            { title: 'Interval', cell: (b) => b.intervaltype },
            { title: 'Schedule', cell: (b) => <code>{b.schedule}</code> },
            { title: 'Time zone', cell: (b) => b.timezone },
            { title: 'Keeps', cell: (b) => b.maxbackups ?? 'all' },
            {
              title: '',
              cell: (b) => (
                <button type="button" class="danger" disabled={act.busy} onClick={() => act.run(`Delete ${b.intervaltype} schedule`, () => call('deleteBackupSchedule', { id: b.id }))}>
                  Delete
                </button>
              ),
            },
          ]}
        />
      )}
      <ErrorNote text={act.error} />
      <Loading loaded={backups} />
      <Table
        label="Backups"
        rows={backups.data?.items ?? []}
        empty="No backups."
        columns={[
          { title: 'Name', cell: (b) => b.name ?? b.id },
          { title: 'Status', cell: (b) => <StateBadge state={b.status} /> },
          { title: 'Size', cell: (b) => (b.size ? `${Math.round(Number(b.size) / 2 ** 20)} MiB` : '—') },
          { title: 'Taken', cell: (b) => when(b.created) },
          {
            title: '',
            cell: (b) => (
              <button type="button" disabled={act.busy || b.status !== 'BackedUp'} onClick={() => act.run(`Restore ${vm.name}`, () => call('restoreBackup', { id: b.id }))}>
                Restore
              </button>
            ),
          },
        ]}
      />
    </>
  );
}

/**
 * The VM's details (settings) and user data. updateVirtualMachine replaces the details as a whole,
 * so a change sends them all; both change only while the VM is stopped (the next start uses them).
 */
function Settings({ vm }: { vm: Obj }) {
  const act = useAction();
  const details = Object.entries((vm.details ?? {}) as Record<string, string>);
  const stopped = vm.state === 'Stopped';
  const userdata = useLoad(() => call('getVirtualMachineUserData', { virtualmachineid: vm.id }), [vm.id]);
  const save = (next: Array<[string, string]>) =>
    act.run(`Update settings of ${vm.name}`, () =>
      call('updateVirtualMachine', next.length ? { id: vm.id, ...indexed('details', [Object.fromEntries(next)]) } : { id: vm.id, cleanupdetails: true }),
    );
  return (
    <>
      {!stopped && <p class="muted">Settings and user data change while the instance is stopped; its next start uses them.</p>}
      <ErrorNote text={act.error} />
      <Table
        label="Settings"
        rows={details.map(([k, v]) => ({ id: k, k, v }))}
        empty="No settings."
        columns={[
          { title: 'Name', cell: (r) => <code>{r.k}</code> },
          { title: 'Value', cell: (r) => r.v },
          {
            title: '',
            cell: (r) => (
              <button type="button" class="danger" disabled={!stopped || act.busy} onClick={() => save(details.filter(([k]) => k !== r.k))}>
                Remove
              </button>
            ),
          },
        ]}
      />
      <div class="inline-form">
        <FormDialog
          error={act.error}
          button="Add or change a setting"
          disabled={!stopped}
          title={`A setting of ${vm.name}`}
          submit="Save"
          fields={[
            { name: 'key', label: 'Name', required: true },
            { name: 'value', label: 'Value', required: true },
          ]}
          onSubmit={(v) => save([...details.filter(([k]) => k !== v.key), [v.key!, v.value!]])}
        />
        <FormDialog
          error={act.error}
          button="Edit user data"
          disabled={!stopped}
          title={`User data of ${vm.name}`}
          submit="Save"
          fields={[{ name: 'userdata', label: 'User data (cloud-init)', type: 'textarea', required: true, initial: decodeUserData(userdata.data) }]}
          onSubmit={(v) => act.run(`Update user data of ${vm.name}`, () => call('updateVirtualMachine', { id: vm.id, userdata: base64(v.userdata ?? '') }))}
        />
      </div>
    </>
  );
}

function decodeUserData(answer?: Obj): string {
  const encoded = answer?.virtualmachineuserdata?.userdata as string | undefined;
  if (!encoded) return '';
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}
