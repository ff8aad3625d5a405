import { call, list, type Obj } from '../api';
import { useState } from 'preact/hooks';
import { Dialog, FormDialog, PickForm, optionsOf, useAction, useLoad } from '../ui';

/**
 * What the plain lists can make and do (Lists.tsx wires them in): create, resize, attach and delete
 * volumes; affinity groups; registering templates and ISOs; enabling and disabling zones, pods and
 * clusters. Each is one CloudStack command; async ones are followed in the job tray.
 */
type Act = ReturnType<typeof useAction>;
const gib = (bytes: unknown) => Math.round(Number(bytes) / 2 ** 30);

export function CreateVolume({ act }: { act: Act }) {
  const zones = useLoad(() => list('listZones', {}), []);
  const offerings = useLoad(() => list('listDiskOfferings', {}), []);
  const custom = (id: string) => !!offerings.data?.items.find((o) => o.id === id)?.iscustomized;
  return (
    <FormDialog
      error={act.error}
      button="Create volume"
      primary
      title="Create a data volume"
      submit="Create"
      fields={[
        { name: 'name', label: 'Name', required: true },
        { name: 'zoneid', label: 'Zone', type: 'select', required: true, options: optionsOf(zones.data?.items) },
        { name: 'diskofferingid', label: 'Disk offering', type: 'select', required: true, options: optionsOf(offerings.data?.items, (o) => (o.iscustomized ? `${o.name} (custom size)` : `${o.name} (${o.disksize} GiB)`)) },
        { name: 'size', label: 'Size (GiB)', type: 'number', required: true, when: (v) => custom(v.diskofferingid ?? '') },
      ]}
      onSubmit={(v) => act.run(`Create volume ${v.name}`, () => call('createVolume', v))}
    />
  );
}

export function VolumeActions({ volume, act }: { volume: Obj; act: Act }) {
  const [attaching, setAttaching] = useState(false);
  // The zone's instances are read when the dialog opens, not for every row of the list.
  const instances = async () => {
    const vms = await list('listVirtualMachines', { zoneid: volume.zoneid, listall: true, page: 1, pagesize: 500 });
    return { items: vms.items.filter((vm) => vm.state === 'Running' || vm.state === 'Stopped').map((vm) => ({ ...vm, name: vm.displayname || vm.name })) };
  };
  return (
    <>
      {!volume.virtualmachineid && (
        <>
          <button type="button" disabled={act.busy} onClick={() => setAttaching(true)}>
            Attach
          </button>
          <Dialog title={`Attach ${volume.name}`} open={attaching} onClose={() => setAttaching(false)}>
            <PickForm
              what="Instance"
              load={instances}
              onCancel={() => setAttaching(false)}
              onSubmit={(virtualmachineid) => {
                setAttaching(false);
                void act.run(`Attach ${volume.name}`, () => call('attachVolume', { id: volume.id, virtualmachineid }));
              }}
            />
          </Dialog>
        </>
      )}
      {volume.virtualmachineid && volume.type === 'DATADISK' && (
        <button type="button" disabled={act.busy} onClick={() => act.run(`Detach ${volume.name}`, () => call('detachVolume', { id: volume.id }))}>
          Detach
        </button>
      )}
      <FormDialog
        error={act.error}
        button="Resize"
        title={`Resize ${volume.name}`}
        submit="Resize"
        fields={[
          { name: 'size', label: 'New size (GiB)', type: 'number', required: true, initial: String(gib(volume.size)) },
          { name: 'shrinkok', label: 'Allow shrinking (data past the new size is lost)', type: 'checkbox' },
        ]}
        onSubmit={(v) => act.run(`Resize ${volume.name}`, () => call('resizeVolume', { id: volume.id, size: v.size, shrinkok: v.shrinkok }))}
      />
      {!volume.virtualmachineid && (
        <button type="button" class="danger" disabled={act.busy} onClick={() => confirm(`Delete volume ${volume.name}? Its data is lost.`) && act.run(`Delete ${volume.name}`, () => call('deleteVolume', { id: volume.id }))}>
          Delete
        </button>
      )}
    </>
  );
}

