import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Network, Nic, Vm } from '../../../core/entities';
import { EntityNotFoundError, InsufficientCapacityError, InvalidParameterError } from '../../../core/errors';
import { checkHostName, defaultHostName, guestAddress, internalName, macAddressFor } from '../../../core/naming';
import { cs } from '../params';
import { defineCommand } from '../define-command';

export default defineCommand({
  name: 'deployVirtualMachine',
  description: 'Creates and automatically starts an Instance based on a service offering, disk offering, and Template.',
  access: ['rootAdmin', 'domainAdmin', 'user'],
  async: true,
  responseKey: 'virtualmachine',
  params: z.object({
    serviceofferingid: cs.uuid().meta({ description: 'the ID of the service offering for the Instance' }),
    templateid: cs.uuid().meta({ description: 'the ID of the Template for the Instance' }),
    zoneid: cs.uuid().meta({ description: 'availability zone for the Instance' }),
    name: cs.string().optional().meta({ description: 'host name for the Instance' }),
    displayname: cs.string().optional().meta({ description: 'an optional user generated name for the Instance' }),
    group: cs.string().optional().meta({ description: 'an optional group for the Instance' }),
    networkids: cs.list(cs.uuid()).optional().meta({ description: 'list of network ids used by the Instance' }),
    startvm: cs.boolean().optional().meta({ description: 'true if start Instance after creating; defaulted to true if not specified', since: '3.0.1' }),
    details: cs.map().optional().meta({ description: 'used to specify the custom parameters', since: '4.3' }),
  }),
  async handle({ params, caller, store, jobs, now, command }) {
    const [offering, template, zone, user] = await Promise.all([
      store.inventory.getServiceOffering(params.serviceofferingid),
      store.inventory.getTemplate(params.templateid),
      store.inventory.getZone(params.zoneid),
      store.inventory.getUser(caller.userId),
    ]);
    if (!offering) throw new EntityNotFoundError(command, 'serviceofferingid', params.serviceofferingid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    if (!template || !(template.isPublic || template.accountId === caller.accountId)) throw new EntityNotFoundError(command, 'templateid', params.templateid);
    if (template.zoneId && template.zoneId !== zone.id) throw new InvalidParameterError(`Template ${template.name} is not available in zone ${zone.name}`);
    if (zone.allocationState !== 'Enabled' && caller.role !== 'rootAdmin')
      throw new InvalidParameterError(`Cannot perform this operation, Zone is currently disabled: ${zone.name}`);
    if (params.name !== undefined) checkHostName(params.name);
    const networks = await guestNetworks(params.networkids, zone.id, caller.accountId, caller.role === 'rootAdmin', store, command);

    const id = randomUUID();
    const [vmSeq, suffix, displayNameInName] = await Promise.all([
      store.inventory.nextSequence('vm'),
      store.settings.get('instance.name'),
      store.settings.getBoolean('vm.instancename.flag'),
    ]);
    const nics = await Promise.all(networks.map((n, i) => nicFor(n, i === 0, store)));
    const at = now.toISOString();
    const name = params.name ?? defaultHostName(id);
    const vm: Vm = {
      id,
      name,
      displayName: params.displayname ?? name,
      // R-NAME.4: the display name replaces instance.name only when the flag is on and one was given.
      instanceName: internalName(user?.numericId ?? 2, vmSeq, displayNameInName && params.displayname ? params.displayname : suffix),
      accountId: caller.accountId,
      userId: caller.userId,
      domainId: caller.domainId,
      domainPath: caller.domainPath,
      zoneId: zone.id,
      serviceOfferingId: offering.id,
      templateId: template.id,
      osTypeId: template.osTypeId,
      cpuNumber: offering.cpuNumber,
      cpuSpeed: offering.cpuSpeed,
      memory: offering.memory,
      state: params.startvm === false ? 'Allocated' : 'Starting',
      nics,
      haEnable: offering.offerHa,
      group: params.group,
      details: {},
      affinityGroupIds: [],
      created: at,
      lastUpdated: at,
      version: 1,
    };
    return jobs.startWithNewVm({ workflow: 'deploy-vm', cmd: 'org.apache.cloudstack.api.command.user.vm.DeployVMCmd', caller, vm, input: { startVm: params.startvm !== false } });
  },
});

/** The networks named, or the zone's first network the caller may use; each checked for zone and owner. */
async function guestNetworks(
  ids: string[] | undefined,
  zoneId: string,
  accountId: string,
  rootAdmin: boolean,
  store: import('../../store').Store,
  command: string,
): Promise<Network[]> {
  const usable = (n: Network | undefined): n is Network => !!n && (rootAdmin || !n.accountId || n.accountId === accountId);
  if (ids && ids.length > 0) {
    const found = await Promise.all(ids.map((id) => store.inventory.getNetwork(id)));
    return found.map((n, i) => {
      if (!usable(n)) throw new EntityNotFoundError(command, 'networkids', ids[i]);
      if (n.zoneId !== zoneId) throw new InvalidParameterError(`Network ${n.name} does not belong to zone ${zoneId}`);
      return n;
    });
  }
  const inZone = (await store.inventory.listNetworksInZone(zoneId)).filter(usable);
  if (inZone.length === 0) throw new InvalidParameterError('Unable to find a network to deploy the Instance in: specify networkids');
  return [inZone[0]];
}

async function nicFor(network: Network, isDefault: boolean, store: import('../../store').Store): Promise<Nic> {
  const seq = await store.inventory.nextSequence(`ip#${network.id}`);
  const ipAddress = guestAddress(network.cidr, network.gateway, seq);
  if (!ipAddress) throw new InsufficientCapacityError(`Insufficient address capacity: network ${network.name} has no free address`);
  const macSeq = await store.inventory.nextSequence('mac');
  return {
    id: randomUUID(),
    networkId: network.id,
    networkName: network.name,
    ipAddress,
    netmask: network.netmask,
    gateway: network.gateway,
    macAddress: macAddressFor(macSeq),
    isDefault,
    type: network.type,
  };
}
