import type { GuestData } from './agent-protocol';
import type { Vm } from './entities';

/**
 * The config drive: how a guest gets its user data, metadata and SSH keys (see docs/decisions.md,
 * "SSH keys, user data and the config drive"). An ISO 9660 image labelled `config-2`, laid out as
 * CloudStack's ConfigDriveBuilder writes it: `cloudstack/userdata/user_data.txt` and
 * `cloudstack/metadata/<type>.txt` for CloudStack's own scripts, and `openstack/latest/` for
 * cloud-init's ConfigDrive datasource (which the CloudStack datasource's users switch to when there
 * is no virtual router, as here).
 */

export const CONFIG_DRIVE_LABEL = 'config-2';

/** The guest's data from its VM, its zone's name and its offering's display text. */
export function guestDataOf(vm: Vm, o: { zoneName: string; offeringText: string }): GuestData {
  const ip = vm.nics.find((n) => n.isDefault)?.ipAddress ?? vm.nics[0]?.ipAddress ?? '';
  return {
    ...(vm.userData !== undefined ? { userData: vm.userData } : {}),
    publicKeys: (vm.keyPairs ?? []).map((k) => ({ name: k.name, key: k.publicKey })),
    metadata: {
      'service-offering': o.offeringText,
      'availability-zone': o.zoneName,
      'local-ipv4': ip,
      'local-hostname': vm.name,
      // No virtual router, no static NAT: the guest's address is its public one, as on a CloudStack shared network.
      'public-ipv4': ip,
      'public-hostname': ip,
      'instance-id': vm.instanceName,
      'vm-id': vm.id,
    },
  };
}

/** The files of the drive, path -> bytes. */
export function configDriveFiles(g: GuestData): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const text = (path: string, value: string) => files.set(path, Buffer.from(value, 'utf8'));
  const userData = g.userData !== undefined ? Buffer.from(g.userData, 'base64') : undefined;
  if (userData) files.set('cloudstack/userdata/user_data.txt', userData);
  for (const [type, value] of Object.entries(g.metadata)) text(`cloudstack/metadata/${type}.txt`, value);
  text('cloudstack/metadata/public-keys.txt', g.publicKeys.map((k) => k.key).join('\n'));
  text('cloudstack/metadata/cloud-identifier.txt', `CloudStack-{${g.metadata['vm-id']}}`);
  text(
    'openstack/latest/meta_data.json',
    JSON.stringify({
      uuid: g.metadata['vm-id'],
      name: g.metadata['local-hostname'],
      hostname: g.metadata['local-hostname'],
      availability_zone: g.metadata['availability-zone'],
      launch_index: 0,
      public_keys: Object.fromEntries(g.publicKeys.map((k) => [k.name, k.key])),
      meta: { 'instance-id': g.metadata['instance-id'], 'service-offering': g.metadata['service-offering'] },
    }),
  );
  if (userData) files.set('openstack/latest/user_data', userData);
  text('openstack/latest/vendor_data.json', '{}');
  return files;
}

/** What a guest reading the drive gets for a metadata URL path (`latest/meta-data/<type>`, the legacy `latest/<type>`, `latest/user-data`); undefined: a 404. */
export function guestRead(files: ReadonlyMap<string, Buffer>, path: string): Buffer | undefined {
  const p = path.replace(/^\/+/, '');
  if (p === 'latest/user-data') return files.get('cloudstack/userdata/user_data.txt');
  const type = p.match(/^latest\/(?:meta-data\/)?([a-z0-9-]+)$/)?.[1];
  return type ? files.get(`cloudstack/metadata/${type}.txt`) : undefined;
}
