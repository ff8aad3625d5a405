import type { Cluster, UnmanagedInstance } from '../../core/entities';

/**
 * CloudStack's `unmanagedinstance` (UnmanagedInstanceResponse, 4.22): the domain, where it runs, its
 * size, and its disks and NICs numbered from "0" in the order the host lists them. KVM reports no
 * guest OS, so `osid`/`osdisplayname` are absent, as in CloudStack.
 */
export function toUnmanagedInstanceResponse(u: UnmanagedInstance, cluster: Pick<Cluster, 'name'> | undefined) {
  return {
    name: u.name,
    clusterid: u.clusterId,
    ...(cluster ? { clustername: cluster.name } : {}),
    hostid: u.hostId,
    hostname: u.hostName,
    powerstate: u.powerState === 'Unknown' ? 'PowerUnknown' : u.powerState, // CloudStack's VirtualMachine.PowerState names
    cpunumber: u.cpuNumber,
    cpucorepersocket: u.cpuCoresPerSocket,
    cpuspeed: u.cpuSpeed,
    memory: u.memory,
    disk: u.disks.map((d, i) => ({
      id: String(i),
      label: d.label,
      capacity: d.capacity,
      imagepath: d.imagePath,
      controller: d.controller,
      controllerunit: d.controllerUnit,
      position: d.position,
      ...(d.datastoreName ? { datastorename: d.datastoreName } : {}),
      ...(d.datastoreHost ? { datastorehost: d.datastoreHost } : {}),
      ...(d.datastorePath ? { datastorepath: d.datastorePath } : {}),
      datastoretype: d.datastoreType,
    })),
    nic: u.nics.map((n, i) => ({
      id: String(i),
      networkname: n.networkName,
      macaddress: n.macAddress,
      adaptertype: n.adapterType,
      ...(n.vlanId !== undefined ? { vlanid: n.vlanId } : {}),
      ...(n.ipAddresses.length ? { ipaddresses: n.ipAddresses } : {}),
    })),
  };
}
