import { z } from 'zod';
import { EntityNotFoundError, InvalidParameterError } from '../../../core/errors';
import { isAllocationState } from '../../../core/infrastructure';
import { EntityGoneError } from '../../store/infrastructure';
import { NameTakenError } from '../../store/name-taken';
import { cs } from '../params';
import { defineCommand } from '../define-command';
import { toZoneResponse } from '../../views/infrastructure';

const DUPLICATE = 'A zone with that name already exists. Please specify a unique zone name.';

/** updateZone's name, allocation state (enabling or disabling a zone for new allocations) and local storage. */
export default defineCommand({
  name: 'updateZone',
  description: 'Updates a Zone.',
  access: ['rootAdmin'],
  async: false,
  responseKey: 'zone',
  params: z.object({
    id: cs.uuid().meta({ description: 'the ID of the Zone' }),
    name: cs.string().optional().meta({ description: 'the name of the Zone' }),
    allocationstate: cs.string().optional().meta({ description: 'Allocation state of this cluster for allocation of new resources' }),
    localstorageenabled: cs.boolean().optional().meta({ description: 'true if local storage offering enabled, false otherwise' }),
  }),
  async handle({ params, store, command }) {
    const zone = await store.inventory.getZone(params.id);
    if (!zone) throw new EntityNotFoundError(command, 'id', params.id);
    // ConfigurationManagerImpl.editZone -> checkZoneParameters: duplicates (only for a new name), then the state.
    const name = params.name ?? zone.name;
    if (name !== zone.name) {
      if (await store.infrastructure.nameTaken('ZONE', '', name, zone.id)) throw new InvalidParameterError(DUPLICATE);
    }
    if (params.allocationstate && !isAllocationState(params.allocationstate))
      throw new InvalidParameterError(`Unable to resolve Allocation State '${params.allocationstate}' to a supported state`);
    const allocationState = params.allocationstate && isAllocationState(params.allocationstate) ? params.allocationstate : zone.allocationState;
    try {
      const updated = await store.infrastructure.updateZone(zone, { name, allocationState, localStorageEnabled: params.localstorageenabled });
      return { kind: 'object', key: 'zone', value: toZoneResponse(updated, { full: true }) };
    } catch (err) {
      if (err instanceof EntityGoneError) throw new EntityNotFoundError(command, 'id', params.id);
      if (err instanceof NameTakenError) throw new InvalidParameterError(DUPLICATE);
      throw err;
    }
  },
});
