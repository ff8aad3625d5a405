import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Pod, Zone } from '../../../core/entities';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { isAllocationState } from '../../../core/infrastructure';
import { cidrsOverlap, formatIpv4, inCidr, netmaskPrefix, networkOf, parseCidr, parseIpv4, type Cidr } from '../../../core/ipv4';
import type { Store } from '../../store';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toPodResponse } from '../../views/infrastructure';

const duplicate = (name: string, zone: Zone) => `A pod with name: ${name} already exists in zone ${zone.name}. Please specify a different pod name. `;

export default defineCommand({
  name: 'createPod',
  description: 'Creates a new Pod.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'pod',
  params: z.object({
    zoneid: cs.uuid().meta({ description: 'the Zone ID in which the Pod will be created' }),
    name: cs.string().meta({ description: 'the name of the Pod' }),
    gateway: cs.string().optional().meta({ description: 'the gateway for the Pod' }),
    netmask: cs.string().optional().meta({ description: 'the netmask for the Pod' }),
    startip: cs.string().optional().meta({ description: 'the starting IP address for the Pod' }),
    endip: cs.string().optional().meta({ description: 'the ending IP address for the Pod' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this Pod for allocation of new resources' }),
  }),
  async handle({ params, store, now, command }) {
    const zone = await store.inventory.getZone(params.zoneid);
    if (!zone) throw new EntityNotFoundError(command, 'zoneid', params.zoneid);
    // checkPodRangeParametersBasicsForNonEdgeZone, then checkPodAttributes, in CloudStack's order.
    const start = params.startip === undefined ? undefined : parseIpv4(params.startip);
    if (start === undefined) throw new InvalidParameterError('The start IP is invalid');
    const endText = params.endip || undefined;
    if (endText !== undefined && parseIpv4(endText) === undefined) throw new InvalidParameterError('The end IP is invalid');
    const gateway = params.gateway === undefined ? undefined : parseIpv4(params.gateway);
    if (gateway === undefined) throw new InvalidParameterError('The gateway is invalid');
    const prefix = params.netmask === undefined ? undefined : netmaskPrefix(params.netmask);
    if (prefix === undefined) throw new InvalidParameterError('The netmask is invalid');
    const cidr: Cidr = { network: networkOf(gateway, prefix), prefix };
    // endip defaults to the last address of the pod's CIDR.
    const end = endText !== undefined ? parseIpv4(endText)! : cidr.network + 2 ** (32 - prefix) - 2;

    const pods = await store.inventory.listPodsInZone(zone.id);
    if (pods.some((p) => p.name.toLowerCase() === params.name.toLowerCase())) throw new InvalidParameterError(duplicate(params.name, zone));
    if (!inCidr(start, cidr)) throw new InvalidParameterError('The start address of the IP range is not in the CIDR subnet.');
    if (!inCidr(end, cidr)) throw new InvalidParameterError('The end address of the IP range is not in the CIDR subnet.');
    if (start > end) throw new InvalidParameterError('The start IP address must have a lower value than the end IP address.');
    if (gateway >= start && gateway <= end) throw new InvalidParameterError("The gateway shouldn't overlap start/end IP addresses");
    checkPodCidr(cidr, zone, pods);
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);

    const pod: Pod = {
      id: randomUUID(),
      name: params.name,
      zoneId: zone.id,
      gateway: params.gateway!,
      netmask: params.netmask!,
      allocationState: params.allocationstate && isAllocationState(params.allocationstate) ? params.allocationstate : 'Enabled',
      startIp: params.startip,
      endIp: formatIpv4(end),
      created: now.toISOString(),
    };
    await create(store, pod, zone);
    return { kind: 'object', key: 'pod', value: toPodResponse(pod, zone) };
  },
});

/** checkPodCidrSubnets: the new pod's subnet may overlap neither the zone's guest CIDR nor another pod's. */
function checkPodCidr(cidr: Cidr, zone: Zone, pods: readonly Pod[]): void {
  const guest = zone.guestCidrAddress ? parseCidr(zone.guestCidrAddress) : undefined;
  if (guest && cidrsOverlap(cidr, guest))
    throw new InvalidParameterError('The subnet of the pod you are adding conflicts with the subnet of the Guest IP Network. Please specify a different CIDR.');
  for (const other of pods) {
    const gateway = parseIpv4(other.gateway);
    const prefix = netmaskPrefix(other.netmask);
    if (gateway === undefined || prefix === undefined) continue;
    if (cidrsOverlap(cidr, { network: networkOf(gateway, prefix), prefix }))
      throw new InvalidParameterError(`The subnet of the pod you are adding conflicts with the subnet of pod ${other.name} in zone ${zone.name}. Please specify a different CIDR.`);
  }
}

async function create(store: Store, pod: Pod, zone: Zone): Promise<void> {
  try {
    await store.infrastructure.createPod(pod);
  } catch (err) {
    if (err instanceof NameTakenError) throw new InvalidParameterError(duplicate(pod.name, zone));
    throw err;
  }
}
