import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Zone } from '../../../core/entities';
import { InvalidParameterError } from '../../../core/errors';
import { isAllocationState } from '../../../core/infrastructure';
import { isIpv4, isValidGuestCidr } from '../../../core/ipv4';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toZoneResponse } from '../../views/infrastructure';

const DUPLICATE = 'A zone with that name already exists. Please specify a unique zone name.';

export default defineCommand({
  name: 'createZone',
  description: 'Creates a Zone.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'zone',
  params: z.object({
    name: cs.string().meta({ description: 'the name of the Zone' }),
    networktype: cs.string().meta({ description: 'network type of the zone, can be Basic or Advanced' }),
    dns1: cs.string().meta({ description: 'the first DNS for the Zone' }),
    internaldns1: cs.string().meta({ description: 'the first internal DNS for the Zone' }),
    dns2: cs.string().optional().meta({ description: 'the second DNS for the Zone' }),
    internaldns2: cs.string().optional().meta({ description: 'the second internal DNS for the Zone' }),
    guestcidraddress: cs.string().optional().meta({ description: 'the guest CIDR address for the Zone' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this Zone for allocation of new resources' }),
    localstorageenabled: cs.boolean().optional().meta({ description: 'true if local storage offering enabled, false otherwise' }),
  }),
  async handle({ params, store, now }) {
    // ConfigurationManagerImpl.createZone's checks, in its order.
    const networkType = ({ basic: 'Basic', advanced: 'Advanced' } as const)[params.networktype.toLowerCase()];
    if (!networkType) throw new InvalidParameterError('Invalid zone type; only Advanced and Basic values are supported');
    if (networkType === 'Basic' && params.guestcidraddress !== undefined) throw new InvalidParameterError('guestCidrAddress parameter is not supported for Basic zone');
    if (params.guestcidraddress !== undefined && !isValidGuestCidr(params.guestcidraddress)) throw new InvalidParameterError('Please enter a valid guest cidr');
    if (await store.infrastructure.nameTaken('ZONE', '', params.name)) throw new InvalidParameterError(DUPLICATE);
    const addresses: Array<[string | undefined, string]> = [
      [params.dns1, 'DNS1'],
      [params.dns2, 'DNS2'],
      [params.internaldns1, 'internal DNS1'],
      [params.internaldns2, 'internal DNS2'],
    ];
    for (const [value, label] of addresses) {
      // An empty string is accepted, as CloudStack does ("hence the length check").
      if (value && !isIpv4(value)) throw new InvalidParameterError(`Please enter a valid IP address for ${label}`);
    }
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);

    const zone: Zone = {
      id: randomUUID(),
      name: params.name,
      networkType,
      // New zones start Disabled, as since CloudStack 3.0: the administrator enables them when ready.
      allocationState: params.allocationstate && isAllocationState(params.allocationstate) ? params.allocationstate : 'Disabled',
      dns1: params.dns1 || undefined,
      dns2: params.dns2 || undefined,
      internalDns1: params.internaldns1 || undefined,
      internalDns2: params.internaldns2 || undefined,
      guestCidrAddress: params.guestcidraddress,
      ...(params.localstorageenabled ? { localStorageEnabled: true } : {}),
      created: now.toISOString(),
    };
    try {
      await store.infrastructure.createZone(zone);
    } catch (err) {
      if (err instanceof NameTakenError) throw new InvalidParameterError(DUPLICATE);
      throw err;
    }
    return { kind: 'object', key: 'zone', value: toZoneResponse(zone, { full: true }) };
  },
});