export function CreateAffinityGroup({ act }: { act: Act }) {
  const types = useLoad(() => list('listAffinityGroupTypes', {}), []);
  return (
    <FormDialog
      error={act.error}
      button="Create affinity group"
      primary
      title="Create an affinity group"
      submit="Create"
      fields={[
        { name: 'name', label: 'Name', required: true },
        { name: 'type', label: 'Type', type: 'select', required: true, options: optionsOf(types.data?.items, (t) => t.type, (t) => t.type) },
        { name: 'description', label: 'Description' },
      ]}
      onSubmit={(v) => act.run(`Create affinity group ${v.name}`, () => call('createAffinityGroup', v))}
    />
  );
}

/** Register a template, or "Add ISO": the image is downloaded by a host; the list shows its progress. */
export function RegisterImage({ act, kind }: { act: Act; kind: 'template' | 'iso' }) {
  const zones = useLoad(() => list('listZones', {}), []);
  const osTypes = useLoad(() => list('listOsTypes', {}), []);
  const common = [
    { name: 'name', label: 'Name', required: true },
    { name: 'displaytext', label: 'Description' },
    { name: 'url', label: 'URL', type: 'url' as const, required: true, hint: 'HTTP or HTTPS; a host downloads it' },
    { name: 'zoneid', label: 'Zone', type: 'select' as const, required: true, options: [{ value: '-1', label: 'All zones' }, ...optionsOf(zones.data?.items)] },
    { name: 'ostypeid', label: 'OS type', type: 'select' as const, required: true, options: optionsOf(osTypes.data?.items, (o) => o.description) },
    { name: 'ispublic', label: 'Public (every account may use it)', type: 'checkbox' as const },
  ];
  if (kind === 'iso')
    return (
      <FormDialog
        error={act.error}
        button="Add ISO"
        primary
        title="Add an ISO"
        submit="Add"
        fields={[...common, { name: 'bootable', label: 'Bootable', type: 'checkbox', initial: 'true' }]}
        onSubmit={(v) => act.run(`Add ISO ${v.name}`, () => call('registerIso', v))}
      />
    );
  return (
    <FormDialog
      error={act.error}
      button="Register template"
      primary
      title="Register a template"
      submit="Register"
      fields={[
        ...common,
        { name: 'format', label: 'Format', type: 'select', required: true, initial: 'QCOW2', options: ['QCOW2', 'RAW'].map((f) => ({ value: f, label: f })) },
        { name: 'hypervisor', label: 'Hypervisor', type: 'select', required: true, initial: 'KVM', options: ['KVM', 'Simulator'].map((h) => ({ value: h, label: h })) },
      ]}
      onSubmit={(v) => act.run(`Register template ${v.name}`, () => call('registerTemplate', { ...v, zoneids: v.zoneid, zoneid: undefined }))}
    />
  );
}

export function DeleteImage({ image, kind, act }: { image: Obj; kind: 'template' | 'iso'; act: Act }) {
  const label = image.displaytext || image.name;
  return (
    <button
      type="button"
      class="danger"
      disabled={act.busy}
      onClick={() => confirm(`Delete ${kind === 'iso' ? 'ISO' : 'template'} ${label}?`) && act.run(`Delete ${label}`, () => (kind === 'iso' ? call('deleteIso', { id: image.id, zoneid: image.zoneid }) : call('deleteTemplate', { id: image.id, zoneid: image.zoneid })))}
    >
      Delete
    </button>
  );
}

/** Enable or disable a zone, pod or cluster for new VMs (allocationstate). */
export function AllocationToggle({ row, kind, act }: { row: Obj; kind: 'zone' | 'pod' | 'cluster'; act: Act }) {
  const enabled = row.allocationstate === 'Enabled';
  const allocationstate = enabled ? 'Disabled' : 'Enabled';
  const update = () => (kind === 'zone' ? call('updateZone', { id: row.id, allocationstate }) : kind === 'pod' ? call('updatePod', { id: row.id, allocationstate }) : call('updateCluster', { id: row.id, allocationstate }));
  return (
    <button type="button" disabled={act.busy} onClick={() => act.run(`${enabled ? 'Disable' : 'Enable'} ${row.name}`, update)}>
      {enabled ? 'Disable' : 'Enable'}
    </button>
  );
}
