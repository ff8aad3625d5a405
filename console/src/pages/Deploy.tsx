import { useState } from 'preact/hooks';
import { base64, call, list, type Obj } from '../api';
import { track } from '../jobs';
import { navigate } from '../router';
import { Choose, ErrorNote, errorText, Field, Loading, useLoad } from '../ui';
import { CustomSize, customDetails, offeringLabel, type Size } from './Instance';

const STEPS = ['Zone', 'Template', 'Offering', 'Disk', 'Network', 'Access', 'Affinity', 'Review'] as const;

interface Choices {
  zoneid: string;
  imageid: string;
  serviceofferingid: string;
  custom: Size;
  diskofferingid: string;
  size: string;
  networkid: string;
  keypair: string;
  userdata: string;
  affinitygroupids: string[];
  name: string;
  startvm: boolean;
}

/**
 * The deploy wizard, as CloudStack's: zone, template, offering (custom CPU and memory), disk
 * offering and size, network, SSH key pair and user data, affinity groups, then name and start now
 * or not. It sends one deployVirtualMachine and follows its job to the VM's page.
 */
export function Deploy() {
  const [step, setStep] = useState(0);
  const [c, setC] = useState<Choices>({ zoneid: '', imageid: '', serviceofferingid: '', custom: { cpu: '1', speed: '1000', memory: '1024' }, diskofferingid: '', size: '', networkid: '', keypair: '', userdata: '', affinitygroupids: [], name: '', startvm: true });
  const set = (change: Partial<Choices>) => setC((prev) => ({ ...prev, ...change }));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const zones = useLoad(() => list('listZones', { available: true }), []);
  // Templates only: Stratus refuses deploys from an ISO (deploy from a template, then attach the ISO).
  const images = useLoad(() => (!c.zoneid ? Promise.resolve({ count: 0, items: [] }) : list('listTemplates', { templatefilter: 'executable', zoneid: c.zoneid })), [c.zoneid]);
  const offerings = useLoad(() => list('listServiceOfferings', {}), []);
  const diskOfferings = useLoad(() => list('listDiskOfferings', {}), []);
  const networks = useLoad(() => (c.zoneid ? list('listNetworks', { zoneid: c.zoneid }) : Promise.resolve({ count: 0, items: [] })), [c.zoneid]);
  const keypairs = useLoad(() => list('listSSHKeyPairs', {}), []);
  const groups = useLoad(() => list('listAffinityGroups', {}), []);

  const offering = offerings.data?.items.find((o) => o.id === c.serviceofferingid);
  const diskOffering = diskOfferings.data?.items.find((o) => o.id === c.diskofferingid);
  const missing = (): string | undefined => {
    switch (STEPS[step]) {
      case 'Zone':
        return c.zoneid ? undefined : 'Choose a zone';
      case 'Template':
        return c.imageid ? undefined : 'Choose a template';
      case 'Offering':
        return c.serviceofferingid ? undefined : 'Choose a service offering';
      default:
        return undefined;
    }
  };

  const deploy = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call('deployVirtualMachine', {
        zoneid: c.zoneid,
        templateid: c.imageid,
        serviceofferingid: c.serviceofferingid,
        ...customDetails(offering, c.custom),
        diskofferingid: c.diskofferingid || undefined,
        size: diskOffering?.iscustomized && c.size ? c.size : undefined,
        networkids: c.networkid || undefined,
        keypair: c.keypair || undefined,
        userdata: c.userdata ? base64(c.userdata) : undefined,
        affinitygroupids: c.affinitygroupids.join(',') || undefined,
        name: c.name || undefined,
        startvm: c.startvm,
      });
      // Follow the job from the VM's page: the tray shows its steps, and the page its state.
      void track(`Deploy ${c.name || 'instance'}`, answer);
      navigate(`/instances/${answer.id}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const next = (e: Event) => {
    e.preventDefault();
    const why = missing();
    setError(why);
    if (why) return;
    if (step < STEPS.length - 1) setStep(step + 1);
    else void deploy();
  };

  return (
    <section>
      <header class="page-head">
        <h1>Deploy an instance</h1>
      </header>
      <ol class="wizard-steps" aria-label="Wizard steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} class={i < step ? 'done' : undefined}>
            {i < step ? (
              <button type="button" class="link" onClick={() => setStep(i)}>
                {s}
              </button>
            ) : (
              s
            )}
          </li>
        ))}
      </ol>
      <form class="card wizard" onSubmit={next} aria-label={`Step ${step + 1}: ${STEPS[step]}`}>
        <h2>{STEPS[step]}</h2>
        {STEPS[step] === 'Zone' && (
          <>
            <Loading loaded={zones} />
            <Field label="Zone">
              <Choose name="zoneid" items={zones.data?.items ?? []} value={c.zoneid} onChange={(zoneid) => set({ zoneid, imageid: '', networkid: '' })} none="Choose a zone" label={(z) => z.name} />
            </Field>
          </>
        )}
        {STEPS[step] === 'Template' && (
          <>
            <Loading loaded={images} />
            <Field label="Template" hint="To boot from an ISO, deploy from a template, then attach the ISO on the instance's page">
              <Choose name="templateid" items={(images.data?.items ?? []).filter((i) => i.isready !== false)} value={c.imageid} onChange={(imageid) => set({ imageid })} none="Choose a template" label={(t) => `${t.displaytext || t.name} (${t.ostypename ?? t.hypervisor ?? ''})`} />
            </Field>
          </>
        )}
        {STEPS[step] === 'Offering' && (
          <>
            <Loading loaded={offerings} />
            <Field label="Service offering">
              <Choose name="serviceofferingid" items={offerings.data?.items ?? []} value={c.serviceofferingid} onChange={(serviceofferingid) => set({ serviceofferingid })} none="Choose an offering" label={offeringLabel} />
            </Field>
            {offering?.iscustomized && <CustomSize offering={offering} size={c.custom} setSize={(custom) => set({ custom })} />}
          </>
        )}
        {STEPS[step] === 'Disk' && (
          <>
            <Loading loaded={diskOfferings} />
            <Field label="Data disk offering" hint="Optional: a data disk besides the template’s root disk">
              <Choose name="diskofferingid" items={diskOfferings.data?.items ?? []} value={c.diskofferingid} onChange={(diskofferingid) => set({ diskofferingid })} none="No data disk" label={(d) => (d.iscustomized ? `${d.name} (custom size)` : `${d.name} (${d.disksize} GiB)`)} />
            </Field>
            {diskOffering?.iscustomized && (
              <Field label="Size (GiB)">
                <input name="size" type="number" min={1} value={c.size} onInput={(e) => set({ size: (e.target as HTMLInputElement).value })} />
              </Field>
            )}
          </>
        )}
        {STEPS[step] === 'Network' && (
          <>
            <Loading loaded={networks} />
            <Field label="Network" hint="The zone's default guest network when none is chosen">
              <Choose name="networkid" items={networks.data?.items ?? []} value={c.networkid} onChange={(networkid) => set({ networkid })} none="Default network" label={(n) => `${n.name}${n.cidr ? ` (${n.cidr})` : ''}`} />
            </Field>
          </>
        )}
        {STEPS[step] === 'Access' && (
          <>
            <Field label="SSH key pair">
              <Choose name="keypair" items={(keypairs.data?.items ?? []).map((k) => ({ ...k, id: k.name }))} value={c.keypair} onChange={(keypair) => set({ keypair })} none="None" label={(k) => `${k.name} (${k.fingerprint})`} />
            </Field>
            <Field label="User data" hint="cloud-init user data, as text; sent base64-encoded">
              <textarea name="userdata" rows={6} value={c.userdata} onInput={(e) => set({ userdata: (e.target as HTMLTextAreaElement).value })} />
            </Field>
          </>
        )}
        {STEPS[step] === 'Affinity' && (
          <fieldset>
            <legend>Affinity groups</legend>
            {(groups.data?.items ?? []).length === 0 && <p class="muted">No affinity groups.</p>}
            {(groups.data?.items ?? []).map((g) => (
              <label key={g.id} class="check">
                <input
                  type="checkbox"
                  checked={c.affinitygroupids.includes(g.id)}
                  onChange={(e) => set({ affinitygroupids: (e.target as HTMLInputElement).checked ? [...c.affinitygroupids, g.id] : c.affinitygroupids.filter((x) => x !== g.id) })}
                />{' '}
                {g.name} ({g.type})
              </label>
            ))}
          </fieldset>
        )}
        {STEPS[step] === 'Review' && (
          <>
            <Field label="Name" hint="Optional: CloudStack makes one up">
              <input name="name" value={c.name} pattern="[A-Za-z][A-Za-z0-9\-]{0,62}" title="Letters, digits and hyphens, starting with a letter" onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
            </Field>
            <label class="check">
              <input type="checkbox" name="startvm" checked={c.startvm} onChange={(e) => set({ startvm: (e.target as HTMLInputElement).checked })} /> Start the instance now
            </label>
            <Review c={c} zone={zones.data?.items.find((z) => z.id === c.zoneid)} image={images.data?.items.find((i) => i.id === c.imageid)} offering={offering} disk={diskOffering} />
          </>
        )}
        <ErrorNote text={error} />
        <div class="dialog-buttons">
          <button type="button" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {step === STEPS.length - 1 ? (busy ? 'Deploying…' : 'Deploy') : 'Next'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Review({ c, zone, image, offering, disk }: { c: Choices; zone?: Obj; image?: Obj; offering?: Obj; disk?: Obj }) {
  const rows: Array<[string, string]> = [
    ['Zone', zone?.name ?? '—'],
    ['Template', image?.displaytext || image?.name || '—'],
    ['Offering', offering ? (offering.iscustomized ? `${offering.name}: ${c.custom.cpu} CPUs, ${c.custom.memory} MiB` : offeringLabel(offering)) : '—'],
    ['Data disk', disk ? `${disk.name}${disk.iscustomized ? `, ${c.size} GiB` : ''}` : 'none'],
    ['SSH key pair', c.keypair || 'none'],
    ['User data', c.userdata ? `${c.userdata.length} characters` : 'none'],
    ['Affinity groups', String(c.affinitygroupids.length || 'none')],
  ];
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
